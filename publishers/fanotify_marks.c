// SPDX-License-Identifier: Apache-2.0
/*
 * fanotify_marks.c - the fanotify publisher's marks: which filesystem and
 * inode marks the watch set needs, placed by mark and sweep (see the HOW IT
 * WORKS of fanotify.c), and the scan that reports what a root holds when it
 * appears unseen.
 */
#include "fanotify_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vigil/log.h"

/* The key of the object @fd refers to (O_PATH is fine). */
int vg__fan_key_from_fd(int fd, struct fan_key *k)
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
int vg__fan_key_open(const struct fan_fs *fs, const struct fan_key *k, int flags)
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

struct fan_fs *vg__fan_fs_find(struct fan_state *s, const unsigned char fsid[8])
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
	fs = vg__fan_fs_find(s, (const unsigned char *)&sf.f_fsid);
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
	err = vg__fan_key_from_fd(fd, &k);
	if (!err)
		err = fan_fs_get(s, fd, path, &fs);
	if (err)
		goto out;
	if (!fstat(fd, &st) && S_ISDIR(st.st_mode))
		vg__fan_cache_put(s, &k, path, strlen(path));
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
	int fd = vg__fan_key_open(im->fs, &im->key, O_RDONLY | O_DIRECTORY | O_NONBLOCK);

	/* ESTALE: the inode is gone, and its mark with it. */
	if (fd >= 0) {
		fanotify_mark(s->fan_fd, FAN_MARK_REMOVE, bits, fd, NULL);
		close(fd);
	}
	im->mask &= ~bits;
}

bool vg__fan_has_events(uint64_t mask)
{
	return (mask & ~(uint64_t)FAN_FLAG_BITS) != 0;
}

/* Removes the marks (and mask bits) that the last reconcile pass did not want. */
static void fan_sweep(struct fan_state *s)
{
	struct fan_imark **pim = &s->imarks, *im;
	struct fan_fs **pfs = &s->fss, *fs;

	while ((im = *pim)) {
		if (!vg__fan_has_events(im->want)) {
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
		uint64_t drop = vg__fan_has_events(fs->want) ? fs->mask & ~fs->want : fs->mask;
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
		vg__fan_emit(s, VG_FILE_CREATED, 0, path, NULL, -1, is_dir, 0);
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
void vg__fan_reconcile(struct fan_state *s)
{
	uint64_t unwatched = 0, watches = 0;
	struct fan_imark *im;
	struct fan_fs *fs;

	for (fs = s->fss; fs; fs = fs->next) {
		fs->want = 0;
		fs->was_marked = vg__fan_has_events(fs->mask);
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
		watches += vg__fan_has_events(fs->mask);
	for (im = s->imarks; im; im = im->next)
		watches++;
	s->st.watches = watches;
	s->st.unwatched = unwatched;
}

/* Copies @ws into the state, keeping what is known of roots that stay. */
int vg__fan_set_watches(struct fan_state *s, const struct vg_watch_set *ws)
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
void vg__fan_marks_release(struct fan_state *s)
{
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
}
