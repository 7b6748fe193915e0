// SPDX-License-Identifier: Apache-2.0
/*
 * query_internal.h - the row set behind struct vg_query, shared by query.c
 * (which fills it for generators) and vtab.c (which reads it for SQLite).
 * Only those two files and their tests include it.
 */
#ifndef VIGIL_QUERY_INTERNAL_H
#define VIGIL_QUERY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/table.h"

enum vg_cell_type {
	VG_CELL_NULL = 0,
	VG_CELL_INT,
	VG_CELL_DOUBLE,
	VG_CELL_TEXT,
};

struct vg_cell {
	uint8_t type; /* enum vg_cell_type */
	uint32_t len; /* bytes of text */
	union {
		int64_t i;
		double d;
		const char *s; /* in the query's arena, NUL-terminated */
	} v;
};

struct vg_arena_chunk;

struct vg_query {
	const struct vg_table *table;
	struct vg_constraint *cons;
	size_t n_cons, alloc_cons;
	uint64_t col_used;     /* bit i: column i is read; bit 63: columns 63 and up */
	struct vg_cell *cells; /* n_rows * n_columns, row-major */
	size_t n_rows, alloc_rows;
	bool in_row;
	bool oom;
	struct vg_arena_chunk *arena;
	char *error; /* heap, set by vg_query_error() */
};

/* Prepares @q for @table; @col_used as in sqlite3_index_info.colUsed. */
void vg__query_init(struct vg_query *q, const struct vg_table *table, uint64_t col_used);
/* Frees rows, constraints, arena and error; @q can be initialised again. */
void vg__query_release(struct vg_query *q);
/* Adds a constraint; the value is copied. Returns 0 or -ENOMEM. */
int vg__query_add(struct vg_query *q, int col, enum vg_op op, bool is_null, int64_t i, double d,
		  const char *text, size_t len);
/* The cell of (@row, @col). */
const struct vg_cell *vg__query_cell(const struct vg_query *q, size_t row, int col);
/* Copies @len bytes plus a NUL into the arena; NULL on allocation failure. */
char *vg__query_strdup(struct vg_query *q, const char *s, size_t len);

#endif
