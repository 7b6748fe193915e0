// SPDX-License-Identifier: Apache-2.0
/*
 * inotify_tree.c - the inotify publisher's watches (see inotify.c for the
 * design): one record per watched directory, found by wd and by path;
 * what a path is watched for; walking a tree to watch it (and report what
 * is in a directory that appeared); the roots and their ancestors; the
 * scanned paths remembered against duplicate CREATEDs.
 */
#include "inotify_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vigil/log.h"

/* ---- small helpers ---- */

static uint32_t ino_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Whether @p is strictly below directory @dir. */
bool ino_under(const char *p, size_t plen, const char *dir, size_t dlen)
{
	if (plen <= dlen || memcmp(p, dir, dlen))
		return false;
	return p[dlen] == '/' || (dlen == 1 && dir[0] == '/');
}

/* The length of @path's parent ("/" for "/x"), or 0 if it has none. */
static size_t ino_parent_len(const char *path, size_t len)
{
	const char *slash = len > 1 ? memrchr(path, '/', len) : NULL;

	if (!slash)
		return 0;
	return slash == path ? 1 : (size_t)(slash - path);
}

/* Appends "/" + @name to @sb, which holds a directory path. */
void ino_join(struct vg_strbuf *sb, const char *name, size_t len)
{
	if (!(sb->len == 1 && sb->buf[0] == '/'))
		vg_strbuf_addch(sb, '/');
	vg_strbuf_add(sb, name, len);
}

static void ino_truncate(struct vg_strbuf *sb, size_t len)
{
	if (sb->alloc) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

/* A number from /proc/sys/fs/inotify/@name, or -1. */
int64_t ino_sysctl(const char *name)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char path[96];
	int64_t v = -1;

	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	if (!vg_read_file(path, 64, true, &sb)) {
		vg_strbuf_rtrim(&sb);
		if (!vg_parse_i64(sb.buf, &v))
			v = -1;
	}
	vg_strbuf_release(&sb);
	return v;
}

/* ---- records: by wd and by path ---- */

struct ino_rec *ino_by_wd(const struct ino_state *st, int wd)
{
	struct ino_rec *r = st->by_wd[(uint32_t)wd & (st->n_buckets - 1)];

	while (r && r->wd != wd)
		r = r->wd_next;
	return r;
}

struct ino_rec *ino_by_path(const struct ino_state *st, const char *path, size_t len)
{
	struct ino_rec *r = st->by_path[ino_hash(path, len) & (st->n_buckets - 1)];

	while (r && !(r->path_len == len && !memcmp(r->path, path, len)))
		r = r->path_next;
	return r;
}

void ino_link_path(struct ino_state *st, struct ino_rec *r)
{
	struct ino_rec **head = &st->by_path[ino_hash(r->path, r->path_len) & (st->n_buckets - 1)];

	r->path_next = *head;
	*head = r;
}

void ino_unlink_path(struct ino_state *st, struct ino_rec *r)
{
	struct ino_rec **p = &st->by_path[ino_hash(r->path, r->path_len) & (st->n_buckets - 1)];

	while (*p != r)
		p = &(*p)->path_next;
	*p = r->path_next;
}

static void ino_link(struct ino_state *st, struct ino_rec *r)
{
	struct ino_rec **head = &st->by_wd[(uint32_t)r->wd & (st->n_buckets - 1)];

	r->wd_next = *head;
	*head = r;
	ino_link_path(st, r);
	st->n_recs++;
}

/* Doubles the tables (or makes the first ones). Returns 0 or -ENOMEM. */
int ino_grow(struct ino_state *st)
{
	size_t n = st->n_buckets ? st->n_buckets * 2 : INO_MIN_BUCKETS;
	struct ino_rec **wd = calloc(n, sizeof(*wd));
	struct ino_rec **path = calloc(n, sizeof(*path));
	struct ino_rec **old_wd = st->by_wd;
	size_t old_n = st->n_buckets;

	if (!wd || !path) {
		free(wd);
		free(path);
		return -ENOMEM;
	}
	free(st->by_path);
	st->by_wd = wd;
	st->by_path = path;
	st->n_buckets = n;
	st->n_recs = 0;
	for (size_t b = 0; b < old_n; b++) {
		for (struct ino_rec *r = old_wd[b], *next; r; r = next) {
			next = r->wd_next;
			ino_link(st, r);
		}
	}
	free(old_wd);
	return 0;
}

/* Forgets @r, removing its watch first when @rm (not after IN_IGNORED). */
void ino_rec_free(struct ino_state *st, struct ino_rec *r, bool rm)
{
	struct ino_rec **p = &st->by_wd[(uint32_t)r->wd & (st->n_buckets - 1)];

	if (rm)
		inotify_rm_watch(st->fd, r->wd);
	while (*p != r)
		p = &(*p)->wd_next;
	*p = r->wd_next;
	ino_unlink_path(st, r);
	st->n_recs--;
	free(r->path);
	free(r);
}

/* ---- what a path is watched for ---- */

static unsigned ino_want(const struct ino_state *st, const char *path, size_t len)
{
	unsigned f = 0;

	for (size_t i = 0; i < st->n_roots; i++) {
		const struct ino_root *r = &st->roots[i];
		unsigned extra =
		    (r->recursive ? INO_RECURSIVE : 0) | (r->accesses ? INO_ACCESSES : 0);

		if (len == r->len && !memcmp(path, r->path, len))
			f |= INO_COVERED | INO_ROOT | extra;
		else if (r->recursive && ino_under(path, len, r->path, r->len))
			f |= INO_COVERED | extra;
		else if (ino_under(r->path, r->len, path, len) && !ino_by_path(st, r->path, r->len))
			f |= INO_ANCESTOR;
	}
	return f;
}

static uint32_t ino_mask(unsigned flags)
{
	uint32_t m = INO_SELF_MASK;

	if (flags & INO_COVERED)
		m |= INO_BASE_MASK | (flags & INO_ACCESSES ? INO_ACCESS_MASK : 0);
	if (flags & INO_ANCESTOR)
		m |= IN_CREATE | IN_MOVED_TO;
	return m;
}

/* Whether events on @path reach the sink through its parent's watch already. */
bool ino_parent_covered(const struct ino_state *st, const char *path, size_t len)
{
	size_t plen = ino_parent_len(path, len);
	const struct ino_rec *p = plen ? ino_by_path(st, path, plen) : NULL;

	return p && (p->flags & INO_COVERED);
}

/* Counts and logs a watch that could not be added (vanished paths are not failures). */
static void ino_watch_failed(struct ino_state *st, const char *path, int err)
{
	if (err == -ENOENT || err == -ENOTDIR || err == -ELOOP)
		return;
	st->stats.unwatched++;
	if (err == -ENOSPC) {
		if (st->logged_enospc)
			return;
		st->logged_enospc = true;
		vg_log(VG_LOG_WARN,
		       "inotify: cannot watch %s: %s; the limit is fs.inotify.max_user_watches "
		       "(now %lld): raise it, e.g. sysctl -w fs.inotify.max_user_watches=%lld",
		       path, strerror(-err), (long long)st->max_watches,
		       st->max_watches > 0 ? (long long)st->max_watches * 4 : 524288LL);
		return;
	}
	vg_log(st->logged_error ? VG_LOG_DEBUG : VG_LOG_WARN, "inotify: cannot watch %s: %s", path,
	       strerror(-err));
	st->logged_error = true;
}

/*
 * Watches @path for what ino_want() says (or refreshes the watch it has).
 * *@out is its record, or NULL when nothing is wanted there. Returns 0,
 * -ELOOP if the object is already watched under another path, or -errno.
 */
static int ino_add(struct ino_state *st, const char *path, size_t len, uint32_t extra,
		   struct ino_rec **out)
{
	unsigned f = ino_want(st, path, len);
	struct ino_rec *r = NULL;
	struct stat sb;
	int wd, err;

	*out = NULL;
	if (!f)
		return 0;
	wd = inotify_add_watch(st->fd, path, ino_mask(f) | extra);
	if (wd < 0) {
		err = -errno;
		ino_watch_failed(st, path, err);
		return err;
	}
	r = ino_by_wd(st, wd);
	if (r) {
		if (r->path_len != len || memcmp(r->path, path, len)) {
			/* The same object under another path: keep what both need. */
			inotify_add_watch(st->fd, path, ino_mask(f | r->flags) | extra);
			return -ELOOP;
		}
		r->flags = f;
		r->mask = ino_mask(f);
		*out = r;
		return 0;
	}
	if (lstat(path, &sb)) {
		err = -errno;
		inotify_rm_watch(st->fd, wd);
		return err;
	}
	if (st->n_recs >= st->n_buckets)
		ino_grow(st); /* on failure the chains only get longer */
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = malloc(len + 1))) {
		free(r);
		inotify_rm_watch(st->fd, wd);
		return -ENOMEM;
	}
	memcpy(r->path, path, len);
	r->path[len] = '\0';
	r->path_len = len;
	r->wd = wd;
	r->flags = f;
	r->mask = ino_mask(f);
	r->is_dir = S_ISDIR(sb.st_mode);
	r->dev = sb.st_dev;
	r->ino = sb.st_ino;
	ino_link(st, r);
	*out = r;
	return 0;
}

/* Brings @r's watch in line with ino_want(): drops it when nothing wants it. */
void ino_sync(struct ino_state *st, struct ino_rec *r)
{
	unsigned f = ino_want(st, r->path, r->path_len);
	uint32_t m = ino_mask(f);
	int wd;

	if (!f) {
		ino_rec_free(st, r, true);
		return;
	}
	r->flags = f;
	if (m == r->mask)
		return;
	wd = inotify_add_watch(st->fd, r->path, m | (r->is_dir ? IN_ONLYDIR : 0));
	if (wd == r->wd)
		r->mask = m;
	else if (wd >= 0 && !ino_by_wd(st, wd))
		inotify_rm_watch(st->fd, wd); /* another object took the path meanwhile */
}

/* Drops the watches of @path and everything below it. */
void ino_drop_tree(struct ino_state *st, const char *path, size_t len)
{
	INO_FOREACH(st, r, next)
	{
		if ((r->path_len == len && !memcmp(r->path, path, len)) ||
		    ino_under(r->path, r->path_len, path, len))
			ino_rec_free(st, r, true);
	}
}

/* Drops the ancestor watches no missing root needs any more. */
void ino_prune(struct ino_state *st)
{
	INO_FOREACH(st, r, next)
	{
		if (r->flags & INO_ANCESTOR)
			ino_sync(st, r);
	}
}

/* ---- delivering ---- */

void ino_emit(struct ino_state *st, enum vg_file_action action, unsigned flags, uint32_t cookie,
	      const char *path, size_t len, const struct ino_move *from, bool is_dir)
{
	struct vg_file_event ev = {
		.time_ns = st->now_ns,
		.action = action,
		.flags = flags,
		.cookie = cookie,
		.path = path,
		.path_len = len,
		.old_path = from ? from->path : NULL,
		.old_path_len = from ? from->len : 0,
		.pid = -1,
		.is_dir = is_dir,
	};

	st->sink->file_event(st->sink->ctx, &ev);
	st->stats.received++;
}

/* Delivers the events that need no bookkeeping; false if @mask is not one. */
bool ino_emit_plain(struct ino_state *st, unsigned rec_flags, uint32_t mask, const char *path,
		    size_t len, bool is_dir)
{
	if (mask & IN_MODIFY)
		ino_emit(st, VG_FILE_UPDATED, VG_FILE_EV_WRITE, 0, path, len, NULL, is_dir);
	else if (mask & IN_CLOSE_WRITE)
		ino_emit(st, VG_FILE_UPDATED, VG_FILE_EV_CLOSE, 0, path, len, NULL, is_dir);
	else if (mask & IN_ATTRIB)
		ino_emit(st, VG_FILE_ATTRIBUTES_MODIFIED, 0, 0, path, len, NULL, is_dir);
	else if (mask & (IN_OPEN | IN_ACCESS)) {
		/* Directory opens are not accesses: our own scans make them too. */
		if (is_dir || !(rec_flags & INO_ACCESSES))
			return true;
		ino_emit(st, mask & IN_OPEN ? VG_FILE_OPENED : VG_FILE_ACCESSED, 0, 0, path, len,
			 NULL, false);
	} else
		return false;
	return true;
}

/* ---- scanned paths (duplicate CREATEDs) ---- */

static void ino_seen_add(struct ino_state *st, const char *path, size_t len)
{
	struct ino_seen *s;

	if (st->n_seen >= INO_SEEN_MAX || !(s = malloc(sizeof(*s) + len)))
		return;
	s->hash = ino_hash(path, len);
	s->len = len;
	memcpy(s->path, path, len);
	s->next = st->seen[s->hash & (INO_SEEN_BUCKETS - 1)];
	st->seen[s->hash & (INO_SEEN_BUCKETS - 1)] = s;
	st->n_seen++;
}

/* Forgets @path; true if a scan had delivered it. */
bool ino_seen_take(struct ino_state *st, const char *path, size_t len)
{
	uint32_t h;
	struct ino_seen **p;

	if (!st->n_seen)
		return false;
	h = ino_hash(path, len);
	for (p = &st->seen[h & (INO_SEEN_BUCKETS - 1)]; *p; p = &(*p)->next) {
		struct ino_seen *s = *p;

		if (s->hash == h && s->len == len && !memcmp(s->path, path, len)) {
			*p = s->next;
			free(s);
			st->n_seen--;
			return true;
		}
	}
	return false;
}

void ino_seen_clear(struct ino_state *st)
{
	for (size_t b = 0; st->n_seen && b < INO_SEEN_BUCKETS; b++) {
		while (st->seen[b]) {
			struct ino_seen *s = st->seen[b];

			st->seen[b] = s->next;
			free(s);
			st->n_seen--;
		}
	}
}

/* ---- walking ---- */

struct ino_frame {
	dev_t dev;
	ino_t ino;
	const struct ino_frame *up;
};

/*
 * Scans the directory open as @dfd (closed here), whose path is in @path:
 * delivers CREATED for each entry when @emit, and when @recursive watches
 * each subdirectory and walks it too. @path is restored before returning.
 */
static void ino_walk(struct ino_state *st, struct vg_strbuf *path, int dfd, unsigned depth,
		     const struct ino_frame *up, bool emit, bool recursive)
{
	struct ino_frame me = { .up = up };
	size_t base = path->len;
	struct dirent *de;
	struct stat sb;
	DIR *d = NULL;

	if (fstat(dfd, &sb)) {
		close(dfd);
		return;
	}
	me.dev = sb.st_dev;
	me.ino = sb.st_ino;
	for (const struct ino_frame *f = up; f; f = f->up) {
		if (f->dev == me.dev && f->ino == me.ino) {
			close(dfd);
			return;
		}
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		bool is_dir = de->d_type == DT_DIR;
		struct ino_rec *r = NULL;
		int err, cfd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN)
			is_dir = !fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) &&
				 S_ISDIR(sb.st_mode);
		ino_join(path, de->d_name, strlen(de->d_name));
		if (emit) {
			ino_emit(st, VG_FILE_CREATED, 0, 0, path->buf, path->len, NULL, is_dir);
			ino_seen_add(st, path->buf, path->len);
		}
		if (is_dir && recursive && depth < INO_DEPTH_MAX) {
			/* Watch first, then list: what is made in between is not missed. */
			err = ino_add(st, path->buf, path->len, IN_ONLYDIR, &r);
			if (err == 0 || err == -ENOSPC || err == -EACCES) {
				cfd = openat(dirfd(d), de->d_name,
					     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (cfd >= 0)
					ino_walk(st, path, cfd, depth + 1, &me, emit, recursive);
			}
		}
		ino_truncate(path, base);
	}
	closedir(d);
}

/* Walks the directory at @path (see ino_walk()). */
void ino_walk_path(struct ino_state *st, const char *path, size_t len, bool emit, bool recursive)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	int dfd;

	vg_strbuf_add(&sb, path, len);
	dfd = open(sb.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0)
		ino_walk(st, &sb, dfd, 0, NULL, emit, recursive);
	vg_strbuf_release(&sb);
}

/* A directory appeared under a recursive watch: watch it, then deliver what is in it. */
void ino_new_dir(struct ino_state *st, const char *path, size_t len)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	struct ino_rec *r = NULL;

	vg_strbuf_add(&sb, path, len);
	if (!ino_add(st, sb.buf, sb.len, IN_ONLYDIR, &r) && r)
		ino_walk_path(st, sb.buf, sb.len, true, true);
	vg_strbuf_release(&sb);
}

/* ---- roots ---- */

/*
 * Watches the nearest existing ancestor of root @r for its creation.
 * Returns true if the next path component appeared meanwhile (try again).
 */
static bool ino_watch_ancestor(struct ino_state *st, const struct ino_root *r)
{
	struct vg_strbuf p = VG_STRBUF_INIT;
	bool appeared = false;

	vg_strbuf_add(&p, r->path, r->len);
	while (p.len > 1) {
		size_t child = p.len;
		struct ino_rec *rec = NULL;
		struct stat sb;
		int err;

		ino_truncate(&p, ino_parent_len(p.buf, p.len));
		err = ino_add(st, p.buf, p.len, IN_ONLYDIR, &rec);
		if (err == -ENOENT || err == -ENOTDIR)
			continue;
		if (!err && rec) {
			struct vg_strbuf c = VG_STRBUF_INIT;

			vg_strbuf_add(&c, r->path, child);
			appeared = !lstat(c.buf, &sb) && (child == r->len || S_ISDIR(sb.st_mode));
			vg_strbuf_release(&c);
		}
		break;
	}
	vg_strbuf_release(&p);
	return appeared;
}

/*
 * Puts root @r in place: its watch, the tree below it when recursive, or
 * else a watch on its nearest existing ancestor. @emit: it has just
 * appeared, so deliver CREATED for it and what is inside.
 */
void ino_root_start(struct ino_state *st, const struct ino_root *r, bool emit)
{
	for (int i = 0; i < INO_ROOT_TRIES; i++) {
		struct ino_rec *rec = NULL;
		int err = ino_add(st, r->path, r->len, 0, &rec);

		if (!err && rec) {
			if (emit && !ino_parent_covered(st, r->path, r->len))
				ino_emit(st, VG_FILE_CREATED, 0, 0, r->path, r->len, NULL,
					 rec->is_dir);
			if (rec->is_dir && (r->recursive || emit))
				ino_walk_path(st, r->path, r->len, emit, r->recursive);
			return;
		}
		if (err != -ENOENT && err != -ENOTDIR)
			return;
		if (!ino_watch_ancestor(st, r))
			return;
	}
}

/* Puts back the roots that have no watch (they appeared, or went). */
void ino_resolve_roots(struct ino_state *st)
{
	bool restarted = false;

	for (size_t i = 0; i < st->n_roots; i++) {
		if (!ino_by_path(st, st->roots[i].path, st->roots[i].len)) {
			ino_root_start(st, &st->roots[i], true);
			restarted = true;
		}
	}
	if (restarted)
		ino_prune(st);
}

/* Whether @path is, or leads to, a root without a watch. */
bool ino_leads_to_root(const struct ino_state *st, const char *path, size_t len)
{
	for (size_t i = 0; i < st->n_roots; i++) {
		const struct ino_root *r = &st->roots[i];

		if (((r->len == len && !memcmp(r->path, path, len)) ||
		     ino_under(r->path, r->len, path, len)) &&
		    !ino_by_path(st, r->path, r->len))
			return true;
	}
	return false;
}

/* Replaces the roots with @ws's (normalized). Returns 0 or -ENOMEM. */
int ino_set_roots(struct ino_state *st, const struct vg_watch_set *ws)
{
	struct ino_root *roots = calloc(ws->n_watches ? ws->n_watches : 1, sizeof(*roots));
	size_t n = 0;

	if (!roots)
		return -ENOMEM;
	for (size_t i = 0; i < ws->n_watches; i++) {
		const struct vg_watch *w = &ws->watches[i];
		size_t len = w->path ? strlen(w->path) : 0;

		if (!len || w->path[0] != '/') {
			vg_log(VG_LOG_WARN, "inotify: ignoring watch on a relative path: %s",
			       w->path ? w->path : "");
			continue;
		}
		while (len > 1 && w->path[len - 1] == '/')
			len--;
		roots[n].path = strndup(w->path, len);
		if (!roots[n].path) {
			while (n--)
				free(roots[n].path);
			free(roots);
			return -ENOMEM;
		}
		roots[n].len = len;
		roots[n].recursive = w->recursive;
		roots[n].accesses = w->accesses;
		n++;
	}
	for (size_t i = 0; i < st->n_roots; i++)
		free(st->roots[i].path);
	free(st->roots);
	st->roots = roots;
	st->n_roots = n;
	return 0;
}
