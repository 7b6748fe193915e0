// SPDX-License-Identifier: Apache-2.0
/*
 * fanotify.c - the fanotify publisher: file events that name the process
 * (pid) that caused them.
 *
 * HOW IT WORKS
 *
 * One notification group, FAN_REPORT_DFID_NAME (+ FAN_REPORT_TARGET_FID
 * where the kernel has it, 5.17+): every event carries the file handle of
 * the directory it happened in and the entry's name, never an open fd.
 *
 * Marks. A recursive watch puts one FAN_MARK_FILESYSTEM mark on its
 * filesystem (shared by every recursive watch there), so directories made
 * later are covered with no race; a non-recursive watch puts an inode mark
 * with FAN_EVENT_ON_CHILD on its directory (on the parent for a file). The
 * kernel merges all marks into one event per change, and drain() keeps only
 * events whose path lies inside some watch. A watch root that does not exist
 * waits on its nearest existing ancestor: a recursive one keeps the
 * filesystem mark of that ancestor (which sees the root and its content
 * appear), a non-recursive one an inode mark there for creations and
 * renames. Whenever a root or one of its ancestors is created, deleted or
 * moved, reconcile() recomputes the wanted marks (mark and sweep: add first,
 * then remove what nothing wants), so marks of paths that stay are never
 * dropped. A root that appears where no filesystem mark saw it is scanned,
 * and what is inside it is reported as CREATED.
 *
 * Paths. A directory handle becomes a path with open_by_handle_at(O_PATH) on
 * a mount fd of its filesystem and readlink(/proc/self/fd/N). That is the hot
 * path, so paths are cached per handle (bounded, oldest evicted first). The
 * cache learns new directories from CREATE's target handle, is fixed up when
 * a directory moves (its descendants are dropped) and is flushed after an
 * overflow. A handle that no longer resolves (a directory deleted before its
 * events were read, unless cached) loses its event; those are counted.
 *
 * Renames are one FAN_RENAME event (old and new directory + name): it
 * becomes MOVED_FROM then MOVED_TO with one cookie, MOVED_TO carrying
 * old_path. Kernels without FAN_RENAME get FAN_MOVED_FROM/FAN_MOVED_TO,
 * paired by the moved file's handle.
 *
 * Limits: a recursive watch with accesses asks its whole filesystem for
 * FAN_OPEN/FAN_ACCESS (filtered here by path), which costs in proportion to
 * all reads on that filesystem. Filesystems mounted below a recursive root
 * are not marked. Paths resolve through the first mount seen of each
 * filesystem. A root that appears by being mounted is not noticed.
 */
#include "vigil/publisher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util.h"
#include "vigil/event.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

#define FAN_BUF_BYTES	  (64 * 1024) /* one read(2) of events */
#define FAN_CACHE_MAX	  16384	      /* directory handles whose path is cached */
#define FAN_CACHE_BUCKETS 4096	      /* a power of two */
#define FAN_SCAN_MAX	  100000      /* entries reported for a root that appears */
#define FAN_SCAN_DEPTH	  64
#define FAN_KEY_HDR	  12 /* fsid (8) + handle type (4) */

#define FAN_ACCESS_BITS (FAN_OPEN | FAN_ACCESS)
#define FAN_FLAG_BITS	(FAN_ONDIR | FAN_EVENT_ON_CHILD)

/* A file handle as a flat key: fsid, handle type, handle bytes. */
struct fan_key {
	size_t len;
	unsigned char b[FAN_KEY_HDR + MAX_HANDLE_SZ];
};

/* A cached directory path, keyed by its handle (trailing key bytes). */
struct fan_dir {
	struct fan_dir *hnext;	       /* bucket chain */
	struct fan_dir *older, *newer; /* eviction order */
	char *path;
	size_t path_len;
	uint32_t hash;
	uint32_t key_len;
	unsigned char key[];
};

/* One filesystem: a mount fd to resolve its handles, maybe a filesystem mark. */
struct fan_fs {
	struct fan_fs *next;
	unsigned char fsid[8];
	int mount_fd;	 /* root of the mount its paths resolve through */
	uint64_t mask;	 /* FAN_MARK_FILESYSTEM mask in place (0: none) */
	uint64_t want;	 /* what the current reconcile pass wants */
	bool was_marked; /* marked before this pass: it saw whatever appeared */
};

/* One inode mark: a non-recursive root, or the ancestor an absent root waits on. */
struct fan_imark {
	struct fan_imark *next;
	struct fan_fs *fs;
	uint64_t mask, want;
	char *path; /* for messages only: the inode may have moved */
	struct fan_key key;
};

/* One watch of the current set (an owned copy). */
struct fan_watch {
	char *path;
	size_t path_len;
	bool recursive, accesses;
	bool is_new;	 /* not applied yet: no CREATED scan for what exists */
	bool is_present; /* the root existed at the last reconcile */
	bool is_failed;	 /* could not be watched (logged once) */
	bool moved_in;	 /* a directory was renamed onto the root: scan what it holds */
};

struct fan_state {
	int fan_fd, ep_fd, wake_fd;
	bool is_woken; /* wake_fd is signalled: buffered events remain */
	struct vg_sink sink;
	pid_t self;
	uint64_t base_mask; /* changes, with FAN_RENAME or FAN_MOVE */
	bool has_rename, has_target;
	struct fan_watch *watches;
	size_t n_watches;
	struct fan_fs *fss;
	struct fan_imark *imarks;
	struct fan_dir *buckets[FAN_CACHE_BUCKETS];
	struct fan_dir *oldest, *newest;
	size_t n_dirs;
	unsigned char *buf; /* FAN_BUF_BYTES; events [buf_off, buf_len) not handled yet */
	size_t buf_len, buf_off;
	int64_t read_ns;
	uint32_t cookie;
	struct fan_key from_key; /* legacy FAN_MOVED_FROM waiting for its MOVED_TO */
	struct vg_strbuf from_path;
	uint32_t from_cookie;
	bool is_dirty; /* a root or its ancestor changed: reconcile after the batch */
	bool overflow_logged;
	struct vg_publisher_stats st;
	uint64_t n_unresolved; /* events lost because a handle no longer resolved */
	struct vg_strbuf p1, p2, tmp;
};

/* ---- directory path cache ---- */

static uint32_t fan_hash(const unsigned char *b, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

static struct fan_dir *fan_cache_find(struct fan_state *s, const struct fan_key *k, uint32_t h)
{
	struct fan_dir *d = s->buckets[h & (FAN_CACHE_BUCKETS - 1)];

	for (; d; d = d->hnext)
		if (d->hash == h && d->key_len == k->len && !memcmp(d->key, k->b, k->len))
			return d;
	return NULL;
}

static void fan_cache_unlink(struct fan_state *s, struct fan_dir *d)
{
	struct fan_dir **pp = &s->buckets[d->hash & (FAN_CACHE_BUCKETS - 1)];

	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	if (d->older)
		d->older->newer = d->newer;
	else
		s->oldest = d->newer;
	if (d->newer)
		d->newer->older = d->older;
	else
		s->newest = d->older;
	s->n_dirs--;
	free(d->path);
	free(d);
}

/* Remembers @path for the directory handle @k (replacing what was there). */
static void fan_cache_put(struct fan_state *s, const struct fan_key *k, const char *path,
			  size_t len)
{
	uint32_t h = fan_hash(k->b, k->len);
	struct fan_dir *d = fan_cache_find(s, k, h);
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, path, len);
	copy[len] = '\0';
	if (d) {
		free(d->path);
		d->path = copy;
		d->path_len = len;
		return;
	}
	if (s->n_dirs >= FAN_CACHE_MAX)
		fan_cache_unlink(s, s->oldest);
	d = calloc(1, sizeof(*d) + k->len);
	if (!d) {
		free(copy);
		return;
	}
	memcpy(d->key, k->b, k->len);
	d->key_len = (uint32_t)k->len;
	d->hash = h;
	d->path = copy;
	d->path_len = len;
	d->hnext = s->buckets[h & (FAN_CACHE_BUCKETS - 1)];
	s->buckets[h & (FAN_CACHE_BUCKETS - 1)] = d;
	d->older = s->newest;
	if (s->newest)
		s->newest->newer = d;
	else
		s->oldest = d;
	s->newest = d;
	s->n_dirs++;
}

static void fan_cache_drop(struct fan_state *s, const struct fan_key *k)
{
	struct fan_dir *d = fan_cache_find(s, k, fan_hash(k->b, k->len));

	if (d)
		fan_cache_unlink(s, d);
}

/* Drops every cached directory at or below @path (it moved or was deleted). */
static void fan_cache_drop_tree(struct fan_state *s, const char *path, size_t len)
{
	struct fan_dir *d = s->oldest, *next;

	for (; d; d = next) {
		next = d->newer;
		if (d->path_len >= len && !memcmp(d->path, path, len) &&
		    (d->path_len == len || d->path[len] == '/'))
			fan_cache_unlink(s, d);
	}
}

static void fan_cache_clear(struct fan_state *s)
{
	while (s->oldest)
		fan_cache_unlink(s, s->oldest);
}

/* ---- handles, filesystems and marks ---- */

/* The key of the object @fd refers to (O_PATH is fine). */
static int fan_key_from_fd(int fd, struct fan_key *k)
{
	union {
		struct file_handle fh;
		unsigned char b[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	struct statfs sf;
	int mnt_id;

	u.fh.handle_bytes = MAX_HANDLE_SZ;
	if (fstatfs(fd, &sf) || name_to_handle_at(fd, "", &u.fh, &mnt_id, AT_EMPTY_PATH))
		return -errno;
	memcpy(k->b, &sf.f_fsid, 8);
	memcpy(k->b + 8, &u.fh.handle_type, 4);
	memcpy(k->b + FAN_KEY_HDR, u.fh.f_handle, u.fh.handle_bytes);
	k->len = FAN_KEY_HDR + u.fh.handle_bytes;
	return 0;
}

/* Opens the object of @k through @fs's mount fd with @flags. Returns an fd or -errno. */
static int fan_key_open(const struct fan_fs *fs, const struct fan_key *k, int flags)
{
	union {
		struct file_handle fh;
		unsigned char b[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} u;
	int fd;

	u.fh.handle_bytes = (unsigned)(k->len - FAN_KEY_HDR);
	memcpy(&u.fh.handle_type, k->b + 8, 4);
	memcpy(u.fh.f_handle, k->b + FAN_KEY_HDR, k->len - FAN_KEY_HDR);
	fd = open_by_handle_at(fs->mount_fd, &u.fh, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static struct fan_fs *fan_fs_find(struct fan_state *s, const unsigned char fsid[8])
{
	struct fan_fs *fs;

	for (fs = s->fss; fs; fs = fs->next)
		if (!memcmp(fs->fsid, fsid, 8))
			return fs;
	return NULL;
}

/*
 * The root of the mount @path is on (the highest ancestor with the same
 * mount id), so handles resolve to paths through the mount we watch.
 */
static void fan_mount_root(const char *path, struct vg_strbuf *out)
{
	struct statx sx;
	uint64_t mnt;

	vg_strbuf_reset(out);
	vg_strbuf_addstr(out, path);
	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) ||
	    !(sx.stx_mask & STATX_MNT_ID))
		return;
	mnt = sx.stx_mnt_id;
	while (out->len > 1) {
		char *slash = memrchr(out->buf, '/', out->len);
		size_t plen = slash == out->buf ? 1 : (size_t)(slash - out->buf);
		char save = out->buf[plen];

		out->buf[plen] = '\0';
		if (statx(AT_FDCWD, out->buf, AT_STATX_DONT_SYNC, STATX_MNT_ID, &sx) ||
		    sx.stx_mnt_id != mnt) {
			out->buf[plen] = save;
			return;
		}
		out->len = plen;
	}
}

/* The filesystem record of the object @fd (at @path), made on first use. */
static int fan_fs_get(struct fan_state *s, int fd, const char *path, struct fan_fs **out)
{
	struct fan_fs *fs;
	struct statfs sf;
	int mfd;

	if (fstatfs(fd, &sf))
		return -errno;
	fs = fan_fs_find(s, (const unsigned char *)&sf.f_fsid);
	if (!fs) {
		fan_mount_root(path, &s->tmp);
		mfd = open(s->tmp.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			return -errno;
		fs = calloc(1, sizeof(*fs));
		if (!fs) {
			close(mfd);
			return -ENOMEM;
		}
		memcpy(fs->fsid, &sf.f_fsid, 8);
		fs->mount_fd = mfd;
		fs->next = s->fss;
		s->fss = fs;
	}
	*out = fs;
	return 0;
}

/* Wants a filesystem mark with @mask on @fs, adding what is not in place yet. */
static int fan_fs_want(struct fan_state *s, struct fan_fs *fs, uint64_t mask)
{
	uint64_t add = mask & ~fs->mask;

	fs->want |= mask;
	if (add &&
	    fanotify_mark(s->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, add, fs->mount_fd, NULL))
		return -errno;
	fs->mask |= add;
	return 0;
}

/*
 * Wants an inode mark with @mask on @path (a filesystem mark too when
 * @fs_mask) and remembers the path of a directory for its handle. Returns 0
 * or -errno.
 */
static int fan_mark_path(struct fan_state *s, const char *path, uint64_t mask, uint64_t fs_mask)
{
	struct fan_imark *im = NULL;
	struct fan_fs *fs = NULL;
	struct fan_key k;
	struct stat st;
	uint64_t add;
	int fd, err;

	/* Inode marks are on directories; fanotify_mark() takes no O_PATH fd (EBADF). */
	fd = open(path, (fs_mask ? O_PATH : O_RDONLY | O_DIRECTORY | O_NONBLOCK) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fan_key_from_fd(fd, &k);
	if (!err)
		err = fan_fs_get(s, fd, path, &fs);
	if (err)
		goto out;
	if (!fstat(fd, &st) && S_ISDIR(st.st_mode))
		fan_cache_put(s, &k, path, strlen(path));
	if (fs_mask) {
		err = fan_fs_want(s, fs, fs_mask);
		goto out;
	}
	for (im = s->imarks; im; im = im->next)
		if (im->key.len == k.len && !memcmp(im->key.b, k.b, k.len))
			break;
	if (!im) {
		im = calloc(1, sizeof(*im));
		if (!im || !(im->path = strdup(path))) {
			free(im);
			err = -ENOMEM;
			goto out;
		}
		im->key = k;
		im->fs = fs;
		im->next = s->imarks;
		s->imarks = im;
	}
	im->want |= mask;
	add = mask & ~im->mask;
	if (add && fanotify_mark(s->fan_fd, FAN_MARK_ADD, add, fd, NULL)) {
		err = -errno;
		goto out;
	}
	im->mask |= add;
out:
	close(fd);
	return err;
}

/* Removes @bits from the mark of @im (the whole mark when @all). */
static void fan_imark_trim(struct fan_state *s, struct fan_imark *im, uint64_t bits)
{
	/* fanotify_mark() takes no O_PATH fd (EBADF): open the directory. */
	int fd = fan_key_open(im->fs, &im->key, O_RDONLY | O_DIRECTORY | O_NONBLOCK);

	/* ESTALE: the inode is gone, and its mark with it. */
	if (fd >= 0) {
		fanotify_mark(s->fan_fd, FAN_MARK_REMOVE, bits, fd, NULL);
		close(fd);
	}
	im->mask &= ~bits;
}

static bool fan_has_events(uint64_t mask)
{
	return (mask & ~(uint64_t)FAN_FLAG_BITS) != 0;
}

/* Removes the marks (and mask bits) that the last reconcile pass did not want. */
static void fan_sweep(struct fan_state *s)
{
	struct fan_imark **pim = &s->imarks, *im;
	struct fan_fs **pfs = &s->fss, *fs;

	while ((im = *pim)) {
		if (!fan_has_events(im->want)) {
			fan_imark_trim(s, im, im->mask);
			*pim = im->next;
			free(im->path);
			free(im);
			continue;
		}
		if (im->mask & ~im->want)
			fan_imark_trim(s, im, im->mask & ~im->want);
		pim = &im->next;
	}
	while ((fs = *pfs)) {
		uint64_t drop = fan_has_events(fs->want) ? fs->mask & ~fs->want : fs->mask;
		bool used = fs->mask & ~drop;

		if (drop)
			fanotify_mark(s->fan_fd, FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM, drop,
				      fs->mount_fd, NULL);
		fs->mask &= ~drop;
		for (im = s->imarks; im && !used; im = im->next)
			used = im->fs == fs;
		if (!used) {
			*pfs = fs->next;
			close(fs->mount_fd);
			free(fs);
			continue;
		}
		pfs = &fs->next;
	}
}

/* ---- filtering and delivery ---- */

/* Whether @p lies inside @w: its root, a direct child, or (recursive) anything below. */
static bool fan_inside(const struct fan_watch *w, const char *p, size_t n)
{
	size_t rl = w->path_len == 1 ? 0 : w->path_len; /* "/" has no separator to add */

	if (n == w->path_len && !memcmp(p, w->path, n))
		return true;
	if (n <= rl + 1 || memcmp(p, w->path, rl) || p[rl] != '/')
		return false;
	return w->recursive || !memchr(p + rl + 1, '/', n - rl - 1);
}

static bool fan_match(const struct fan_state *s, const char *p, size_t n, bool access)
{
	for (size_t i = 0; i < s->n_watches; i++)
		if ((!access || s->watches[i].accesses) && fan_inside(&s->watches[i], p, n))
			return true;
	return false;
}

/* Whether directory @p is a watch root or one of a root's ancestors. */
static bool fan_is_root_or_above(const struct fan_state *s, const char *p, size_t n)
{
	for (size_t i = 0; i < s->n_watches; i++) {
		const struct fan_watch *w = &s->watches[i];

		if (n <= w->path_len && !memcmp(w->path, p, n) &&
		    (n == w->path_len || w->path[n] == '/' || n == 1))
			return true;
	}
	return false;
}

static void fan_emit(struct fan_state *s, enum vg_file_action a, unsigned flags,
		     const struct vg_strbuf *path, const struct vg_strbuf *old, int32_t pid,
		     bool is_dir, uint32_t cookie)
{
	struct vg_file_event ev = {
		.time_ns = s->read_ns,
		.action = a,
		.flags = flags,
		.cookie = cookie,
		.path = path->buf,
		.path_len = path->len,
		.old_path = old ? old->buf : NULL,
		.old_path_len = old ? old->len : 0,
		.pid = pid,
		.is_dir = is_dir,
	};

	if (!fan_match(s, path->buf, path->len, a == VG_FILE_OPENED || a == VG_FILE_ACCESSED))
		return;
	s->st.received++;
	if (s->sink.file_event)
		s->sink.file_event(s->sink.ctx, &ev);
}

/* ---- scanning a root that appeared unseen ---- */

/* Reports CREATED for what is in directory @path (below it too when @recursive). */
static void fan_scan(struct fan_state *s, struct vg_strbuf *path, bool recursive, int depth,
		     size_t *n_left)
{
	size_t base = path->len;
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = open(path->buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while (*n_left && (de = readdir(dir))) {
		struct stat st;
		bool is_dir = de->d_type == DT_DIR;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type == DT_UNKNOWN)
			is_dir = !fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
				 S_ISDIR(st.st_mode);
		if (base > 1)
			vg_strbuf_addch(path, '/');
		vg_strbuf_addstr(path, de->d_name);
		(*n_left)--;
		fan_emit(s, VG_FILE_CREATED, 0, path, NULL, -1, is_dir, 0);
		if (recursive && is_dir && depth < FAN_SCAN_DEPTH)
			fan_scan(s, path, true, depth + 1, n_left);
		path->len = base;
		path->buf[base] = '\0';
	}
	closedir(dir);
}

/* ---- reconciling marks with the watch set ---- */

/* The nearest existing directory above @path, into @out. */
static void fan_nearest_ancestor(const char *path, struct vg_strbuf *out)
{
	struct stat st;

	vg_strbuf_reset(out);
	vg_strbuf_addstr(out, path);
	while (out->len > 1) {
		char *slash = memrchr(out->buf, '/', out->len);

		out->len = slash == out->buf ? 1 : (size_t)(slash - out->buf);
		out->buf[out->len] = '\0';
		if (!stat(out->buf, &st) && S_ISDIR(st.st_mode))
			return;
	}
}

/*
 * Marks the existing root of @w (@st: its stat). A root that appeared where
 * no filesystem mark saw it, or that a directory was renamed onto, is
 * scanned: what it holds is reported as CREATED.
 */
static int fan_watch_mark(struct fan_state *s, struct fan_watch *w, const struct stat *st)
{
	uint64_t mask = s->base_mask | (w->accesses ? FAN_ACCESS_BITS : 0);
	bool is_dir = S_ISDIR(st->st_mode), saw_it;
	struct fan_fs *fs = NULL;
	int err, fd;

	fd = open(w->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fan_fs_get(s, fd, w->path, &fs);
	close(fd);
	if (err)
		return err;
	saw_it = fs->was_marked;
	if (w->recursive) {
		err = fan_mark_path(s, w->path, 0, mask);
	} else if (is_dir) {
		mask |= FAN_EVENT_ON_CHILD | FAN_DELETE_SELF | FAN_MOVE_SELF;
		err = fan_mark_path(s, w->path, mask, 0);
	} else {
		fan_nearest_ancestor(w->path, &s->p2);
		err = fan_mark_path(s, s->p2.buf, mask | FAN_EVENT_ON_CHILD, 0);
	}
	if (!err && is_dir && !w->is_new && ((!w->is_present && !saw_it) || w->moved_in)) {
		size_t left = FAN_SCAN_MAX;

		vg_strbuf_reset(&s->p1);
		vg_strbuf_add(&s->p1, w->path, w->path_len);
		fan_scan(s, &s->p1, w->recursive, 0, &left);
	}
	w->is_present = !err;
	w->is_new = false;
	w->moved_in = false;
	return err;
}

/*
 * Puts @w's marks in place, or makes it wait for its root on the nearest
 * existing ancestor. Returns 0 or -errno.
 */
static int fan_watch_apply(struct fan_state *s, struct fan_watch *w)
{
	uint64_t pending = FAN_CREATE | FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR |
			   (s->has_rename ? FAN_RENAME : FAN_MOVED_TO);
	struct vg_strbuf *anc = &s->p2, *next = &s->p1;
	struct stat st;
	int err;

	for (int tries = 0; tries < FAN_SCAN_DEPTH; tries++) {
		if (!stat(w->path, &st))
			return fan_watch_mark(s, w, &st);
		w->is_present = false;
		w->is_new = false;
		fan_nearest_ancestor(w->path, anc);
		/* A recursive root keeps its filesystem mark: it sees the root appear, content too.
		 */
		if (w->recursive)
			err = fan_mark_path(s, anc->buf, 0, s->base_mask);
		else
			err = fan_mark_path(s, anc->buf, pending, 0);
		if (err)
			return err;
		/* The next component may have appeared before the ancestor's mark did. */
		vg_strbuf_reset(next);
		vg_strbuf_add(next, w->path, w->path_len);
		const char *p = w->path + (anc->len == 1 ? 0 : anc->len) + 1;
		const char *end = memchr(p, '/', w->path_len - (size_t)(p - w->path));

		if (end) {
			next->len = (size_t)(end - w->path);
			next->buf[next->len] = '\0';
		}
		if (stat(next->buf, &st))
			return 0;
	}
	return 0;
}

/* Recomputes the marks from the watch set: adds what is wanted, then sweeps. */
static void fan_reconcile(struct fan_state *s)
{
	uint64_t unwatched = 0, watches = 0;
	struct fan_imark *im;
	struct fan_fs *fs;

	for (fs = s->fss; fs; fs = fs->next) {
		fs->want = 0;
		fs->was_marked = fan_has_events(fs->mask);
	}
	for (im = s->imarks; im; im = im->next)
		im->want = 0;
	for (size_t i = 0; i < s->n_watches; i++) {
		struct fan_watch *w = &s->watches[i];
		int err = fan_watch_apply(s, w);

		if (err && !w->is_failed)
			vg_log(VG_LOG_WARN, "fanotify: cannot watch %s: %s", w->path,
			       strerror(-err));
		w->is_failed = err != 0;
		unwatched += w->is_failed;
	}
	fan_sweep(s);
	for (fs = s->fss; fs; fs = fs->next)
		watches += fan_has_events(fs->mask);
	for (im = s->imarks; im; im = im->next)
		watches++;
	s->st.watches = watches;
	s->st.unwatched = unwatched;
}

/* Copies @ws into the state, keeping what is known of roots that stay. */
static int fan_set_watches(struct fan_state *s, const struct vg_watch_set *ws)
{
	struct fan_watch *nw = NULL;
	size_t n = ws ? ws->n_watches : 0;

	if (n) {
		nw = calloc(n, sizeof(*nw));
		if (!nw)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vg_watch *v = &ws->watches[i];
		size_t len = v->path ? strlen(v->path) : 0;

		while (len > 1 && v->path[len - 1] == '/')
			len--;
		if (!len || v->path[0] != '/' || !(nw[i].path = strndup(v->path, len))) {
			for (size_t j = 0; j < i; j++)
				free(nw[j].path);
			free(nw);
			return v->path && v->path[0] == '/' ? -ENOMEM : -EINVAL;
		}
		nw[i].path_len = len;
		nw[i].recursive = v->recursive;
		nw[i].accesses = v->accesses;
		nw[i].is_new = true;
		for (size_t j = 0; j < s->n_watches; j++) {
			if (!strcmp(s->watches[j].path, nw[i].path)) {
				nw[i].is_new = s->watches[j].is_new;
				nw[i].is_present = s->watches[j].is_present;
				nw[i].is_failed = s->watches[j].is_failed;
			}
		}
	}
	for (size_t j = 0; j < s->n_watches; j++)
		free(s->watches[j].path);
	free(s->watches);
	s->watches = nw;
	s->n_watches = n;
	return 0;
}

/* ---- event parsing ---- */

/* One fid info record, split up. */
struct fan_rec {
	const unsigned char *p; /* the record, NULL if absent */
	size_t len;
};

/* The key of the handle in fid record @r, and its name (NULL for none). */
static int fan_rec_key(const struct fan_rec *r, struct fan_key *k, const char **name)
{
	uint32_t hb;

	*name = NULL;
	if (!r->p || r->len < 4 + 8 + 8)
		return -EINVAL;
	memcpy(&hb, r->p + 12, 4);
	if (hb > MAX_HANDLE_SZ || 20 + (size_t)hb > r->len)
		return -EINVAL;
	memcpy(k->b, r->p + 4, 8);
	memcpy(k->b + 8, r->p + 16, 4);
	memcpy(k->b + FAN_KEY_HDR, r->p + 20, hb);
	k->len = FAN_KEY_HDR + hb;
	if (r->p[0] != FAN_EVENT_INFO_TYPE_FID && r->p[0] != FAN_EVENT_INFO_TYPE_DFID) {
		const unsigned char *n = r->p + 20 + hb;

		if (!memchr(n, '\0', r->len - 20 - hb))
			return -EINVAL;
		*name = (const char *)n;
	}
	return 0;
}

/* The current path of the object of @k into @out (cached when a directory). */
static int fan_key_path(struct fan_state *s, const struct fan_key *k, bool cache,
			struct vg_strbuf *out)
{
	struct fan_dir *d = fan_cache_find(s, k, fan_hash(k->b, k->len));
	struct fan_fs *fs;
	struct stat st;
	char link[32];
	int fd, err;

	vg_strbuf_reset(out);
	if (d) {
		vg_strbuf_add(out, d->path, d->path_len);
		return 0;
	}
	fs = fan_fs_find(s, k->b);
	if (!fs)
		return -ENOENT;
	fd = fan_key_open(fs, k, O_PATH);
	if (fd < 0)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	err = vg_readlink(link, out);
	/* An unlinked object reads as "path (deleted)": it has no path any more. */
	if (!err && (fstat(fd, &st) || st.st_nlink == 0 || out->buf[0] != '/'))
		err = -ESTALE;
	close(fd);
	if (!err && cache)
		fan_cache_put(s, k, out->buf, out->len);
	return err;
}

/* The path of the entry a dfid(+name) record names, into @out. */
static int fan_rec_path(struct fan_state *s, const struct fan_rec *r, struct vg_strbuf *out)
{
	const char *name;
	struct fan_key k;
	int err = fan_rec_key(r, &k, &name);

	if (!err)
		err = fan_key_path(s, &k, true, out);
	if (err)
		return err;
	if (name && strcmp(name, ".")) {
		if (out->len > 1)
			vg_strbuf_addch(out, '/');
		vg_strbuf_addstr(out, name);
	}
	return 0;
}

/*
 * Counts an event whose directory was deleted before it was read, so it has
 * no path (logged first, then every 1000th). On a filesystem mark most are
 * from outside every watch, hence INFO.
 */
static void fan_lost(struct fan_state *s)
{
	if (s->n_unresolved++ % 1000 == 0)
		vg_log(VG_LOG_INFO,
		       "fanotify: %llu events had no path: their directory was deleted before "
		       "they were read",
		       (unsigned long long)s->n_unresolved);
}

static uint32_t fan_next_cookie(struct fan_state *s)
{
	if (++s->cookie == 0)
		s->cookie = 1;
	return s->cookie;
}

/* A directory moved from @from to @to (either may be empty): fix the cache. */
static void fan_dir_moved(struct fan_state *s, const struct fan_rec *fid,
			  const struct vg_strbuf *from, const struct vg_strbuf *to)
{
	const char *name;
	struct fan_key k;

	if (from->len)
		fan_cache_drop_tree(s, from->buf, from->len);
	/* What the directory holds was seen under its old path, if at all. */
	for (size_t i = 0; i < s->n_watches && to->len; i++)
		if (s->watches[i].path_len == to->len &&
		    !memcmp(s->watches[i].path, to->buf, to->len))
			s->watches[i].moved_in = true;
	if (fid->p && !fan_rec_key(fid, &k, &name)) {
		fan_cache_drop(s, &k);
		if (to->len)
			fan_cache_put(s, &k, to->buf, to->len);
	}
}

/* FAN_RENAME: MOVED_FROM then MOVED_TO with one cookie. */
static void fan_on_rename(struct fan_state *s, const struct fan_rec *from, const struct fan_rec *to,
			  const struct fan_rec *fid, int32_t pid, bool deliver, bool is_dir)
{
	uint32_t cookie = fan_next_cookie(s);
	bool has_from = !fan_rec_path(s, from, &s->p1);
	bool has_to = !fan_rec_path(s, to, &s->p2);

	if (!has_from)
		vg_strbuf_reset(&s->p1);
	if (!has_to)
		vg_strbuf_reset(&s->p2);
	if (!has_from && !has_to)
		fan_lost(s);
	if ((has_from && fan_is_root_or_above(s, s->p1.buf, s->p1.len)) ||
	    (has_to && fan_is_root_or_above(s, s->p2.buf, s->p2.len)))
		s->is_dirty = true;
	if (deliver && has_from)
		fan_emit(s, VG_FILE_MOVED_FROM, 0, &s->p1, NULL, pid, is_dir, cookie);
	if (deliver && has_to)
		fan_emit(s, VG_FILE_MOVED_TO, 0, &s->p2, has_from ? &s->p1 : NULL, pid, is_dir,
			 cookie);
	if (is_dir)
		fan_dir_moved(s, fid, &s->p1, &s->p2);
}

/* Legacy FAN_MOVED_FROM / FAN_MOVED_TO, paired by the moved object's handle. */
static void fan_on_move(struct fan_state *s, uint64_t mask, const struct fan_rec *fid, int32_t pid,
			bool deliver, bool is_dir)
{
	struct fan_key k = { .len = 0 };
	const char *name;
	bool paired;

	if (fid->p)
		fan_rec_key(fid, &k, &name);
	if (mask & FAN_MOVED_FROM) {
		s->from_cookie = fan_next_cookie(s);
		s->from_key = k;
		vg_strbuf_reset(&s->from_path);
		vg_strbuf_add(&s->from_path, s->p1.buf, s->p1.len);
		if (deliver)
			fan_emit(s, VG_FILE_MOVED_FROM, 0, &s->p1, NULL, pid, is_dir,
				 s->from_cookie);
		if (is_dir)
			fan_dir_moved(s, fid, &s->p1, &s->p2);
		return;
	}
	paired = s->from_cookie && s->from_key.len == k.len && !memcmp(s->from_key.b, k.b, k.len);
	if (deliver)
		fan_emit(s, VG_FILE_MOVED_TO, 0, &s->p1, paired ? &s->from_path : NULL, pid, is_dir,
			 paired ? s->from_cookie : fan_next_cookie(s));
	s->from_cookie = 0;
	if (is_dir)
		fan_dir_moved(s, fid, &s->p2, &s->p1);
}

/*
 * DELETE_SELF / MOVE_SELF come from inode marks: a root or an ancestor went.
 * They are reported only when nothing watches the parent (which reports the
 * same change as DELETE or RENAME).
 */
static void fan_on_self(struct fan_state *s, uint64_t mask, const struct fan_rec *dfid, int32_t pid,
			bool deliver, bool is_dir)
{
	const char *name;
	struct fan_key k;
	char *slash;

	s->is_dirty = true;
	if (fan_rec_key(dfid, &k, &name) || fan_key_path(s, &k, false, &s->p1))
		return;
	slash = memrchr(s->p1.buf, '/', s->p1.len);
	if (deliver && slash) {
		struct fan_fs *fs = fan_fs_find(s, k.b);
		size_t plen = slash == s->p1.buf ? 1 : (size_t)(slash - s->p1.buf);
		bool parent_seen = fs && fan_has_events(fs->mask);

		for (struct fan_imark *im = s->imarks; im && !parent_seen; im = im->next)
			parent_seen =
			    strlen(im->path) == plen && !memcmp(im->path, s->p1.buf, plen);
		if (!parent_seen)
			fan_emit(s, mask & FAN_DELETE_SELF ? VG_FILE_DELETED : VG_FILE_MOVED_FROM,
				 0, &s->p1, NULL, pid, is_dir,
				 mask & FAN_DELETE_SELF ? 0 : fan_next_cookie(s));
	}
	if (is_dir)
		fan_cache_drop_tree(s, s->p1.buf, s->p1.len);
	fan_cache_drop(s, &k);
}

static void fan_on_overflow(struct fan_state *s)
{
	struct vg_strbuf max = VG_STRBUF_INIT;

	s->st.overflows++;
	if (!s->overflow_logged) {
		s->overflow_logged = true;
		vg_read_file("/proc/sys/fs/fanotify/max_queued_events", 32, false, &max);
		vg_strbuf_rtrim(&max);
		vg_log(VG_LOG_WARN,
		       "fanotify: the kernel event queue (%s events) overflowed and events were "
		       "lost; vigil must drain faster, or raise "
		       "/proc/sys/fs/fanotify/max_queued_events",
		       max.len ? max.buf : "16384");
		vg_strbuf_release(&max);
	}
	/* Renames may have been lost: cached paths and root states are suspect. */
	fan_cache_clear(s);
	s->from_cookie = 0;
	s->is_dirty = true;
	if (s->sink.overflow)
		s->sink.overflow(s->sink.ctx, "fanotify");
}

/* One event: its metadata @m and its @n bytes of info records. */
static void fan_on_event(struct fan_state *s, const struct fanotify_event_metadata *m,
			 const unsigned char *info, size_t n)
{
	struct fan_rec dfid = { NULL, 0 }, fid = { NULL, 0 }, from = { NULL, 0 }, to = { NULL, 0 };
	uint64_t mask = m->mask;
	bool deliver = m->pid != s->self, is_dir = mask & FAN_ONDIR;
	int32_t pid = m->pid > 0 ? m->pid : -1;
	unsigned upd = 0;

	if (mask & FAN_Q_OVERFLOW) {
		fan_on_overflow(s);
		return;
	}
	while (n >= sizeof(struct fanotify_event_info_header)) {
		struct fanotify_event_info_header h;

		memcpy(&h, info, sizeof(h));
		if (h.len < sizeof(h) || h.len > n)
			break;
		struct fan_rec r = { info, h.len };

		if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
		    h.info_type == FAN_EVENT_INFO_TYPE_DFID)
			dfid = r;
		else if (h.info_type == FAN_EVENT_INFO_TYPE_FID)
			fid = r;
		else if (h.info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME)
			from = r;
		else if (h.info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME)
			to = r;
		info += h.len;
		n -= h.len;
	}
	if (mask & FAN_RENAME) {
		fan_on_rename(s, &from, &to, &fid, pid, deliver, is_dir);
		return;
	}
	if (mask & (FAN_DELETE_SELF | FAN_MOVE_SELF)) {
		fan_on_self(s, mask, dfid.p ? &dfid : &fid, pid, deliver, is_dir);
		return;
	}
	vg_strbuf_reset(&s->p2);
	if (dfid.p ? fan_rec_path(s, &dfid, &s->p1) : fan_rec_path(s, &fid, &s->p1)) {
		fan_lost(s);
		return;
	}
	if ((mask & (FAN_CREATE | FAN_DELETE | FAN_MOVE)) &&
	    fan_is_root_or_above(s, s->p1.buf, s->p1.len))
		s->is_dirty = true;
	if (mask & FAN_MOVE) {
		fan_on_move(s, mask, &fid, pid, deliver, is_dir);
		return;
	}
	if (is_dir && (mask & FAN_CREATE) && fid.p) {
		const char *name;
		struct fan_key k;

		if (!fan_rec_key(&fid, &k, &name))
			fan_cache_put(s, &k, s->p1.buf, s->p1.len);
	}
	if (!deliver)
		return;
	if (mask & FAN_CREATE)
		fan_emit(s, VG_FILE_CREATED, 0, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_OPEN)
		fan_emit(s, VG_FILE_OPENED, 0, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_ACCESS)
		fan_emit(s, VG_FILE_ACCESSED, 0, &s->p1, NULL, pid, is_dir, 0);
	upd = (mask & FAN_MODIFY ? VG_FILE_EV_WRITE : 0) |
	      (mask & FAN_CLOSE_WRITE ? VG_FILE_EV_CLOSE : 0);
	if (upd)
		fan_emit(s, VG_FILE_UPDATED, upd, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_ATTRIB)
		fan_emit(s, VG_FILE_ATTRIBUTES_MODIFIED, 0, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_DELETE)
		fan_emit(s, VG_FILE_DELETED, 0, &s->p1, NULL, pid, is_dir, 0);
}

/* ---- ops ---- */

static int fan_init_group(bool with_target, int *out)
{
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			 (with_target ? FAN_REPORT_DFID_NAME_TARGET : FAN_REPORT_DFID_NAME);
	int fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*out = fd;
	return 0;
}

static int fan_probe(void)
{
	struct fan_fs fs = { .mount_fd = -1 };
	struct fan_key k;
	int fd = -1, hfd = -1, err;

	err = fan_init_group(false, &fd);
	if (err == -EPERM) {
		vg_log(VG_LOG_WARN, "fanotify: not permitted: CAP_SYS_ADMIN is needed");
		goto out;
	}
	if (err) {
		vg_log(VG_LOG_WARN, "fanotify: the kernel lacks FAN_REPORT_DFID_NAME (5.9+): %s",
		       strerror(-err));
		err = -ENOSYS;
		goto out;
	}
	/* Paths come from file handles: open_by_handle_at needs CAP_DAC_READ_SEARCH. */
	fs.mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fs.mount_fd < 0 ? -errno : fan_key_from_fd(fs.mount_fd, &k);
	if (!err) {
		hfd = fan_key_open(&fs, &k, O_PATH);
		err = hfd < 0 ? hfd : 0;
	}
	if (err) {
		vg_log(VG_LOG_WARN, "fanotify: cannot resolve file handles: %s", strerror(-err));
		err = err == -EPERM ? -EPERM : -ENOSYS;
	}
out:
	if (hfd >= 0)
		close(hfd);
	if (fs.mount_fd >= 0)
		close(fs.mount_fd);
	if (fd >= 0)
		close(fd);
	return err;
}

static void fan_stop(void *state)
{
	struct fan_state *s = state;

	if (!s)
		return;
	fan_cache_clear(s);
	while (s->imarks) {
		struct fan_imark *im = s->imarks;

		s->imarks = im->next;
		free(im->path);
		free(im);
	}
	while (s->fss) {
		struct fan_fs *fs = s->fss;

		s->fss = fs->next;
		close(fs->mount_fd);
		free(fs);
	}
	for (size_t i = 0; i < s->n_watches; i++)
		free(s->watches[i].path);
	free(s->watches);
	if (s->ep_fd >= 0)
		close(s->ep_fd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->fan_fd >= 0)
		close(s->fan_fd); /* this drops every mark */
	free(s->buf);
	vg_strbuf_release(&s->from_path);
	vg_strbuf_release(&s->p1);
	vg_strbuf_release(&s->p2);
	vg_strbuf_release(&s->tmp);
	free(s);
}

static int fan_start(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct fan_state *s = NULL;
	int err;

	*state = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fan_fd = s->ep_fd = s->wake_fd = -1;
	vg_strbuf_init(&s->from_path);
	vg_strbuf_init(&s->p1);
	vg_strbuf_init(&s->p2);
	vg_strbuf_init(&s->tmp);
	s->sink = *sink;
	s->self = getpid();
	s->buf = malloc(FAN_BUF_BYTES);
	err = s->buf ? fan_set_watches(s, ws) : -ENOMEM;
	if (err)
		goto out;
	s->has_target = true;
	s->has_rename = true;
	err = fan_init_group(true, &s->fan_fd);
	if (err == -EINVAL) { /* FAN_REPORT_TARGET_FID is 5.17+ */
		s->has_target = false;
		err = fan_init_group(false, &s->fan_fd);
	}
	if (err) {
		vg_log(VG_LOG_ERROR, "fanotify: cannot start: %s", strerror(-err));
		goto out;
	}
	/*
	 * FAN_RENAME (5.17+) reports both ends of a rename in one event; older
	 * kernels reject the bit (EINVAL). Any other error (a root filesystem
	 * that takes no fid marks) says nothing about it.
	 */
	if (!fanotify_mark(s->fan_fd, FAN_MARK_ADD, FAN_RENAME | FAN_ONDIR, AT_FDCWD, "/"))
		fanotify_mark(s->fan_fd, FAN_MARK_REMOVE, FAN_RENAME | FAN_ONDIR, AT_FDCWD, "/");
	else
		s->has_rename = errno != EINVAL;
	s->base_mask = FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB |
		       FAN_ONDIR | (s->has_rename ? FAN_RENAME : FAN_MOVE);
	s->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->ep_fd < 0 || s->wake_fd < 0 || fcntl(s->ep_fd, F_SETFL, O_NONBLOCK)) {
		err = -errno;
		goto out;
	}
	ev.data.fd = s->fan_fd;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, s->fan_fd, &ev)) {
		err = -errno;
		goto out;
	}
	ev.data.fd = s->wake_fd;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, s->wake_fd, &ev)) {
		err = -errno;
		goto out;
	}
	fan_reconcile(s);
	*state = s;
	s = NULL;
out:
	fan_stop(s);
	return err;
}

static int fan_fd(void *state)
{
	const struct fan_state *s = state;

	return s->ep_fd;
}

/* Keeps fd() readable while read events wait in the buffer (budget reached). */
static void fan_wake(struct fan_state *s, bool on)
{
	uint64_t one = 1;

	if (on && !s->is_woken)
		s->is_woken = write(s->wake_fd, &one, sizeof(one)) == (ssize_t)sizeof(one);
	else if (!on && s->is_woken)
		s->is_woken = read(s->wake_fd, &one, sizeof(one)) != (ssize_t)sizeof(one);
}

static int fan_drain(void *state, unsigned budget)
{
	struct fan_state *s = state;
	unsigned n = 0;
	int err = 0;

	while (n < budget) {
		struct fanotify_event_metadata m;
		size_t left = s->buf_len - s->buf_off;

		if (!left) {
			ssize_t r = read(s->fan_fd, s->buf, FAN_BUF_BYTES);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno != EAGAIN)
				err = -errno;
			if (r <= 0)
				break;
			s->buf_len = (size_t)r;
			s->buf_off = 0;
			s->read_ns = vg_now_ns();
			continue;
		}
		memcpy(&m, s->buf + s->buf_off, left < sizeof(m) ? left : sizeof(m));
		if (left < sizeof(m) || m.event_len < m.metadata_len || m.event_len > left ||
		    m.metadata_len < sizeof(m) || m.vers != FANOTIFY_METADATA_VERSION) {
			s->buf_off = s->buf_len; /* a malformed record: drop the rest of the read */
			fan_lost(s);
			continue;
		}
		if (m.fd >= 0)
			close(m.fd);
		fan_on_event(s, &m, s->buf + s->buf_off + m.metadata_len,
			     m.event_len - m.metadata_len);
		s->buf_off += m.event_len;
		n++;
	}
	if (s->is_dirty) {
		s->is_dirty = false;
		fan_reconcile(s);
	}
	fan_wake(s, s->buf_off < s->buf_len);
	if (err) {
		vg_log(VG_LOG_ERROR, "fanotify: cannot read events: %s", strerror(-err));
		return err;
	}
	return (int)n;
}

static int fan_update(void *state, const struct vg_watch_set *ws)
{
	struct fan_state *s = state;
	int err = fan_set_watches(s, ws);

	if (!err)
		fan_reconcile(s);
	return err;
}

static void fan_stats(void *state, struct vg_publisher_stats *st)
{
	const struct fan_state *s = state;

	*st = s->st;
}

const struct vg_publisher_ops vg_publisher_fanotify = {
	.name = "fanotify",
	.probe = fan_probe,
	.start = fan_start,
	.fd = fan_fd,
	.drain = fan_drain,
	.update = fan_update,
	.stop = fan_stop,
	.stats = fan_stats,
};
