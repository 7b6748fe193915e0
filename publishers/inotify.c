// SPDX-License-Identifier: Apache-2.0
/*
 * inotify.c - file events from inotify(7): the fallback publisher when
 * fanotify is unavailable or not permitted. The kernel does not say which
 * process caused an event, so every event has pid -1.
 *
 * HOW IT WORKS
 * inotify watches one inode at a time and reports its children by name, so
 * the publisher keeps one watch per directory and a record per watch: the
 * watch descriptor (wd), the directory's absolute path, and what the path is
 * for (ino_want(): inside a watch, recursive, with accesses, a watch root,
 * or an ancestor waiting for a missing root). Records are found by wd (for
 * events) and by path (for renames and roots) through two chained hash
 * tables. An event's path is its record's path + "/" + name, bytes as given.
 *
 * - Recursive roots are walked at start with openat/fdopendir, never
 *   following symlinks, at most INO_DEPTH_MAX levels, skipping a directory
 *   whose (dev, inode) is already on the walk's stack (bind-mount loops).
 * - A directory created or moved in under a recursive root is watched first
 *   and scanned second, so nothing made in between is missed; the scan
 *   delivers CREATED for what it finds and remembers those paths until the
 *   queue is empty, so the IN_CREATEs already queued for them are not
 *   delivered twice.
 * - Renames: MOVED_FROM is remembered by cookie (INO_MOVES of them) so that
 *   MOVED_TO carries old_path; a directory renamed in sight has its record
 *   and every record below it re-pathed. A watched directory that leaves
 *   sight (IN_MOVE_SELF with its path no longer holding its inode) has its
 *   watches removed, so no event from outside the roots is delivered.
 * - A root that does not exist (yet, or any more) is waited for with a
 *   watch on its nearest existing ancestor; when it appears it is watched,
 *   and CREATED is delivered for it and for what is already inside.
 * - IN_Q_OVERFLOW is counted, reported to the sink and logged once with
 *   advice; afterwards stale records are dropped and the roots walked again,
 *   since creations and deletions may have been lost.
 *
 * LIMITS
 * No process attribution. A directory reached through two paths (bind
 * mounts) or a file root hard-linked to another root is watched once, under
 * the first path. A root whose *parent* is renamed keeps reporting under its
 * old path (inotify says nothing to a directory when its parent moves).
 * Opens and reads of directories are not reported as accesses: the
 * publisher's own scans would be indistinguishable from them.
 */
#include "inotify_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vigil/log.h"

static void ino_stop(void *state);

/* ---- renames ---- */

static void ino_move_remember(struct ino_state *st, uint32_t cookie, const char *path, size_t len)
{
	struct ino_move *m = &st->moves[st->move_next++ % INO_MOVES];
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, path, len);
	copy[len] = '\0';
	free(m->path);
	m->cookie = cookie;
	m->path = copy;
	m->len = len;
}

static struct ino_move *ino_move_find(struct ino_state *st, uint32_t cookie)
{
	for (size_t i = 0; cookie && i < INO_MOVES; i++) {
		if (st->moves[i].cookie == cookie)
			return &st->moves[i];
	}
	return NULL;
}

static void ino_move_forget(struct ino_move *m)
{
	if (!m)
		return;
	free(m->path);
	*m = (struct ino_move){ 0 };
}

/* Re-paths every record at or below @old to @new, then re-checks what they are for. */
static void ino_rename_tree(struct ino_state *st, const char *old, size_t old_len, const char *new,
			    size_t new_len)
{
	INO_FOREACH(st, r, next)
	{
		size_t rest = r->path_len - old_len;
		char *p;

		if (!(r->path_len == old_len && !memcmp(r->path, old, old_len)) &&
		    !ino_under(r->path, r->path_len, old, old_len))
			continue;
		p = malloc(new_len + rest + 1);
		if (!p) {
			ino_rec_free(st, r, true);
			continue;
		}
		memcpy(p, new, new_len);
		memcpy(p + new_len, r->path + old_len, rest + 1);
		ino_unlink_path(st, r);
		free(r->path);
		r->path = p;
		r->path_len = new_len + rest;
		ino_link_path(st, r);
	}
	INO_FOREACH(st, r, next)
	{
		if ((r->path_len == new_len && !memcmp(r->path, new, new_len)) ||
		    ino_under(r->path, r->path_len, new, new_len))
			ino_sync(st, r);
	}
}

/* A directory arrived at st->path by rename (from @from, when known). */
static void ino_moved_dir(struct ino_state *st, const struct ino_rec *parent,
			  const struct ino_move *from)
{
	struct ino_rec *moved = from ? ino_by_path(st, from->path, from->len) : NULL;
	bool was_recursive = moved && (moved->flags & INO_RECURSIVE);

	if (moved) {
		/* A root may have been renamed away from its path, or onto it. */
		st->roots_dirty = true;
		ino_rename_tree(st, from->path, from->len, st->path.buf, st->path.len);
		moved = ino_by_path(st, st->path.buf, st->path.len);
		if (moved && (moved->flags & INO_RECURSIVE) && !was_recursive)
			ino_walk_path(st, st->path.buf, st->path.len, false, true);
	} else if (parent->flags & INO_RECURSIVE) {
		ino_new_dir(st, st->path.buf, st->path.len);
	}
}

/* ---- events ---- */

static void ino_overflow(struct ino_state *st)
{
	int64_t q;

	st->stats.overflows++;
	st->need_resync = true;
	if (st->sink->overflow)
		st->sink->overflow(st->sink->ctx, "inotify");
	if (st->logged_overflow)
		return;
	st->logged_overflow = true;
	q = ino_sysctl("max_queued_events");
	vg_log(VG_LOG_WARN,
	       "inotify: event queue overflowed, events were lost; the queue holds "
	       "fs.inotify.max_queued_events (now %lld): raise it, e.g. "
	       "sysctl -w fs.inotify.max_queued_events=%lld",
	       (long long)q, q > 0 ? (long long)q * 8 : 131072LL);
}

/* @r's watched object left its path (renamed out of sight) unless the path still holds it. */
static void ino_moved_self(struct ino_state *st, struct ino_rec *r, bool deliver)
{
	struct vg_strbuf p = VG_STRBUF_INIT;
	struct stat sb;

	if (!lstat(r->path, &sb) && sb.st_dev == r->dev && sb.st_ino == r->ino)
		return;
	vg_strbuf_add(&p, r->path, r->path_len);
	if (deliver)
		ino_emit(st, VG_FILE_MOVED_FROM, 0, 0, p.buf, p.len, NULL, r->is_dir);
	ino_drop_tree(st, p.buf, p.len);
	vg_strbuf_release(&p);
	st->roots_dirty = true;
}

/* An event on the watched object itself (no name). */
static void ino_handle_self(struct ino_state *st, struct ino_rec *r, uint32_t mask)
{
	bool deliver = (r->flags & INO_ROOT) && !ino_parent_covered(st, r->path, r->path_len);

	if (mask & IN_DELETE_SELF) {
		if (deliver)
			ino_emit(st, VG_FILE_DELETED, 0, 0, r->path, r->path_len, NULL, r->is_dir);
		if (r->flags & (INO_ROOT | INO_ANCESTOR))
			st->roots_dirty = true;
	} else if (mask & IN_MOVE_SELF) {
		ino_moved_self(st, r, deliver);
	} else if (deliver) {
		ino_emit_plain(st, r->flags, mask, r->path, r->path_len, r->is_dir);
	}
}

/* An event on a child of @r's directory, whose path is in st->path. */
static void ino_handle_child(struct ino_state *st, struct ino_rec *r, uint32_t mask,
			     uint32_t cookie)
{
	const char *path = st->path.buf;
	size_t len = st->path.len;
	bool is_dir = mask & IN_ISDIR;
	struct ino_move *from;

	if (mask & IN_CREATE) {
		if (ino_seen_take(st, path, len))
			return; /* a scan delivered it, and watched it if a directory */
		ino_emit(st, VG_FILE_CREATED, 0, 0, path, len, NULL, is_dir);
		if (is_dir && (r->flags & INO_RECURSIVE))
			ino_new_dir(st, path, len);
	} else if (mask & IN_MOVED_TO) {
		ino_seen_take(st, path, len);
		from = ino_move_find(st, cookie);
		ino_emit(st, VG_FILE_MOVED_TO, 0, cookie, path, len, from, is_dir);
		if (is_dir)
			ino_moved_dir(st, r, from);
		ino_move_forget(from);
	} else if (mask & IN_MOVED_FROM) {
		ino_seen_take(st, path, len);
		ino_emit(st, VG_FILE_MOVED_FROM, 0, cookie, path, len, NULL, is_dir);
	} else if (mask & IN_DELETE) {
		ino_seen_take(st, path, len);
		ino_emit(st, VG_FILE_DELETED, 0, 0, path, len, NULL, is_dir);
	} else {
		ino_emit_plain(st, r->flags, mask, path, len, is_dir);
	}
}

static void ino_handle(struct ino_state *st, const struct inotify_event *ie, const char *name)
{
	struct ino_rec *r;
	size_t name_len;

	if (ie->mask & IN_Q_OVERFLOW) {
		ino_overflow(st);
		return;
	}
	r = ino_by_wd(st, ie->wd);
	if (!r)
		return; /* a watch we removed; its last events are still queued */
	if (ie->mask & IN_IGNORED) {
		if (r->flags & (INO_ROOT | INO_ANCESTOR))
			st->roots_dirty = true;
		ino_rec_free(st, r, false);
		return;
	}
	name_len = ie->len ? strnlen(name, ie->len) : 0;
	if (!name_len) {
		ino_handle_self(st, r, ie->mask);
		return;
	}
	vg_strbuf_reset(&st->path);
	vg_strbuf_add(&st->path, r->path, r->path_len);
	ino_join(&st->path, name, name_len);
	if ((ie->mask & (IN_CREATE | IN_MOVED_TO)) && (r->flags & INO_ANCESTOR) &&
	    ino_leads_to_root(st, st->path.buf, st->path.len))
		st->roots_dirty = true;
	if (ie->mask & IN_MOVED_FROM)
		ino_move_remember(st, ie->cookie, st->path.buf, st->path.len);
	if (r->flags & INO_COVERED)
		ino_handle_child(st, r, ie->mask, ie->cookie);
}

/*
 * After an overflow: drop records whose object left its path (their
 * IN_IGNORED or rename may be lost) and walk the roots again for the
 * directories made meanwhile. No events: the sink was told of the loss.
 */
static void ino_resync(struct ino_state *st)
{
	st->need_resync = false;
	st->resync_mono_ns = vg_mono_ns();
	INO_FOREACH(st, r, next)
	{
		struct stat sb;

		if (lstat(r->path, &sb) || sb.st_dev != r->dev || sb.st_ino != r->ino)
			ino_rec_free(st, r, true);
	}
	for (size_t i = 0; i < st->n_roots; i++)
		ino_root_start(st, &st->roots[i], false);
	ino_prune(st);
}

/* ---- ops ---- */

static int ino_probe(void)
{
	int fd = inotify_init1(IN_CLOEXEC);
	int err;

	if (fd < 0) {
		err = -errno;
		vg_log(VG_LOG_WARN, "inotify: unavailable: %s", strerror(-err));
		return err == -ENOSYS ? -ENOSYS : -EPERM;
	}
	close(fd);
	return 0;
}

static int ino_start(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state)
{
	struct ino_state *st = NULL;
	int err;

	*state = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->sink = sink;
	vg_strbuf_init(&st->path);
	st->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->fd < 0) {
		err = -errno;
		vg_log(VG_LOG_ERROR, "inotify: cannot start: %s", strerror(-err));
		goto out;
	}
	err = ino_grow(st);
	if (err)
		goto out;
	err = ino_set_roots(st, ws);
	if (err)
		goto out;
	st->max_watches = ino_sysctl("max_user_watches");
	st->now_ns = vg_now_ns();
	for (size_t i = 0; i < st->n_roots; i++)
		ino_root_start(st, &st->roots[i], false);
	ino_prune(st);
	if (st->max_watches > 0 && st->n_recs > (uint64_t)st->max_watches / 4 * 3)
		vg_log(VG_LOG_WARN,
		       "inotify: %zu watches in place, near fs.inotify.max_user_watches (%lld)",
		       st->n_recs, (long long)st->max_watches);
	*state = st;
	st = NULL;
out:
	ino_stop(st);
	return err;
}

static int ino_fd(void *state)
{
	const struct ino_state *st = state;

	return st->fd;
}

static int ino_drain(void *state, unsigned budget)
{
	struct ino_state *st = state;
	bool caught_up = false;
	unsigned n = 0;
	int err = 0;

	if (budget > INT_MAX)
		budget = INT_MAX;
	while (n < budget) {
		struct inotify_event ie;

		if (st->buf_off >= st->buf_len) {
			ssize_t got = read(st->fd, st->buf, sizeof(st->buf));

			if (got <= 0) {
				err = got ? -errno : -EIO;
				if (err == -EINTR)
					continue;
				if (err == -EAGAIN) {
					/* Everything queued before the scans is handled. */
					ino_seen_clear(st);
					caught_up = true;
					err = 0;
				} else if (!st->logged_error) {
					st->logged_error = true;
					vg_log(VG_LOG_ERROR, "inotify: cannot read events: %s",
					       strerror(-err));
				}
				break;
			}
			st->buf_off = 0;
			st->buf_len = (size_t)got;
			st->now_ns = vg_now_ns();
		}
		memcpy(&ie, st->buf + st->buf_off, sizeof(ie));
		ino_handle(st, &ie, st->buf + st->buf_off + sizeof(ie));
		st->buf_off += sizeof(ie) + ie.len;
		n++;
		if (st->roots_dirty) {
			st->roots_dirty = false;
			ino_resolve_roots(st);
		}
	}
	/* Re-walk once caught up, or once a second while a flood goes on. */
	if (st->need_resync && (caught_up || vg_mono_ns() - st->resync_mono_ns > INO_RESYNC_NS))
		ino_resync(st);
	return err ? err : (int)n;
}

static int ino_update(void *state, const struct vg_watch_set *ws)
{
	struct ino_state *st = state;
	int err = ino_set_roots(st, ws);

	if (err)
		return err;
	/* Watches that stay keep their wd (and queued events); the others go. */
	INO_FOREACH(st, r, next)
	{
		ino_sync(st, r);
	}
	st->now_ns = vg_now_ns();
	for (size_t i = 0; i < st->n_roots; i++)
		ino_root_start(st, &st->roots[i], false);
	ino_prune(st);
	return 0;
}

static void ino_stop(void *state)
{
	struct ino_state *st = state;

	if (!st)
		return;
	INO_FOREACH(st, r, next)
	{
		ino_rec_free(st, r, false);
	}
	free(st->by_wd);
	free(st->by_path);
	for (size_t i = 0; i < st->n_roots; i++)
		free(st->roots[i].path);
	free(st->roots);
	ino_seen_clear(st);
	for (size_t i = 0; i < INO_MOVES; i++)
		free(st->moves[i].path);
	vg_strbuf_release(&st->path);
	if (st->fd >= 0)
		close(st->fd);
	free(st);
}

static void ino_stats(void *state, struct vg_publisher_stats *out)
{
	const struct ino_state *st = state;

	*out = st->stats;
	out->watches = st->n_recs;
}

const struct vg_publisher_ops vg_publisher_inotify = {
	.name = "inotify",
	.probe = ino_probe,
	.start = ino_start,
	.fd = ino_fd,
	.drain = ino_drain,
	.update = ino_update,
	.stop = ino_stop,
	.stats = ino_stats,
};
