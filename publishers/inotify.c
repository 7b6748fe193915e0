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
#include "vigil/publisher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vigil/event.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

#define INO_BUF_BYTES	 (64 * 1024 + sizeof(struct inotify_event) + NAME_MAX + 1)
#define INO_DEPTH_MAX	 64	      /* directory levels one walk descends */
#define INO_MOVES	 64	      /* MOVED_FROMs remembered for their MOVED_TO */
#define INO_SEEN_MAX	 65536	      /* scanned paths remembered against duplicate CREATEDs */
#define INO_SEEN_BUCKETS 1024	      /* power of two */
#define INO_MIN_BUCKETS	 256	      /* power of two */
#define INO_RESYNC_NS	 1000000000LL /* at most one re-walk a second in a flood */
#define INO_ROOT_TRIES	 4	      /* attempts to catch a root appearing while we watch */

/* osquery's mask, plus the accesses for file_accesses paths. */
#define INO_BASE_MASK                                                                       \
	(IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE | IN_CREATE | IN_CLOSE_WRITE | \
	 IN_ATTRIB)
#define INO_ACCESS_MASK (IN_OPEN | IN_ACCESS)
#define INO_SELF_MASK	(IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

/* What a watched path is for (ino_want()). */
#define INO_COVERED   (1u << 0) /* inside a watch: events on its children are delivered */
#define INO_RECURSIVE (1u << 1) /* directories made inside it are watched too */
#define INO_ACCESSES  (1u << 2) /* opens and reads inside it are delivered */
#define INO_ROOT      (1u << 3) /* a watch root: its own events are delivered */
#define INO_ANCESTOR  (1u << 4) /* above a root that does not exist: waits for it */

/* One watch. */
struct ino_rec {
	struct ino_rec *wd_next;   /* chain in by_wd */
	struct ino_rec *path_next; /* chain in by_path */
	int wd;
	uint32_t mask;	/* ino_mask(flags), as the kernel has it */
	unsigned flags; /* INO_* */
	bool is_dir;
	dev_t dev; /* the watched object, to notice it leaving its path */
	ino_t ino;
	size_t path_len;
	char *path; /* absolute; owned */
};

struct ino_root {
	char *path; /* owned; no trailing slash but for "/" */
	size_t len;
	bool recursive;
	bool accesses;
};

/* A path a scan delivered CREATED for, while its IN_CREATE may still be queued. */
struct ino_seen {
	struct ino_seen *next;
	uint32_t hash;
	size_t len;
	char path[];
};

/* A MOVED_FROM waiting for its MOVED_TO. */
struct ino_move {
	uint32_t cookie; /* 0: free slot */
	size_t len;
	char *path; /* owned */
};

struct ino_state {
	int fd;
	const struct vg_sink *sink; /* borrowed until stop */
	struct ino_root *roots;
	size_t n_roots;
	struct ino_rec **by_wd; /* n_buckets chains each */
	struct ino_rec **by_path;
	size_t n_buckets;
	size_t n_recs;
	struct ino_seen *seen[INO_SEEN_BUCKETS];
	size_t n_seen;
	struct ino_move moves[INO_MOVES];
	unsigned move_next;
	struct vg_strbuf path; /* the path of the event at hand */
	int64_t now_ns;	       /* when the current buffer was read */
	int64_t max_watches;   /* fs.inotify.max_user_watches at start, -1 unknown */
	struct vg_publisher_stats stats;
	bool roots_dirty;	/* a root may have appeared or gone: ino_resolve_roots() */
	bool need_resync;	/* events were lost: ino_resync() */
	int64_t resync_mono_ns; /* when the last ino_resync() ran */
	bool logged_enospc, logged_overflow, logged_error;
	size_t buf_off, buf_len; /* unhandled records in buf (a drain budget ran out) */
	_Alignas(struct inotify_event) char buf[INO_BUF_BYTES];
};

static void ino_stop(void *state);
static void ino_walk_path(struct ino_state *st, const char *path, size_t len, bool emit,
			  bool recursive);

/* ---- small helpers ---- */

static uint32_t ino_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Whether @p is strictly below directory @dir. */
static bool ino_under(const char *p, size_t plen, const char *dir, size_t dlen)
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
static void ino_join(struct vg_strbuf *sb, const char *name, size_t len)
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
static int64_t ino_sysctl(const char *name)
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

static struct ino_rec *ino_by_wd(const struct ino_state *st, int wd)
{
	struct ino_rec *r = st->by_wd[(uint32_t)wd & (st->n_buckets - 1)];

	while (r && r->wd != wd)
		r = r->wd_next;
	return r;
}

static struct ino_rec *ino_by_path(const struct ino_state *st, const char *path, size_t len)
{
	struct ino_rec *r = st->by_path[ino_hash(path, len) & (st->n_buckets - 1)];

	while (r && !(r->path_len == len && !memcmp(r->path, path, len)))
		r = r->path_next;
	return r;
}

static void ino_link_path(struct ino_state *st, struct ino_rec *r)
{
	struct ino_rec **head = &st->by_path[ino_hash(r->path, r->path_len) & (st->n_buckets - 1)];

	r->path_next = *head;
	*head = r;
}

static void ino_unlink_path(struct ino_state *st, struct ino_rec *r)
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
static int ino_grow(struct ino_state *st)
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
static void ino_rec_free(struct ino_state *st, struct ino_rec *r, bool rm)
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

/* The next record after @r in by_wd order (NULL at the end); @r may be freed after. */
static struct ino_rec *ino_next(const struct ino_state *st, const struct ino_rec *r)
{
	size_t b = r ? ((uint32_t)r->wd & (st->n_buckets - 1)) + 1 : 0;

	if (r && r->wd_next)
		return r->wd_next;
	for (; b < st->n_buckets; b++) {
		if (st->by_wd[b])
			return st->by_wd[b];
	}
	return NULL;
}

/* Sets *@next to the record after @r; true. Lets INO_FOREACH free @r in its body. */
static bool ino_step(const struct ino_state *st, const struct ino_rec *r, struct ino_rec **next)
{
	*next = ino_next(st, r);
	return true;
}

#define INO_FOREACH(st, r, next) \
	for (struct ino_rec * next, *r = ino_next(st, NULL); r && ino_step(st, r, &next); r = next)

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
static bool ino_parent_covered(const struct ino_state *st, const char *path, size_t len)
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
static void ino_sync(struct ino_state *st, struct ino_rec *r)
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
static void ino_drop_tree(struct ino_state *st, const char *path, size_t len)
{
	INO_FOREACH(st, r, next)
	{
		if ((r->path_len == len && !memcmp(r->path, path, len)) ||
		    ino_under(r->path, r->path_len, path, len))
			ino_rec_free(st, r, true);
	}
}

/* Drops the ancestor watches no missing root needs any more. */
static void ino_prune(struct ino_state *st)
{
	INO_FOREACH(st, r, next)
	{
		if (r->flags & INO_ANCESTOR)
			ino_sync(st, r);
	}
}

/* ---- delivering ---- */

static void ino_emit(struct ino_state *st, enum vg_file_action action, unsigned flags,
		     uint32_t cookie, const char *path, size_t len, const struct ino_move *from,
		     bool is_dir)
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
static bool ino_emit_plain(struct ino_state *st, unsigned rec_flags, uint32_t mask,
			   const char *path, size_t len, bool is_dir)
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
static bool ino_seen_take(struct ino_state *st, const char *path, size_t len)
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

static void ino_seen_clear(struct ino_state *st)
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
static void ino_walk_path(struct ino_state *st, const char *path, size_t len, bool emit,
			  bool recursive)
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
static void ino_new_dir(struct ino_state *st, const char *path, size_t len)
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
static void ino_root_start(struct ino_state *st, const struct ino_root *r, bool emit)
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
static void ino_resolve_roots(struct ino_state *st)
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
static bool ino_leads_to_root(const struct ino_state *st, const char *path, size_t len)
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
static int ino_set_roots(struct ino_state *st, const struct vg_watch_set *ws)
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
