// SPDX-License-Identifier: Apache-2.0
/*
 * pathq.c - path and directory constraints of file-reading tables (see
 * pathq.h): equality values first, then directory listings, then LIKE and
 * GLOB patterns (GLOB rewritten as a LIKE superset; SQLite re-checks).
 */
#include "pathq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "glob.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

struct walk {
	struct vg_query *q;
	vg_path_entry_fn *fn;
	void *arg;
	const char *dir_text; /* the directory being listed, or NULL */
};

static int walk_hit(void *arg, const struct vg_glob_hit *hit)
{
	struct walk *w = arg;
	struct vg_path_entry e = {
		.dirfd = hit->dirfd,
		.name = hit->name,
		.d_type = hit->d_type,
		.path = hit->path,
		.len = hit->len,
		.dir_text = w->dir_text,
	};

	return w->fn(w->arg, &e);
}

/* Lists a directory found by a `directory LIKE` pattern. */
static int walk_dir_hit(void *arg, const struct vg_glob_hit *hit)
{
	struct walk *w = arg;
	int err;

	w->dir_text = hit->path;
	err = vg_glob_list(hit->dirfd, hit->name, hit->path, 0, walk_hit, w);
	w->dir_text = NULL;
	return err > 0 ? err : 0; /* an unreadable directory lists nothing */
}

/* Whether `path` has a constraint that produces rows (=, IN, LIKE, GLOB). */
static bool has_path(const struct vg_query *q, int path_col)
{
	size_t n;
	const struct vg_constraint *c = vg_query_constraints(q, &n);

	for (size_t i = 0; i < n; i++)
		if (c[i].col == path_col &&
		    (c[i].op == VG_OP_EQ || c[i].op == VG_OP_LIKE || c[i].op == VG_OP_GLOB))
			return true;
	return false;
}

/* Expands one LIKE or GLOB pattern on a path (@is_dir false) or directory column. */
static int walk_pattern(struct walk *w, const char *table, bool is_dir, unsigned glob_flags,
			const struct vg_constraint *c)
{
	struct vg_strbuf like = VG_STRBUF_INIT;
	const char *pattern = c->text;
	int err;

	if (c->op == VG_OP_GLOB) {
		vg_glob_from_sqlite(c->text, &like);
		pattern = like.buf;
	}
	if (is_dir)
		err = vg_glob(pattern, VG_GLOB_DIRS, walk_dir_hit, w);
	else
		err = vg_glob(pattern, glob_flags, walk_hit, w);
	if (err == -EINVAL)
		err = vg_query_error(w->q,
				     "%s: '%%%%' is only allowed as the last component, and '..' "
				     "not after a wildcard: %s",
				     table, c->text);
	else if (err == -E2BIG)
		err = vg_query_error(
		    w->q, "%s: the pattern reaches more than %d directories; narrow it: %s", table,
		    VG_GLOB_MAX_ENTERED, c->text);
	vg_strbuf_release(&like);
	return err;
}

int vg_path_query(struct vg_query *q, const char *table, int path_col, int dir_col,
		  unsigned glob_flags, vg_path_entry_fn *fn, void *arg)
{
	struct walk w = { .q = q, .fn = fn, .arg = arg };
	const int cols[] = { path_col, dir_col };
	const struct vg_constraint *c;
	size_t pos, n_cols;
	const char *v;
	int err = 0;

	for (pos = 0; !err && (v = vg_query_next_eq(q, path_col, &pos));) {
		struct vg_path_entry e = {
			.dirfd = AT_FDCWD,
			.name = v,
			.d_type = DT_UNKNOWN,
			.path = v,
			.len = strlen(v),
		};

		err = fn(arg, &e);
	}
	/* Rows SQLite keeps match the path constraint: listing would only duplicate them. */
	n_cols = has_path(q, path_col) ? 1 : 2;
	for (pos = 0; !err && n_cols == 2 && (v = vg_query_next_eq(q, dir_col, &pos));) {
		w.dir_text = v;
		err = vg_glob_list(AT_FDCWD, v, v, 0, walk_hit, &w);
		w.dir_text = NULL;
		if (err < 0) /* a directory that cannot be listed gives no rows */
			err = 0;
	}
	for (size_t i = 0; i < n_cols && !err; i++) {
		for (pos = 0; !err && (c = vg_query_next_op(q, cols[i], VG_OP_LIKE, &pos));)
			err = walk_pattern(&w, table, i == 1, glob_flags, c);
		for (pos = 0; !err && (c = vg_query_next_op(q, cols[i], VG_OP_GLOB, &pos));)
			err = walk_pattern(&w, table, i == 1, glob_flags, c);
	}
	return err;
}

void vg_path_row_directory(struct vg_query *q, int dir_col, const char *path,
			   struct vg_strbuf *scratch, const char **base, size_t *base_len)
{
	const char *v;
	size_t pos = 0;

	vg_path_split(path, scratch, base, base_len);
	while ((v = vg_query_next_eq(q, dir_col, &pos))) {
		if (vg_path_same_dir(v, scratch->buf, scratch->len)) {
			vg_row_text(q, dir_col, v);
			return;
		}
	}
	vg_row_textn(q, dir_col, scratch->buf, scratch->len);
}
