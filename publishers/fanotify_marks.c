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

int vg__fan_fs_get(struct fan_state *s, int fd, const char *path, struct fan_fs **out)
{
	struct fan_fs *fs;
	struct statfs sf;
	struct stat st;
	int mfd;

	if (fstatfs(fd, &sf))
		return -errno;
	fs = vg__fan_fs_find(s, (const unsigned char *)&sf.f_fsid);
	if (!fs) {
		fan_mount_root(path, &s->tmp);
		mfd = open(s->tmp.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			return -errno;
		if (fstat(mfd, &st)) {
			close(mfd);
			return -errno;
		}
		fs = calloc(1, sizeof(*fs));
		if (!fs) {
			close(mfd);
			return -ENOMEM;
		}
		memcpy(fs->fsid, &sf.f_fsid, 8);
		fs->mount_fd = mfd;
		fs->dev = st.st_dev;
		fs->next = s->fss;
		s->fss = fs;
	}
	*out = fs;
	return 0;
}

int vg__fan_fs_want(struct fan_state *s, struct fan_fs *fs, uint64_t mask)
{
	uint64_t add = mask & ~fs->mask;

	fs->want |= mask;
	if (add &&
	    fanotify_mark(s->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, add, fs->mount_fd, NULL))
		return -errno;
	fs->mask |= add;
	return 0;
}

/* ---- inode mark records, found by key ---- */

struct fan_imark *vg__fan_imark_find(struct fan_state *s, const struct fan_key *k)
{
	struct fan_imark *im;
	uint32_t h;

	if (!s->n_imarks)
		return NULL;
	h = vg__fan_hash(k->b, k->len);
	for (im = s->im_buckets[h & (s->n_im_buckets - 1)]; im; im = im->hnext)
		if (im->hash == h && im->key.len == k->len && !memcmp(im->key.b, k->b, k->len))
			return im;
	return NULL;
}

/* Doubles the buckets (from 256), so chains stay short. */
static int fan_imark_grow(struct fan_state *s)
{
	size_t n = s->n_im_buckets ? 2 * s->n_im_buckets : 256;
	struct fan_imark **b = calloc(n, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (struct fan_imark *im = s->imarks; im; im = im->next) {
		im->hnext = b[im->hash & (n - 1)];
		b[im->hash & (n - 1)] = im;
	}
	free(s->im_buckets);
	s->im_buckets = b;
	s->n_im_buckets = n;
	return 0;
}

int vg__fan_imark_get(struct fan_state *s, struct fan_fs *fs, const struct fan_key *k,
		      const char *path, size_t len, struct fan_imark **out)
{
	struct fan_imark *im = vg__fan_imark_find(s, k);
	size_t b;

	if (im) {
		*out = im;
		return 0;
	}
	if (s->n_imarks >= s->n_im_buckets && fan_imark_grow(s) && !s->n_im_buckets)
		return -ENOMEM;
	im = calloc(1, sizeof(*im));
	if (!im || !(im->path = strndup(path, len))) {
		free(im);
		return -ENOMEM;
	}
	im->path_len = len;
	im->key = *k;
	im->fs = fs;
	im->hash = vg__fan_hash(k->b, k->len);
	b = im->hash & (s->n_im_buckets - 1);
	im->hnext = s->im_buckets[b];
	s->im_buckets[b] = im;
	im->next = s->imarks;
	if (s->imarks)
		s->imarks->prev = im;
	s->imarks = im;
	s->n_imarks++;
	*out = im;
	return 0;
}

void vg__fan_imark_free(struct fan_state *s, struct fan_imark *im)
{
	struct fan_imark **pp = &s->im_buckets[im->hash & (s->n_im_buckets - 1)];

	while (*pp != im)
		pp = &(*pp)->hnext;
	*pp = im->hnext;
	if (im->prev)
		im->prev->next = im->next;
	else
		s->imarks = im->next;
	if (im->next)
		im->next->prev = im->prev;
	s->n_imarks--;
	vg__fan_imark_set_tree(s, im, false);
	free(im->path);
	free(im);
}

void vg__fan_imark_set_tree(struct fan_state *s, struct fan_imark *im, bool is_tree)
{
	if (im->is_tree != is_tree)
		s->n_tree += is_tree ? 1 : (size_t)-1;
	im->is_tree = is_tree;
	im->is_stale = false;
}

int vg__fan_imark_repath(struct fan_imark *im, const char *path, size_t len)
{
	char *copy;

	if (im->path_len == len && !memcmp(im->path, path, len))
		return 0;
	copy = strndup(path, len);
	if (!copy)
		return -ENOMEM;
	free(im->path);
	im->path = copy;
	im->path_len = len;
	return 0;
}

int vg__fan_imark_add(struct fan_state *s, struct fan_imark *im, uint64_t bits, int fd)
{
	uint64_t add = bits & ~im->mask;
	int own = -1, err = 0;

	if (!add)
		return 0;
	/* fanotify_mark() takes no O_PATH fd (EBADF): open the directory. */
	if (fd < 0)
		fd = own = vg__fan_key_open(im->fs, &im->key, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	if (fanotify_mark(s->fan_fd, FAN_MARK_ADD, add, fd, NULL))
		err = -errno;
	else
		im->mask |= add;
	if (own >= 0)
		close(own);
	return err;
}

/* ---- marking paths ---- */

int vg__fan_mark_path(struct fan_state *s, const char *path, uint64_t mask, uint64_t fs_mask)
{
	struct fan_imark *im = NULL;
	struct fan_fs *fs = NULL;
	struct fan_key k;
	struct stat st;
	int fd, err;

	/* Inode marks are on directories; fanotify_mark() takes no O_PATH fd (EBADF). */
	fd = open(path, (fs_mask ? O_PATH : O_RDONLY | O_DIRECTORY | O_NONBLOCK) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = vg__fan_key_from_fd(fd, &k);
	if (!err)
		err = vg__fan_fs_get(s, fd, path, &fs);
	if (err)
		goto out;
	if (!fstat(fd, &st) && S_ISDIR(st.st_mode))
		vg__fan_cache_put(s, &k, path, strlen(path));
	if (fs_mask) {
		err = vg__fan_fs_want(s, fs, fs_mask);
		goto out;
	}
	err = vg__fan_imark_get(s, fs, &k, path, strlen(path), &im);
	if (err)
		goto out;
	im->want |= mask;
	err = vg__fan_imark_add(s, im, mask, fd);
out:
	close(fd);
	return err;
}

void vg__fan_imark_trim(struct fan_state *s, struct fan_imark *im, uint64_t bits)
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
	struct fan_imark *im, *next;
	struct fan_fs **pfs = &s->fss, *fs;

	for (im = s->imarks; im; im = next) {
		next = im->next;
		/* A tree's directory no walk visited: not (or no longer) in a tree. */
		if (im->is_stale)
			vg__fan_imark_set_tree(s, im, false);
		if (!vg__fan_has_events(im->want)) {
			vg__fan_imark_trim(s, im, im->mask);
			vg__fan_imark_free(s, im);
			continue;
		}
		if (im->mask & ~im->want)
			vg__fan_imark_trim(s, im, im->mask & ~im->want);
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

/* ---- reconciling marks with the watch set ---- */

/* The nearest existing directory above @path, into @out. */
void vg__fan_nearest_ancestor(const char *path, struct vg_strbuf *out)
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
 * scanned: what it holds is reported as CREATED. A recursive directory root
 * is marked by fanotify_tree.c.
 */
static int fan_watch_mark(struct fan_state *s, struct fan_watch *w, const struct stat *st)
{
	uint64_t mask = s->base_mask | (w->accesses ? FAN_ACCESS_BITS : 0);
	bool is_dir = S_ISDIR(st->st_mode), saw_it, scan;
	struct fan_fs *fs = NULL;
	int err, fd;

	fd = open(w->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = vg__fan_fs_get(s, fd, w->path, &fs);
	close(fd);
	if (err)
		return err;
	saw_it = fs->was_marked;
	scan = is_dir && !w->is_new && ((!w->is_present && !saw_it) || w->moved_in);
	if (w->recursive && is_dir) {
		err = vg__fan_tree_apply(s, w, scan);
		scan = false;
	} else if (is_dir) {
		mask |= FAN_EVENT_ON_CHILD | FAN_DELETE_SELF | FAN_MOVE_SELF;
		err = vg__fan_mark_path(s, w->path, mask, 0);
	} else {
		vg__fan_nearest_ancestor(w->path, &s->p2);
		err = vg__fan_mark_path(s, s->p2.buf, mask | FAN_EVENT_ON_CHILD, 0);
	}
	if (!err && scan) {
		size_t left = FAN_SCAN_MAX;

		vg_strbuf_reset(&s->p1);
		vg_strbuf_add(&s->p1, w->path, w->path_len);
		vg__fan_scan(s, &s->p1, w->recursive, 0, &left);
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
		w->mode = FAN_MODE_NONE;
		vg__fan_nearest_ancestor(w->path, anc);
		/* A recursive root keeps its filesystem mark: it sees the root appear, content too.
		 */
		if (w->recursive)
			err = vg__fan_mark_path(s, anc->buf, 0, s->base_mask);
		else
			err = vg__fan_mark_path(s, anc->buf, pending, 0);
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
	vg__fan_tree_want(s);
	fan_sweep(s);
	for (fs = s->fss; fs; fs = fs->next)
		watches += vg__fan_has_events(fs->mask);
	/* Marks that only guard a root's ancestors against moves report nothing inside it. */
	for (im = s->imarks; im; im = im->next)
		watches += (im->mask & ~(uint64_t)(FAN_FLAG_BITS | FAN_GUARD_BITS)) != 0;
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
				nw[i].logged_mode = s->watches[j].logged_mode;
				/* A tree marked for other bits is walked again. */
				if (s->watches[j].recursive == nw[i].recursive &&
				    s->watches[j].accesses == nw[i].accesses) {
					nw[i].mode = s->watches[j].mode;
					nw[i].tree_key = s->watches[j].tree_key;
					nw[i].n_dirs = s->watches[j].n_dirs;
				}
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
	while (s->imarks)
		vg__fan_imark_free(s, s->imarks);
	free(s->im_buckets);
	s->im_buckets = NULL;
	s->n_im_buckets = 0;
	while (s->fss) {
		struct fan_fs *fs = s->fss;

		s->fss = fs->next;
		close(fs->mount_fd);
		free(fs);
	}
}
