// SPDX-License-Identifier: Apache-2.0
/*
 * table.h - declared SQL tables.
 *
 * A table is declared once, as a const struct vg_table: its name, a const
 * array of columns (name, type, flags, description) and a generate function.
 * src/vtab.c turns the declaration into an eponymous SQLite virtual table:
 * the CREATE TABLE text, constraint pushdown (xBestIndex) and costs all come
 * from the column flags, so a table file holds only its schema and the code
 * that produces rows.
 *
 * HOW A QUERY RUNS: SQLite plans with the constraints it could push down; the
 * usable ones on INDEX/REQUIRED/ADDITIONAL/OPTIMIZED columns reach generate()
 * through struct vg_query, which the generator reads with vg_query_*() and
 * answers by emitting rows with vg_row_*(). SQLite re-checks every constraint
 * on the rows (none is omitted), so a generator may return a superset: it
 * narrows its work with the constraints, never has to filter exactly.
 *
 * Thread: a query and its rows belong to the thread running the statement.
 */
#ifndef VIGIL_TABLE_H
#define VIGIL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_type {
	VG_TYPE_TEXT = 0,
	VG_TYPE_INTEGER,
	VG_TYPE_BIGINT,
	VG_TYPE_DOUBLE,
};

/* Column flags: osquery's spec attributes. */
#define VG_COL_HIDDEN	  (1u << 0) /* not in SELECT * */
#define VG_COL_REQUIRED	  (1u << 1) /* a query must constrain one REQUIRED column */
#define VG_COL_INDEX	  (1u << 2) /* `=`/IN on it is cheap: the planner drives lookups by it */
#define VG_COL_ADDITIONAL (1u << 3) /* constraints reach the generator (not an index) */
#define VG_COL_OPTIMIZED  (1u << 4) /* the generator takes IN lists whole */
#define VG_COL_NOCASE	  (1u << 5) /* COLLATE NOCASE */

struct vg_column {
	const char *name;
	enum vg_type type;
	unsigned flags; /* VG_COL_* */
	const char *description;
};

/* Table flags. */
#define VG_TABLE_DIRECTONLY (1u << 0) /* reads files or the host: no use from schema objects */
#define VG_TABLE_INNOCUOUS  (1u << 1) /* pure: safe anywhere */
#define VG_TABLE_EVENT	    (1u << 2) /* rows come from an event store, not generate() */

/* Constraint operators pushed to a generator. */
enum vg_op {
	VG_OP_EQ = 0,
	VG_OP_GT,
	VG_OP_GE,
	VG_OP_LT,
	VG_OP_LE,
	VG_OP_LIKE,
	VG_OP_GLOB,
};

/* One pushed-down constraint; its value is borrowed for the generate() call. */
struct vg_constraint {
	int col; /* index into the table's columns */
	enum vg_op op;
	bool is_null;	  /* the value is SQL NULL: such a constraint matches nothing */
	int64_t i;	  /* the value as an integer (0 when not numeric) */
	double d;	  /* the value as a real */
	const char *text; /* the value as text, NUL-terminated; "" when NULL */
	size_t len;	  /* bytes in text */
};

struct vg_query; /* opaque: the constraints in, the rows out */

/*
 * Produces the table's rows for @q. Returns 0, or a negative errno after
 * setting a message with vg_query_error() (the statement then fails with it).
 */
typedef int vg_generate_fn(struct vg_query *q);

struct vg_table {
	const char *name;
	const char *description;
	const struct vg_column *columns;
	size_t n_columns;
	unsigned flags;	 /* VG_TABLE_* */
	double est_rows; /* rows of an unconstrained generate (planner), default 100 */
	double est_cost; /* cost of an unconstrained generate, default est_rows * 10 */
	vg_generate_fn *generate;
	/*
	 * Event tables only: read the rows of another event table's store (a
	 * second face of the same events, such as osquery's old names). Columns
	 * take the source column of the same name, or of the name @renames
	 * gives ({ "column", "source" } pairs, ending with NULLs); others are NULL.
	 */
	const char *rows_of;
	const char *const (*renames)[2];
};

#define VG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading constraints (generator side) ---- */

/* All constraints of @q, in no particular order; *@n receives their count. */
const struct vg_constraint *vg_query_constraints(const struct vg_query *q, size_t *n);

/* Whether any constraint names column @col (with any operator). */
bool vg_query_has(const struct vg_query *q, int col);

/*
 * Iterates the `=` (and IN) values of @col as text: start with *@pos = 0 and
 * call until it returns NULL. A NULL-valued `=` is skipped (it matches nothing).
 */
const char *vg_query_next_eq(const struct vg_query *q, int col, size_t *pos);

/* As vg_query_next_eq() for @op. */
const struct vg_constraint *vg_query_next_op(const struct vg_query *q, int col, enum vg_op op,
					     size_t *pos);

/*
 * Whether the statement reads column @col. Generators skip costly columns that
 * are not used (vg_row_*() ignore them anyway).
 */
bool vg_query_col_used(const struct vg_query *q, int col);

/* The table being generated. */
const struct vg_table *vg_query_table(const struct vg_query *q);

/* Sets the statement's error message (printf format); returns -EINVAL for convenience. */
int vg_query_error(struct vg_query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- emitting rows (generator side) ---- */

/*
 * vg_row_begin() opens a row; set columns by index with vg_row_*(), then close
 * it with vg_row_end(). Columns not set are NULL. Strings are copied. These
 * only fail on allocation failure, which is checked once at the end of the
 * query, so generators need not check each call.
 */
void vg_row_begin(struct vg_query *q);
void vg_row_int(struct vg_query *q, int col, int64_t v);
void vg_row_double(struct vg_query *q, int col, double v);
void vg_row_text(struct vg_query *q, int col, const char *s);
void vg_row_textn(struct vg_query *q, int col, const char *s, size_t len);
void vg_row_textf(struct vg_query *q, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vg_row_null(struct vg_query *q, int col);
void vg_row_end(struct vg_query *q);

/* Number of rows emitted so far. */
size_t vg_query_n_rows(const struct vg_query *q);

/* ---- the registry ---- */

/* All declared tables, in name order; *@n receives the count. */
const struct vg_table *const *vg_registry_tables(size_t *n);

/* The table named @name, or NULL. */
const struct vg_table *vg_registry_find(const char *name);

#endif
