// SPDX-License-Identifier: Apache-2.0
/*
 * fanotify_tree.c - recursive watches marked directory by directory.
 *
 * A filesystem mark makes every change anywhere on the filesystem an event
 * that vigil reads, resolves and throws away. So a recursive watch whose
 * tree is small enough (s->tree_dirs directories, and s->tree_budget tree
 * marks in all) gets an inode mark on each of its directories instead, with
 * FAN_EVENT_ON_CHILD: the kernel then reports only changes inside the tree.
 * A bigger tree keeps its filesystem's mark (FAN_MODE_FS). The choice is
 * made per watch when its root is first seen, by counting directories
 * (which stops past the limit), and logged once.
 *
 * Each tree directory's mark record keeps its current path (is_tree), so
 * events in the tree resolve to paths without a system call. The paths are
 * kept current from the events: a directory made in a tree is marked at
 * once and then scanned (what was made in it before the mark is reported
 * as CREATED, and remembered so that its queued FAN_CREATE is not reported
 * twice); a directory moved inside a tree has the paths below it rewritten
 * (a pass over all marks); one moved in is marked and scanned; one moved
 * out loses its marks; one deleted loses its record (the kernel dropped its
 * mark). FAN_RENAME names only the sides that are marked (5.17's
 * fanotify_handle_event() keeps the old side for an inode mark on the old
 * directory, the new side for one on the new directory): a directory moved
 * out arrives with no new path, so where it went is read from its handle. The root and its
 * ancestors carry FAN_MOVE_SELF marks (guards), so a move above the root, which no tree mark sees,
 * still makes vigil distrust the tree's paths and reconcile.
 *
 * Reconcile keeps a tree whose root is the inode it walked from and whose
 * paths are trusted: its marks are wanted again from their paths, and
 * nothing is walked. A tree whose root changed, or whose paths are in doubt
 * (after an overflow, or a guard's move), is walked again, marking before
 * the old marks are swept, so no event on a path that stays is lost.
 *
 * Limits: walks stay on the root's filesystem (st_dev) and descend at most
 * FAN_SCAN_DEPTH levels. Without FAN_REPORT_TARGET_FID (before 5.17) a
 * deleted directory's record is found by path (a pass over all marks).
 * Directories made after the budget is spent turn their watch back to the
 * filesystem mark at the next reconcile; events in between below them are
 * lost.
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

#include "util.h"
#include "vigil/log.h"

#define FAN_DIR_OPEN (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

/* One walk of a tree: where it stays, what it marks, what it may still report. */
struct fan_walk {
	struct fan_fs *fs;
	uint64_t mask; /* at least this on every directory */
	dev_t dev;
	bool scan;     /* report entries as CREATED */
	size_t n_left; /* entries a scan may still report */
	size_t n_dirs; /* directories marked */
};

/* Whether @p (@n bytes) is @root or lies below it. */
static bool fan_below(const char *p, size_t n, const char *root, size_t rn)
{
	if (rn == 1)
		return n >= 1 && p[0] == '/';
	return n >= rn && !memcmp(p, root, rn) && (n == rn || p[rn] == '/');
}

static uint64_t fan_tree_bits(const struct fan_state *s, const struct fan_watch *w)
{
	return s->base_mask | FAN_EVENT_ON_CHILD | (w->accesses ? FAN_ACCESS_BITS : 0);
}

uint64_t vg__fan_tree_mask(const struct fan_state *s, const char *p, size_t n)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < s->n_watches; i++) {
		const struct fan_watch *w = &s->watches[i];

		if (w->recursive && w->mode == FAN_MODE_TREE && w->is_present &&
		    vg__fan_inside(w, p, n))
			mask |= fan_tree_bits(s, w);
	}
	return mask;
}

/* One entry a scan found: CREATED, unless a scan reported it already. */
static void fan_scan_emit(struct fan_state *s, const struct vg_strbuf *path, bool is_dir)
{
	if (vg__fan_seen_has(s, path->buf, path->len))
		return;
	vg__fan_seen_add(s, path->buf, path->len);
	vg__fan_emit(s, VG_FILE_CREATED, 0, path, NULL, -1, is_dir, 0);
}

/* Whether entry @de of directory @dfd is a directory (not following symlinks). */
static bool fan_is_dir(int dfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type == DT_DIR;
	return !fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

static bool fan_is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* Appends /@name to @path (no separator after "/"). */
static void fan_join(struct vg_strbuf *path, const char *name)
{
	if (path->len > 1)
		vg_strbuf_addch(path, '/');
	vg_strbuf_addstr(path, name);
}

static void fan_cut(struct vg_strbuf *path, size_t len)
{
	path->len = len;
	path->buf[len] = '\0';
}

void vg__fan_scan(struct fan_state *s, struct vg_strbuf *path, bool recursive, int depth,
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
		bool is_dir;

		if (fan_is_dot(de->d_name))
			continue;
		is_dir = fan_is_dir(fd, de);
		fan_join(path, de->d_name);
		(*n_left)--;
		fan_scan_emit(s, path, is_dir);
		if (recursive && is_dir && depth < FAN_SCAN_DEPTH)
			vg__fan_scan(s, path, true, depth + 1, n_left);
		fan_cut(path, base);
	}
	closedir(dir);
}

/* ---- marking a tree ---- */

/*
 * Puts a tree mark on directory @fd, whose path is s->walk. Returns 0 or
 * -errno; -ENOSPC when the budget (or the kernel's max_user_marks) is spent.
 */
static int fan_tree_mark(struct fan_state *s, const struct fan_walk *wk, int fd)
{
	uint64_t mask = wk->mask | vg__fan_tree_mask(s, s->walk.buf, s->walk.len);
	struct fan_imark *im;
	struct fan_key k;
	int err = vg__fan_key_from_fd(fd, &k);

	if (err)
		return err;
	im = vg__fan_imark_find(s, &k);
	if ((!im || !im->is_tree) && s->n_tree >= s->tree_budget)
		return -ENOSPC;
	err = im ? vg__fan_imark_repath(im, s->walk.buf, s->walk.len)
		 : vg__fan_imark_get(s, wk->fs, &k, s->walk.buf, s->walk.len, &im);
	if (err)
		return err;
	vg__fan_imark_set_tree(s, im, true);
	im->want |= mask;
	return vg__fan_imark_add(s, im, mask, fd);
}

/*
 * Marks directory @fd (closed here; its path in s->walk) and every
 * directory below it on the walk's filesystem, reporting entries when
 * wk->scan. Each directory is marked before it is read, so what appears in
 * it later is an event. Returns 0 or -errno (the walk stops).
 */
static int fan_walk(struct fan_state *s, struct fan_walk *wk, int fd, int depth)
{
	size_t base = s->walk.len;
	struct dirent *de;
	DIR *dir;
	int err = fan_tree_mark(s, wk, fd);

	if (err || !(dir = fdopendir(fd))) {
		err = err ? err : -errno;
		close(fd);
		return err;
	}
	wk->n_dirs++;
	while (!err && (de = readdir(dir))) {
		struct stat st;
		bool is_dir;
		int cfd;

		if (fan_is_dot(de->d_name))
			continue;
		is_dir = fan_is_dir(dirfd(dir), de);
		fan_join(&s->walk, de->d_name);
		if (wk->scan && wk->n_left) {
			wk->n_left--;
			fan_scan_emit(s, &s->walk, is_dir);
		}
		if (is_dir && depth < FAN_SCAN_DEPTH &&
		    (cfd = openat(dirfd(dir), de->d_name, FAN_DIR_OPEN)) >= 0) {
			/* Another filesystem mounted here is not this tree's. */
			if (!fstat(cfd, &st) && st.st_dev == wk->dev)
				err = fan_walk(s, wk, cfd, depth + 1);
			else
				close(cfd);
			/* A directory that cannot be marked is left out; no room stops it all. */
			if (err != -ENOSPC && err != -ENOMEM)
				err = 0;
		}
		fan_cut(&s->walk, base);
	}
	closedir(dir);
	return err;
}

/* Counts the directories at and below @fd (closed here) on @dev, stopping past @max. */
static size_t fan_count_dirs(int fd, dev_t dev, size_t max, size_t n, int depth)
{
	struct dirent *de;
	DIR *dir = fdopendir(fd);

	if (!dir) {
		close(fd);
		return n;
	}
	n++;
	while (n <= max && (de = readdir(dir))) {
		struct stat st;
		int cfd;

		if (fan_is_dot(de->d_name) || !fan_is_dir(dirfd(dir), de) ||
		    depth >= FAN_SCAN_DEPTH)
			continue;
		cfd = openat(dirfd(dir), de->d_name, FAN_DIR_OPEN);
		if (cfd < 0)
			continue;
		if (!fstat(cfd, &st) && st.st_dev == dev)
			n = fan_count_dirs(cfd, dev, max, n, depth + 1);
		else
			close(cfd);
	}
	closedir(dir);
	return n;
}

/*
 * Guards the root of @w and each of its ancestors with FAN_MOVE_SELF and
 * FAN_DELETE_SELF: no tree mark sees a move above the root.
 */
static void fan_guard(struct fan_state *s, const struct fan_watch *w)
{
	vg_strbuf_reset(&s->walk);
	vg_strbuf_add(&s->walk, w->path, w->path_len);
	for (;;) {
		vg__fan_mark_path(s, s->walk.buf, FAN_GUARD_BITS | FAN_ONDIR, 0);
		if (s->walk.len <= 1)
			break;
		char *slash = memrchr(s->walk.buf, '/', s->walk.len);

		fan_cut(&s->walk, slash == s->walk.buf ? 1 : (size_t)(slash - s->walk.buf));
	}
}

/* Logs how @w is marked, once per change. */
static void fan_log_mode(struct fan_state *s, struct fan_watch *w, size_t n_dirs)
{
	if (w->logged_mode == w->mode)
		return;
	w->logged_mode = w->mode;
	if (w->mode == FAN_MODE_TREE)
		vg_log(VG_LOG_INFO, "fanotify: %s: inode marks on its %zu directories", w->path,
		       n_dirs);
	else
		vg_log(VG_LOG_INFO,
		       "fanotify: %s: more directories than its budget (%zu, %zu tree marks in "
		       "all): marking its whole filesystem instead",
		       w->path, s->tree_dirs, s->tree_budget);
}

int vg__fan_tree_apply(struct fan_state *s, struct fan_watch *w, bool scan)
{
	size_t left = s->tree_budget > s->n_tree ? s->tree_budget - s->n_tree : 0;
	size_t limit = left < s->tree_dirs ? left : s->tree_dirs;
	struct fan_walk wk = { .mask = fan_tree_bits(s, w), .scan = scan, .n_left = FAN_SCAN_MAX };
	struct fan_imark *root;
	struct fan_key k;
	bool same;
	int fd, err;

	fd = open(w->path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = vg__fan_key_from_fd(fd, &k);
	if (!err)
		err = vg__fan_fs_get(s, fd, w->path, &wk.fs);
	if (err)
		goto out;
	same = w->tree_key.len == k.len && !memcmp(w->tree_key.b, k.b, k.len);
	root = vg__fan_imark_find(s, &k);
	if (w->mode == FAN_MODE_TREE && same && !scan && root && root->is_tree && !root->is_stale)
		goto guard; /* kept: vg__fan_tree_want() wants its marks from their paths */
	if (!(w->mode == FAN_MODE_FS && same)) {
		int cfd = dup(fd);

		w->mode = cfd >= 0 && fan_count_dirs(cfd, wk.fs->dev, limit, 0, 0) <= limit
			      ? FAN_MODE_TREE
			      : FAN_MODE_FS;
		/* The copy shared the directory offset: the walk reads from the start. */
		lseek(fd, 0, SEEK_SET);
	}
	w->tree_key = k;
	if (w->mode == FAN_MODE_TREE) {
		/* What was marked below the root is trusted again only where the walk goes. */
		vg__fan_tree_suspect(s, w->path, w->path_len);
		vg_strbuf_reset(&s->walk);
		vg_strbuf_add(&s->walk, w->path, w->path_len);
		wk.dev = wk.fs->dev;
		err = fan_walk(s, &wk, fd, 0);
		fd = -1;
		w->n_dirs = wk.n_dirs;
		if (err == -ENOSPC)
			w->mode = FAN_MODE_FS;
		else if (err)
			goto out;
		err = 0;
	}
	fan_log_mode(s, w, w->n_dirs);
	if (w->mode == FAN_MODE_FS) {
		err =
		    vg__fan_fs_want(s, wk.fs, fan_tree_bits(s, w) & ~(uint64_t)FAN_EVENT_ON_CHILD);
		if (!err && scan && wk.n_left) {
			vg_strbuf_reset(&s->walk);
			vg_strbuf_add(&s->walk, w->path, w->path_len);
			vg__fan_scan(s, &s->walk, true, 0, &wk.n_left);
		}
		goto out;
	}
guard:
	fan_guard(s, w);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

void vg__fan_tree_want(struct fan_state *s)
{
	for (struct fan_imark *im = s->imarks; im; im = im->next)
		if (im->is_tree && !im->is_stale)
			im->want |= vg__fan_tree_mask(s, im->path, im->path_len);
}

void vg__fan_tree_suspect(struct fan_state *s, const char *path, size_t len)
{
	for (struct fan_imark *im = s->imarks; im; im = im->next)
		if (im->is_tree && (!path || fan_below(im->path, im->path_len, path, len)))
			im->is_stale = true;
}

/* ---- trees changing under events ---- */

/* The budget ran out below @path: its watches go back to the filesystem mark. */
static void fan_tree_full(struct fan_state *s, const char *path, size_t len)
{
	for (size_t i = 0; i < s->n_watches; i++) {
		struct fan_watch *w = &s->watches[i];

		if (w->mode == FAN_MODE_TREE && w->recursive && vg__fan_inside(w, path, len)) {
			w->mode = FAN_MODE_NONE;
			s->is_dirty = true;
		}
	}
}

void vg__fan_tree_add(struct fan_state *s, const struct vg_strbuf *path, bool scan)
{
	struct fan_walk wk = { .scan = scan, .n_left = FAN_SCAN_MAX };
	struct statfs sf;
	struct stat st;
	int fd, err;

	wk.mask = vg__fan_tree_mask(s, path->buf, path->len);
	if (!wk.mask)
		return;
	fd = open(path->buf, FAN_DIR_OPEN);
	if (fd < 0)
		return; /* gone already: its deletion is queued */
	if (fstatfs(fd, &sf) || fstat(fd, &st) ||
	    !(wk.fs = vg__fan_fs_find(s, (const unsigned char *)&sf.f_fsid)) ||
	    st.st_dev != wk.fs->dev) {
		close(fd);
		return;
	}
	wk.dev = st.st_dev;
	vg_strbuf_reset(&s->walk);
	vg_strbuf_add(&s->walk, path->buf, path->len);
	err = fan_walk(s, &wk, fd, 0);
	if (err == -ENOSPC)
		fan_tree_full(s, path->buf, path->len);
}

/* The current path of @im's directory, by its handle, into s->walk. */
static int fan_imark_resolve(struct fan_state *s, const struct fan_imark *im)
{
	char link[32];
	int fd = vg__fan_key_open(im->fs, &im->key, O_PATH);
	int err;

	if (fd < 0)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	err = vg_readlink(link, &s->walk);
	if (!err && s->walk.buf[0] != '/')
		err = -ESTALE;
	close(fd);
	return err;
}

void vg__fan_tree_moved(struct fan_state *s, const struct vg_strbuf *from,
			const struct vg_strbuf *to, bool scan)
{
	bool was_in = from->len && vg__fan_tree_mask(s, from->buf, from->len);
	struct fan_imark *im, *next;

	for (im = from->len ? s->imarks : NULL; im; im = next) {
		uint64_t mask;
		int err;

		next = im->next;
		if (!im->is_tree || !fan_below(im->path, im->path_len, from->buf, from->len))
			continue;
		if (to->len) {
			vg_strbuf_reset(&s->walk);
			vg_strbuf_add(&s->walk, to->buf, to->len);
			vg_strbuf_add(&s->walk, im->path + from->len, im->path_len - from->len);
			err = 0;
		} else {
			/* A legacy FAN_MOVED_FROM: where it went is not said. */
			err = fan_imark_resolve(s, im);
		}
		mask = err ? 0 : vg__fan_tree_mask(s, s->walk.buf, s->walk.len);
		if (!mask || vg__fan_imark_repath(im, s->walk.buf, s->walk.len)) {
			/* Out of every tree (or gone): nothing there is watched any more. */
			vg__fan_imark_trim(s, im, im->mask);
			vg__fan_imark_free(s, im);
			continue;
		}
		vg__fan_imark_add(s, im, mask, -1);
	}
	if (to->len && !was_in && vg__fan_tree_mask(s, to->buf, to->len))
		vg__fan_tree_add(s, to, scan);
}

void vg__fan_tree_forget(struct fan_state *s, const struct fan_key *k, const struct vg_strbuf *path)
{
	struct fan_imark *im = k ? vg__fan_imark_find(s, k) : NULL;

	if (!k)
		for (im = s->imarks; im; im = im->next)
			if (im->is_tree && im->path_len == path->len &&
			    !memcmp(im->path, path->buf, path->len))
				break;
	/* A root (guarded) waits for reconcile, which its DELETE_SELF asked for. */
	if (im && im->is_tree && !(im->mask & FAN_GUARD_BITS))
		vg__fan_imark_free(s, im);
}
