// SPDX-License-Identifier: Apache-2.0
/*
 * glob.h - osquery path patterns (`path LIKE '/home/%/.ssh/%'`) expanded into
 * the paths that exist, for the file-reading tables (file, hash, ...).
 *
 * A pattern is a path whose components may hold SQL LIKE wildcards: `%` is
 * any run of characters and `_` one character, both within one component.
 * A last component of exactly `%%` means every descendant of the directory
 * before it (recursively, symlinked directories not followed, depth capped
 * at VG_GLOB_MAX_DEPTH). `%%` as any other whole component is invalid, and
 * so is `..` after a wildcard component. A wildcard crosses a symlink to a
 * directory, but never into a directory already on the path it walked.
 * Matching is case-sensitive and byte-exact (file systems are), and a `%`
 * also matches names starting with a dot.
 *
 * Thread: every call is self-contained; callbacks run on the caller's thread.
 */
#ifndef VIGIL_GLOB_H
#define VIGIL_GLOB_H

#include <stdbool.h>
#include <stddef.h>

struct vg_strbuf;

#define VG_GLOB_MAX_DEPTH   64
/* Directories one expansion may enter through wildcards (a backstop). */
#define VG_GLOB_MAX_ENTERED 200000

/* Flags for vg_glob() and vg_glob_list(). */
#define VG_GLOB_MARK                                                                    \
	(1u << 0)	       /* as glob(3)'s GLOB_MARK: a directory matched by a last \
				* component ending in `%` gets a trailing '/' */
#define VG_GLOB_DIRS (1u << 1) /* report directories (and links to them) only */

/* One path found; every pointer is callback-scoped. */
struct vg_glob_hit {
	const char *path;     /* the path as text (pattern prefix + names), NUL-terminated */
	size_t len;	      /* bytes in path */
	int dirfd;	      /* the directory holding the entry, or AT_FDCWD */
	const char *name;     /* the entry relative to dirfd (for fstatat/openat) */
	unsigned char d_type; /* DT_* from readdir, DT_UNKNOWN when not known */
};

/* Called once per path found. A non-zero return stops the walk and is returned. */
typedef int vg_glob_fn(void *arg, const struct vg_glob_hit *hit);

/* Whether @pattern holds a wildcard (`%` or `_`). */
bool vg_glob_has_wildcard(const char *pattern);

/*
 * Calls @fn for every existing path matching @pattern. A pattern without a
 * wildcard is only checked for existence (lstat) and reported as written.
 * Unreadable directories are skipped. Returns 0, -EINVAL for a misplaced
 * `%%` or `..`, -E2BIG past VG_GLOB_MAX_ENTERED directories, -ENOMEM, or
 * the callback's non-zero value.
 */
int vg_glob(const char *pattern, unsigned flags, vg_glob_fn *fn, void *arg);

/*
 * Calls @fn for every entry (but "." and "..") of the directory @name opened
 * relative to @at_fd (AT_FDCWD: the cwd), one level. Paths are @dir_text
 * joined with the entry name. Returns 0, -errno when the directory cannot be
 * opened, or the callback's non-zero value.
 */
int vg_glob_list(int at_fd, const char *name, const char *dir_text, unsigned flags, vg_glob_fn *fn,
		 void *arg);

/*
 * Rewrites a SQLite GLOB pattern as a LIKE pattern for vg_glob() whose
 * matches are a superset of the GLOB's: `*` becomes `%`, `?` and a `[...]`
 * class become `_`. Appends to @out.
 */
void vg_glob_from_sqlite(const char *glob, struct vg_strbuf *out);

/* Whether @name matches the one-component LIKE pattern @pat (case-sensitive). */
bool vg_glob_match(const char *pat, const char *name);

/*
 * Splits @path as osquery's `directory` and `filename` columns show it: the
 * parent directory ("/" for "/etc", "" for a bare name) goes into @dir
 * (replacing it), and *@name / *@name_len receive the last component
 * (trailing slashes ignored), pointing into @path.
 */
void vg_path_split(const char *path, struct vg_strbuf *dir, const char **name, size_t *name_len);

/*
 * Whether the directory texts @a and @b (@b_len bytes) are the same once
 * trailing slashes are dropped ("/etc/" and "/etc").
 */
bool vg_path_same_dir(const char *a, const char *b, size_t b_len);

#endif
