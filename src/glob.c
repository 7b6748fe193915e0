// SPDX-License-Identifier: Apache-2.0
/*
 * glob.c - osquery path patterns expanded into existing paths (see glob.h).
 *
 * HOW IT WORKS: a pattern without a wildcard is one lstat(). Otherwise the
 * pattern is split into components and walked from "/" (or the cwd) with
 * directory fds: a literal component is one openat() (no readdir), a
 * wildcard component is one readdir() of its parent whose names go through
 * a LIKE matcher, and only the matches are descended into. A last `%%`
 * component lists the whole subtree depth-first: it opens subdirectories
 * with O_NOFOLLOW (a symlinked directory is reported, never entered), keeps
 * the (device, inode) of every directory on the current branch so a bind
 * mount looping back to an ancestor is not re-entered, and stops at
 * VG_GLOB_MAX_DEPTH levels. Open fds are bounded by that depth.
 *
 * Wildcard components may cross symlinks (`/home/%/.ssh` through a linked
 * home), as glob(3) does, but never into a directory already on the
 * current branch: a link back to an ancestor (`loop -> .`) matched by every
 * `%` of `/%/%/%/...` would multiply the walk at each level.
 *
 * LIMITS: repeated slashes collapse ("a//b%" reports "a/b..."); `_` matches
 * one UTF-8 character the way SQLite's LIKE reads one; a `%` may match at
 * any byte, so the walk returns a superset of what LIKE keeps and never less.
 */
#include "glob.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/strbuf.h"

struct glob_ctx {
	char **comps; /* the pattern's components (into pattern_copy) */
	size_t n_comps;
	bool recursive; /* the last component is `%%` */
	bool mark;	/* add '/' to reported directories */
	bool dirs_only; /* report directories only */
	vg_glob_fn *fn;
	void *arg;
	struct vg_strbuf path; /* the path being built */
	struct {
		dev_t dev;
		ino_t ino;
	} branch[VG_GLOB_MAX_DEPTH]; /* directories on the current %% branch */
	size_t n_branch;
	size_t n_entered; /* directories entered through a wildcard */
};

bool vg_glob_has_wildcard(const char *pattern)
{
	return strpbrk(pattern, "%_") != NULL;
}

/* One character as SQLite's LIKE reads UTF-8: a lead byte and its continuations. */
static const char *utf8_next(const char *s)
{
	unsigned char c = (unsigned char)*s++;

	if (c >= 0xc0)
		while (((unsigned char)*s & 0xc0) == 0x80)
			s++;
	return s;
}

bool vg_glob_match(const char *pat, const char *name)
{
	const char *p = pat, *s = name, *star_p = NULL, *star_s = NULL;

	while (*s) {
		if (*p == '%') {
			while (*p == '%')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*p == '_') {
			p++;
			s = utf8_next(s);
			continue;
		}
		if (*p && *p == *s) {
			p++;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		/* Backtrack: let the last % swallow one more byte. */
		p = star_p;
		s = ++star_s;
	}
	while (*p == '%')
		p++;
	return !*p;
}

void vg_glob_from_sqlite(const char *glob, struct vg_strbuf *out)
{
	for (const char *p = glob; *p; p++) {
		if (*p == '*') {
			vg_strbuf_addch(out, '%');
		} else if (*p == '?') {
			vg_strbuf_addch(out, '_');
		} else if (*p == '[') {
			/* A class is one character; "[]...]" starts with a literal ']'. */
			const char *end = strchr(p[1] ? p + 2 : p + 1, ']');

			if (!end) {
				vg_strbuf_addch(out, '_');
				break;
			}
			vg_strbuf_addch(out, '_');
			p = end;
		} else {
			vg_strbuf_addch(out, *p);
		}
	}
}

void vg_path_split(const char *path, struct vg_strbuf *dir, const char **name, size_t *name_len)
{
	size_t len = strlen(path), slash;

	while (len > 1 && path[len - 1] == '/')
		len--;
	slash = len;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	vg_strbuf_reset(dir);
	*name = path + slash;
	*name_len = len - slash;
	if (slash == 0)
		return;
	if (len == 1) { /* "/" itself */
		*name = path;
		*name_len = 1;
		return;
	}
	slash--; /* the separator */
	while (slash > 1 && path[slash - 1] == '/')
		slash--;
	vg_strbuf_add(dir, path, slash ? slash : 1);
}

bool vg_path_same_dir(const char *a, const char *b, size_t b_len)
{
	size_t a_len = strlen(a);

	while (a_len > 1 && a[a_len - 1] == '/')
		a_len--;
	while (b_len > 1 && b[b_len - 1] == '/')
		b_len--;
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

/* Appends "/name" to the path; returns the length to truncate back to. */
static size_t path_push(struct vg_strbuf *path, const char *name)
{
	size_t saved = path->len;

	if (path->len && path->buf[path->len - 1] != '/')
		vg_strbuf_addch(path, '/');
	vg_strbuf_addstr(path, name);
	return saved;
}

static void path_truncate(struct vg_strbuf *path, size_t len)
{
	path->len = len;
	path->buf[len] = '\0';
}

/* Whether @name in @dirfd is a directory, following a symlink. */
static bool is_dir_at(int dirfd, const char *name, unsigned char d_type)
{
	struct stat st;

	if (d_type == DT_DIR)
		return true;
	if (d_type != DT_LNK && d_type != DT_UNKNOWN)
		return false;
	return fstatat(dirfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

/* Reports @name (in @dirfd) under the current path. */
static int glob_emit(struct glob_ctx *g, int dirfd, const char *name, unsigned char d_type)
{
	struct vg_glob_hit hit;
	bool is_dir = false;
	size_t saved;
	int err;

	if (g->dirs_only || g->mark)
		is_dir = is_dir_at(dirfd, name, d_type);
	if (g->dirs_only && !is_dir)
		return 0;
	saved = path_push(&g->path, name);
	if (g->mark && is_dir)
		vg_strbuf_addch(&g->path, '/');
	hit.path = g->path.buf;
	hit.len = g->path.len;
	hit.dirfd = dirfd;
	hit.name = name;
	hit.d_type = d_type;
	err = g->fn(g->arg, &hit);
	path_truncate(&g->path, saved);
	return err;
}

static bool is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/*
 * Enters the directory of @st on the current branch: false when it is
 * already there (a symlink or bind mount looping back to an ancestor) or
 * the branch is as deep as it may go.
 */
static bool branch_push(struct glob_ctx *g, const struct stat *st)
{
	if (g->n_branch >= VG_GLOB_MAX_DEPTH)
		return false;
	for (size_t i = 0; i < g->n_branch; i++)
		if (g->branch[i].dev == st->st_dev && g->branch[i].ino == st->st_ino)
			return false;
	g->branch[g->n_branch].dev = st->st_dev;
	g->branch[g->n_branch].ino = st->st_ino;
	g->n_branch++;
	return true;
}

/* Lists the subtree of @fd (owned: closed here) for a last `%%`. */
static int glob_recurse(struct glob_ctx *g, int fd, size_t depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int err = 0;

	if (depth >= VG_GLOB_MAX_DEPTH || fstat(fd, &st) < 0 || !branch_push(g, &st)) {
		close(fd);
		return 0; /* too deep, or a loop back to an ancestor (bind mount) */
	}
	d = fdopendir(fd);
	if (!d) {
		g->n_branch--;
		close(fd);
		return 0;
	}
	while (!err && (de = readdir(d))) {
		struct stat cst;
		size_t saved;
		int child;

		if (is_dot(de->d_name))
			continue;
		err = glob_emit(g, dirfd(d), de->d_name, de->d_type);
		if (err || depth + 1 >= VG_GLOB_MAX_DEPTH)
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(cst.st_mode)))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		child =
		    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue;
		saved = path_push(&g->path, de->d_name);
		err = glob_recurse(g, child, depth + 1);
		path_truncate(&g->path, saved);
	}
	g->n_branch--;
	closedir(d);
	return err;
}

static int glob_walk(struct glob_ctx *g, int fd, size_t ci);

/* Matches component @ci against the entries of @fd (owned: closed here). */
static int glob_readdir(struct glob_ctx *g, int fd, size_t ci)
{
	bool last = ci + 1 == g->n_comps;
	struct dirent *de;
	struct stat st;
	DIR *d = fdopendir(fd);
	int err = 0;

	if (!d) {
		close(fd);
		return 0;
	}
	while (!err && (de = readdir(d))) {
		size_t saved;
		int child;

		if (is_dot(de->d_name) || !vg_glob_match(g->comps[ci], de->d_name))
			continue;
		if (last) {
			err = glob_emit(g, dirfd(d), de->d_name, de->d_type);
			continue;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
			continue;
		child = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child < 0)
			continue;
		/* A wildcard may cross a symlink, but not into a loop: each match
		 * of a looping link would multiply the walk. */
		if (fstat(child, &st) < 0 || !branch_push(g, &st)) {
			close(child);
			continue;
		}
		if (++g->n_entered > VG_GLOB_MAX_ENTERED) {
			g->n_branch--;
			close(child);
			err = -E2BIG;
			break;
		}
		saved = path_push(&g->path, de->d_name);
		err = glob_walk(g, child, ci + 1);
		path_truncate(&g->path, saved);
		g->n_branch--;
	}
	closedir(d);
	return err;
}

/* Walks components @ci.. below the directory @fd (owned: closed here). */
static int glob_walk(struct glob_ctx *g, int fd, size_t ci)
{
	size_t saved = g->path.len;
	struct stat st;
	int err = 0;

	/* Literal directories on the way cost one openat() each, no readdir. */
	while (ci + 1 < g->n_comps && !vg_glob_has_wildcard(g->comps[ci])) {
		int next = openat(fd, g->comps[ci], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		close(fd);
		fd = next;
		if (fd < 0)
			goto out;
		path_push(&g->path, g->comps[ci]);
		ci++;
	}
	if (ci + 1 == g->n_comps && g->recursive) {
		err = glob_recurse(g, fd, 0);
	} else if (ci + 1 == g->n_comps && !vg_glob_has_wildcard(g->comps[ci])) {
		if (fstatat(fd, g->comps[ci], &st, AT_SYMLINK_NOFOLLOW) == 0)
			err = glob_emit(g, fd, g->comps[ci], IFTODT(st.st_mode));
		close(fd);
	} else {
		err = glob_readdir(g, fd, ci);
	}
out:
	path_truncate(&g->path, saved);
	return err;
}

/* The fast path: a pattern without wildcards is the path itself, if it exists. */
static int glob_literal(const char *path, unsigned flags, vg_glob_fn *fn, void *arg)
{
	struct vg_glob_hit hit;
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if ((flags & VG_GLOB_DIRS) && !S_ISDIR(st.st_mode) &&
	    (!S_ISLNK(st.st_mode) || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
		return 0;
	hit.path = path;
	hit.len = strlen(path);
	hit.dirfd = AT_FDCWD;
	hit.name = path;
	hit.d_type = IFTODT(st.st_mode);
	return fn(arg, &hit);
}

/* Splits @copy (modified) into g->comps; checks where `%%` and `..` stand. */
static int glob_parse(struct glob_ctx *g, char *copy, size_t len)
{
	char *save = NULL, *tok;
	bool wild = false;

	g->comps = calloc(len / 2 + 1, sizeof(*g->comps));
	if (!g->comps)
		return -ENOMEM;
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		g->comps[g->n_comps++] = tok;
	for (size_t i = 0; i < g->n_comps; i++) {
		/* ".." after a wildcard would walk back and match again: every
		 * such pair multiplies the walk, and means nothing more. */
		if (!strcmp(g->comps[i], "..") && wild)
			return -EINVAL;
		wild = wild || vg_glob_has_wildcard(g->comps[i]);
		if (strcmp(g->comps[i], "%%") != 0)
			continue;
		if (i + 1 != g->n_comps)
			return -EINVAL;
		g->recursive = true;
	}
	return 0;
}

int vg_glob(const char *pattern, unsigned flags, vg_glob_fn *fn, void *arg)
{
	struct glob_ctx g = { .fn = fn, .arg = arg, .path = VG_STRBUF_INIT };
	size_t len = strlen(pattern);
	char *copy = NULL;
	const char *last;
	int fd = -1, err;

	if (!vg_glob_has_wildcard(pattern))
		return len ? glob_literal(pattern, flags, fn, arg) : 0;
	copy = strdup(pattern);
	if (!copy)
		return -ENOMEM;
	err = glob_parse(&g, copy, len);
	if (err || !g.n_comps)
		goto out;
	/* A trailing slash asks for directories, shown with the slash (glob(3)). */
	last = g.comps[g.n_comps - 1];
	g.dirs_only = (flags & VG_GLOB_DIRS) || pattern[len - 1] == '/';
	g.mark =
	    pattern[len - 1] == '/' || ((flags & VG_GLOB_MARK) && last[strlen(last) - 1] == '%');
	fd = open(pattern[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (pattern[0] == '/')
		vg_strbuf_addch(&g.path, '/');
	err = glob_walk(&g, fd, 0); /* takes fd */
out:
	vg_strbuf_release(&g.path);
	free(g.comps);
	free(copy);
	return err;
}

int vg_glob_list(int at_fd, const char *name, const char *dir_text, unsigned flags, vg_glob_fn *fn,
		 void *arg)
{
	struct glob_ctx g = { .fn = fn, .arg = arg, .path = VG_STRBUF_INIT };
	struct dirent *de;
	DIR *d = NULL;
	int fd, err = 0;

	fd = openat(at_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		goto out;
	}
	fd = -1; /* owned by d */
	g.dirs_only = (flags & VG_GLOB_DIRS) != 0;
	vg_strbuf_addstr(&g.path, dir_text);
	while (!err && (de = readdir(d)))
		if (!is_dot(de->d_name))
			err = glob_emit(&g, dirfd(d), de->d_name, de->d_type);
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	vg_strbuf_release(&g.path);
	return err;
}
