// SPDX-License-Identifier: Apache-2.0
/*
 * pathq.h - the `path` and `directory` constraints of the file-reading
 * tables (file, hash; yara later), walked in one place: each `path =` value,
 * the entries of each `directory =` value, and every match of a LIKE or GLOB
 * pattern on either (see glob.h), each handed to one callback.
 *
 * Thread: as the query's; callbacks run on the caller's thread.
 */
#ifndef VIGIL_PATHQ_H
#define VIGIL_PATHQ_H

#include <stddef.h>

struct vg_query;
struct vg_strbuf;

/* One entry to make a row of; every pointer is callback-scoped. */
struct vg_path_entry {
	int dirfd;	      /* directory holding it, or AT_FDCWD */
	const char *name;     /* relative to dirfd */
	unsigned char d_type; /* DT_*, DT_UNKNOWN when not known */
	const char *path;     /* the path as the row shows it */
	size_t len;	      /* bytes of path */
	const char *dir_text; /* the listed directory as the constraint wrote it, or NULL */
};

typedef int vg_path_entry_fn(void *arg, const struct vg_path_entry *e);

/*
 * Calls @fn for every entry the constraints on @path_col and @dir_col of @q
 * name. @glob_flags go to path patterns (VG_GLOB_MARK for `file`). When
 * `path` is constrained, `directory` only filters (SQLite keeps the rows
 * whose directory matches), so it is not listed as well. Returns 0, a
 * callback's non-zero value, or -EINVAL after setting "@table: '%%' is only
 * allowed as the last component: PATTERN" as the query's error.
 */
int vg_path_query(struct vg_query *q, const char *table, int path_col, int dir_col,
		  unsigned glob_flags, vg_path_entry_fn *fn, void *arg);

/*
 * Sets @dir_col of the current row to the parent of @path, spelled as a
 * `directory =` constraint spells it when they name the same directory, so
 * `directory = '/etc/' AND path = '/etc/passwd'` keeps its row. @scratch is
 * reused between calls; *@base and *@base_len receive the last component.
 */
void vg_path_row_directory(struct vg_query *q, int dir_col, const char *path,
			   struct vg_strbuf *scratch, const char **base, size_t *base_len);

#endif
