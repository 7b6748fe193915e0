// SPDX-License-Identifier: Apache-2.0
/*
 * query.c - the generator side of a table query: constraints in, rows out.
 *
 * HOW IT WORKS: rows are stored row-major as fixed-size cells (one per
 * declared column) in one growing array; text lives in a chunked arena that
 * is freed at once when the query is released, so emitting a row costs a
 * memcpy per string and no per-row allocation. Allocation failure sets a
 * sticky flag that vtab.c turns into SQLITE_NOMEM after generate() returns,
 * so generators need not check every call.
 *
 * LIMITS: a whole result set is held in memory (as osquery's generators do);
 * streaming tables (the event store) use their own cursor.
 */
#include "query_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_BYTES (64u * 1024u)

struct vg_arena_chunk {
	struct vg_arena_chunk *next;
	size_t used, size;
	char data[];
};

void vg__query_init(struct vg_query *q, const struct vg_table *table, uint64_t col_used)
{
	memset(q, 0, sizeof(*q));
	q->table = table;
	q->col_used = col_used;
}

void vg__query_release(struct vg_query *q)
{
	struct vg_arena_chunk *c = q->arena;

	while (c) {
		struct vg_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(q->cons);
	free(q->cells);
	free(q->error);
	memset(q, 0, sizeof(*q));
}

char *vg__query_strdup(struct vg_query *q, const char *s, size_t len)
{
	struct vg_arena_chunk *c = q->arena;
	char *p;

	if (len >= SIZE_MAX / 2) {
		q->oom = true;
		return NULL;
	}
	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > ARENA_CHUNK_BYTES ? len + 1 : ARENA_CHUNK_BYTES;
		struct vg_arena_chunk *n = malloc(sizeof(*n) + size);

		if (!n) {
			q->oom = true;
			return NULL;
		}
		n->used = 0;
		n->size = size;
		/* A dedicated chunk for a big string goes behind the current one,
		 * which keeps its free space for the small strings that follow. */
		if (c && size > ARENA_CHUNK_BYTES) {
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			q->arena = n;
		}
		c = n;
	}
	p = c->data + c->used;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

int vg__query_add(struct vg_query *q, int col, enum vg_op op, bool is_null, int64_t i, double d,
		  const char *text, size_t len)
{
	struct vg_constraint *c;

	if (q->n_cons == q->alloc_cons) {
		size_t n = q->alloc_cons ? q->alloc_cons * 2 : 8;
		struct vg_constraint *p = realloc(q->cons, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		q->cons = p;
		q->alloc_cons = n;
	}
	c = &q->cons[q->n_cons];
	c->col = col;
	c->op = op;
	c->is_null = is_null;
	c->i = i;
	c->d = d;
	c->text = vg__query_strdup(q, text ? text : "", text ? len : 0);
	c->len = text ? len : 0;
	if (!c->text)
		return -ENOMEM;
	q->n_cons++;
	return 0;
}

const struct vg_cell *vg__query_cell(const struct vg_query *q, size_t row, int col)
{
	return &q->cells[row * q->table->n_columns + (size_t)col];
}

const struct vg_constraint *vg_query_constraints(const struct vg_query *q, size_t *n)
{
	*n = q->n_cons;
	return q->cons;
}

bool vg_query_has(const struct vg_query *q, int col)
{
	for (size_t i = 0; i < q->n_cons; i++)
		if (q->cons[i].col == col)
			return true;
	return false;
}

const struct vg_constraint *vg_query_next_op(const struct vg_query *q, int col, enum vg_op op,
					     size_t *pos)
{
	while (*pos < q->n_cons) {
		const struct vg_constraint *c = &q->cons[(*pos)++];

		if (c->col == col && c->op == op && !c->is_null)
			return c;
	}
	return NULL;
}

const char *vg_query_next_eq(const struct vg_query *q, int col, size_t *pos)
{
	const struct vg_constraint *c = vg_query_next_op(q, col, VG_OP_EQ, pos);

	return c ? c->text : NULL;
}

bool vg_query_col_used(const struct vg_query *q, int col)
{
	if (col < 0)
		return false;
	if (col >= 63)
		return q->col_used & (UINT64_C(1) << 63);
	return q->col_used & (UINT64_C(1) << col);
}

const struct vg_table *vg_query_table(const struct vg_query *q)
{
	return q->table;
}

int vg_query_error(struct vg_query *q, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		q->oom = true;
		return -ENOMEM;
	}
	free(q->error);
	q->error = msg;
	return -EINVAL;
}

size_t vg_query_n_rows(const struct vg_query *q)
{
	return q->n_rows;
}

void vg_row_begin(struct vg_query *q)
{
	size_t ncol = q->table->n_columns;

	if (q->in_row)
		vg_row_end(q);
	if (q->n_rows == q->alloc_rows) {
		size_t n = q->alloc_rows ? q->alloc_rows * 2 : 16;
		struct vg_cell *p;

		if (n > SIZE_MAX / ncol / sizeof(*p)) {
			q->oom = true;
			return;
		}
		p = realloc(q->cells, n * ncol * sizeof(*p));
		if (!p) {
			q->oom = true;
			return;
		}
		q->cells = p;
		q->alloc_rows = n;
	}
	memset(&q->cells[q->n_rows * ncol], 0, ncol * sizeof(struct vg_cell));
	q->in_row = true;
}

void vg_row_end(struct vg_query *q)
{
	if (!q->in_row)
		return;
	q->in_row = false;
	q->n_rows++;
}

/* The cell being written, or NULL if the column is unused or out of range. */
static struct vg_cell *row_cell(struct vg_query *q, int col)
{
	if (!q->in_row || col < 0 || (size_t)col >= q->table->n_columns)
		return NULL;
	if (!vg_query_col_used(q, col))
		return NULL;
	return &q->cells[q->n_rows * q->table->n_columns + (size_t)col];
}

void vg_row_int(struct vg_query *q, int col, int64_t v)
{
	struct vg_cell *c = row_cell(q, col);

	if (!c)
		return;
	c->type = VG_CELL_INT;
	c->v.i = v;
}

void vg_row_double(struct vg_query *q, int col, double v)
{
	struct vg_cell *c = row_cell(q, col);

	if (!c)
		return;
	c->type = VG_CELL_DOUBLE;
	c->v.d = v;
}

void vg_row_textn(struct vg_query *q, int col, const char *s, size_t len)
{
	struct vg_cell *c = row_cell(q, col);
	char *p;

	if (!c)
		return;
	if (!s) {
		c->type = VG_CELL_NULL;
		return;
	}
	if (len > UINT32_MAX) {
		q->oom = true;
		return;
	}
	p = vg__query_strdup(q, s, len);
	if (!p)
		return;
	c->type = VG_CELL_TEXT;
	c->len = (uint32_t)len;
	c->v.s = p;
}

void vg_row_text(struct vg_query *q, int col, const char *s)
{
	vg_row_textn(q, col, s, s ? strlen(s) : 0);
}

void vg_row_textf(struct vg_query *q, int col, const char *fmt, ...)
{
	char small[256];
	char *big = NULL;
	va_list ap;
	int n;

	if (!row_cell(q, col))
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		q->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		vg_row_textn(q, col, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		q->oom = true;
		return;
	}
	vg_row_textn(q, col, big, (size_t)n);
	free(big);
}

void vg_row_null(struct vg_query *q, int col)
{
	struct vg_cell *c = row_cell(q, col);

	if (c)
		c->type = VG_CELL_NULL;
}
