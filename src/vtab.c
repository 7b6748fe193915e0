// SPDX-License-Identifier: Apache-2.0
/*
 * vtab.c - one SQLite module for every declared table (include/vigil/table.h).
 *
 * HOW IT WORKS: each struct vg_table is registered as an eponymous virtual
 * table (xCreate NULL) whose pAux is the declaration. xConnect declares the
 * CREATE TABLE text built from the columns. xBestIndex picks the usable
 * constraints on INDEX/REQUIRED/ADDITIONAL/OPTIMIZED columns, prices the plan
 * from the column flags, and encodes it in idxStr (below). xFilter decodes the
 * plan, copies the constraint values (expanding IN lists that SQLite handed
 * over whole) into a struct vg_query, runs the generator once and then walks
 * the materialised rows.
 *
 * The plan, idxStr: "<colUsed as hex>" followed, for each argv[] entry in
 * order, by ",<column index><op>[i]" where <op> is one of = > g < l L G (EQ,
 * GT, GE, LT, LE, LIKE, GLOB) and a trailing 'i' means argv[k] is an IN list
 * to expand with sqlite3_vtab_in_first/next. idxNum is the argv count.
 *
 * Costs: `=`/IN on an INDEX column is a lookup (1 row); `=` on another
 * REQUIRED column, or LIKE/GLOB on a REQUIRED/INDEX column, is a bounded
 * listing; a range on an ADDITIONAL/INDEX column narrows a scan; otherwise
 * the table's own estimate. Nothing is omitted: SQLite re-checks every
 * constraint, so generators may return supersets.
 */
#include "vtab.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_internal.h"
#include "vigil/strbuf.h"

struct vt_table {
	sqlite3_vtab base;
	const struct vg_table *table;
};

struct vt_cursor {
	sqlite3_vtab_cursor base;
	struct vg_query q;
	size_t row;
	bool ready; /* q holds a generated result */
};

static const char *type_sql(enum vg_type t)
{
	switch (t) {
	case VG_TYPE_INTEGER:
		return "INTEGER";
	case VG_TYPE_BIGINT:
		return "BIGINT";
	case VG_TYPE_DOUBLE:
		return "DOUBLE";
	case VG_TYPE_TEXT:
		break;
	}
	return "TEXT";
}

char *vg_vtab_create_sql(const struct vg_table *t)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;

	vg_strbuf_addf(&sb, "CREATE TABLE %s(", t->name);
	for (size_t i = 0; i < t->n_columns; i++) {
		const struct vg_column *c = &t->columns[i];

		vg_strbuf_addf(&sb, "%s`%s` %s%s%s", i ? ", " : "", c->name, type_sql(c->type),
			       c->flags & VG_COL_NOCASE ? " COLLATE NOCASE" : "",
			       c->flags & VG_COL_HIDDEN ? " HIDDEN" : "");
	}
	vg_strbuf_addstr(&sb, ")");
	return vg_strbuf_detach(&sb, NULL);
}

static int vt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
		      char **err)
{
	const struct vg_table *t = aux;
	struct vt_table *vt = NULL;
	char *sql = NULL;
	int rc;

	(void)argc;
	(void)argv;
	sql = vg_vtab_create_sql(t);
	rc = sqlite3_declare_vtab(db, sql);
	if (rc != SQLITE_OK) {
		*err = sqlite3_mprintf("%s: cannot declare table: %s", t->name, sqlite3_errmsg(db));
		goto out;
	}
	if (t->flags & VG_TABLE_DIRECTONLY)
		sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
	else if (t->flags & VG_TABLE_INNOCUOUS)
		sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt) {
		rc = SQLITE_NOMEM;
		goto out;
	}
	memset(vt, 0, sizeof(*vt));
	vt->table = t;
	*out = &vt->base;
out:
	free(sql);
	return rc;
}

static int vt_disconnect(sqlite3_vtab *base)
{
	sqlite3_free(base);
	return SQLITE_OK;
}

char vg__vtab_op_letter(unsigned char op)
{
	switch (op) {
	case SQLITE_INDEX_CONSTRAINT_EQ:
		return '=';
	case SQLITE_INDEX_CONSTRAINT_GT:
		return '>';
	case SQLITE_INDEX_CONSTRAINT_GE:
		return 'g';
	case SQLITE_INDEX_CONSTRAINT_LT:
		return '<';
	case SQLITE_INDEX_CONSTRAINT_LE:
		return 'l';
	case SQLITE_INDEX_CONSTRAINT_LIKE:
		return 'L';
	case SQLITE_INDEX_CONSTRAINT_GLOB:
		return 'G';
	default:
		return 0;
	}
}

static bool letter_op(char l, enum vg_op *op)
{
	static const char letters[] = "=>g<lLG";
	const char *p = l ? strchr(letters, l) : NULL;

	if (!p)
		return false;
	*op = (enum vg_op)(p - letters);
	return true;
}

#define PUSHABLE (VG_COL_INDEX | VG_COL_REQUIRED | VG_COL_ADDITIONAL | VG_COL_OPTIMIZED)

/* Sets the "T: a X or Y constraint is required" message on @vt. */
static void set_required_error(struct vt_table *vt)
{
	const struct vg_table *t = vt->table;
	struct vg_strbuf sb = VG_STRBUF_INIT;
	size_t n = 0;

	vg_strbuf_addf(&sb, "%s: a ", t->name);
	for (size_t i = 0; i < t->n_columns; i++) {
		if (!(t->columns[i].flags & VG_COL_REQUIRED))
			continue;
		vg_strbuf_addf(&sb, "%s%s", n++ ? " or " : "", t->columns[i].name);
	}
	vg_strbuf_addstr(&sb, " constraint is required");
	sqlite3_free(vt->base.zErrMsg);
	vt->base.zErrMsg = sqlite3_mprintf("%s", sb.buf);
	vg_strbuf_release(&sb);
}

static int vt_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct vt_table *vt = (struct vt_table *)base;
	const struct vg_table *t = vt->table;
	struct vg_strbuf plan = VG_STRBUF_INIT;
	bool has_required = false, required_usable = false, required_seen = false;
	bool lookup = false, listing = false, range = false, narrowed = false;
	double rows = t->est_rows > 0 ? t->est_rows : 100;
	double cost = t->est_cost > 0 ? t->est_cost : rows * 10;
	int argc = 0;

	for (size_t i = 0; i < t->n_columns; i++)
		has_required |= (t->columns[i].flags & VG_COL_REQUIRED) != 0;

	vg_strbuf_addf(&plan, "%" PRIx64, (uint64_t)info->colUsed);
	for (int i = 0; i < info->nConstraint; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		unsigned flags;
		char l;

		if (c->iColumn < 0 || (size_t)c->iColumn >= t->n_columns)
			continue;
		flags = t->columns[c->iColumn].flags;
		l = vg__vtab_op_letter(c->op);
		if (!(flags & PUSHABLE) || !l)
			continue;
		if (flags & VG_COL_REQUIRED)
			required_seen = true;
		if (!c->usable)
			continue;
		info->aConstraintUsage[i].argvIndex = ++argc;
		info->aConstraintUsage[i].omit = 0;
		vg_strbuf_addf(&plan, ",%d%c", c->iColumn, l);
		if (l == '=' && (flags & (VG_COL_INDEX | VG_COL_OPTIMIZED)) &&
		    sqlite3_vtab_in(info, i, -1) && sqlite3_vtab_in(info, i, 1))
			vg_strbuf_addch(&plan, 'i');
		if (flags & VG_COL_REQUIRED)
			required_usable = true;
		if (l == '=' && (flags & VG_COL_INDEX))
			lookup = true;
		else if (l == '=' && (flags & VG_COL_REQUIRED))
			listing = true;
		else if ((l == 'L' || l == 'G') && (flags & (VG_COL_REQUIRED | VG_COL_INDEX)))
			listing = true;
		else if (l != '=' && l != 'L' && l != 'G')
			range = true;
		else
			narrowed = true;
	}

	if (has_required && !required_usable) {
		vg_strbuf_release(&plan);
		if (required_seen)
			return SQLITE_CONSTRAINT; /* usable in another join order */
		set_required_error(vt);
		return SQLITE_ERROR;
	}
	if (lookup) {
		rows = 1;
		cost = 10;
	} else if (listing) {
		rows = rows < 100 ? rows : 100;
		cost = rows * 10;
	} else if (range) {
		rows /= 4;
		cost /= 4;
	} else if (narrowed) {
		rows /= 2;
		cost /= 2;
	}
	info->estimatedRows = (sqlite3_int64)(rows < 1 ? 1 : rows);
	info->estimatedCost = cost < 1 ? 1 : cost;
	info->idxNum = argc;
	info->idxStr = sqlite3_mprintf("%s", plan.buf);
	info->needToFreeIdxStr = 1;
	vg_strbuf_release(&plan);
	return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

static int vt_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct vt_cursor *cur = sqlite3_malloc(sizeof(*cur));

	(void)base;
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	*out = &cur->base;
	return SQLITE_OK;
}

/* Shared by filter and close: drops the previous result. */
static void vt_reset(struct vt_cursor *cur)
{
	if (cur->ready)
		vg__query_release(&cur->q);
	cur->ready = false;
	cur->row = 0;
}

static int vt_close(sqlite3_vtab_cursor *base)
{
	struct vt_cursor *cur = (struct vt_cursor *)base;

	vt_reset(cur);
	sqlite3_free(cur);
	return SQLITE_OK;
}

static int add_value(struct vg_query *q, int col, enum vg_op op, sqlite3_value *v)
{
	const unsigned char *text;
	int type = sqlite3_value_type(v);

	if (type == SQLITE_NULL)
		return vg__query_add(q, col, op, true, 0, 0, NULL, 0);
	text = sqlite3_value_text(v);
	if (!text)
		return -ENOMEM;
	return vg__query_add(q, col, op, false, sqlite3_value_int64(v), sqlite3_value_double(v),
			     (const char *)text, (size_t)sqlite3_value_bytes(v));
}

/*
 * Decodes the plan (see the file header) into constraints on @q. Sets
 * *@none when a constraint compares with NULL (outside an IN list), which no
 * row can satisfy.
 */
static int load_plan(struct vg_query *q, const char *plan, int argc, sqlite3_value **argv,
		     bool *none)
{
	const char *p = strchr(plan, ',');
	int k = 0, err;

	while (p && *p == ',') {
		char *end;
		long col = strtol(p + 1, &end, 10);
		enum vg_op op;
		bool in_list = false;

		if (end == p + 1 || !letter_op(*end, &op) || k >= argc)
			return -EINVAL;
		p = end + 1;
		if (*p == 'i') {
			in_list = true;
			p++;
		}
		if (in_list) {
			sqlite3_value *v = NULL;
			int rc;

			for (rc = sqlite3_vtab_in_first(argv[k], &v); rc == SQLITE_OK && v;
			     rc = sqlite3_vtab_in_next(argv[k], &v)) {
				err = add_value(q, (int)col, op, v);
				if (err)
					return err;
			}
			if (rc != SQLITE_OK && rc != SQLITE_DONE)
				return -ENOMEM;
		} else {
			*none |= sqlite3_value_type(argv[k]) == SQLITE_NULL;
			err = add_value(q, (int)col, op, argv[k]);
			if (err)
				return err;
		}
		k++;
	}
	return 0;
}

static int vt_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct vt_cursor *cur = (struct vt_cursor *)base;
	struct vt_table *vt = (struct vt_table *)base->pVtab;
	uint64_t col_used = idx_str ? strtoull(idx_str, NULL, 16) : UINT64_MAX;
	bool none = false;
	int err;

	(void)idx_num;
	vt_reset(cur);
	vg__query_init(&cur->q, vt->table, col_used);
	cur->ready = true;
	err = idx_str ? load_plan(&cur->q, idx_str, argc, argv, &none) : 0;
	if (err == -ENOMEM || cur->q.oom)
		return SQLITE_NOMEM;
	if (err) {
		vt->base.zErrMsg = sqlite3_mprintf("%s: bad query plan", vt->table->name);
		return SQLITE_ERROR;
	}
	if (none) /* `x = NULL` and the like are never true: no need to look */
		return SQLITE_OK;
	err = vt->table->generate(&cur->q);
	vg_row_end(&cur->q);
	if (cur->q.oom)
		return SQLITE_NOMEM;
	if (err < 0) {
		sqlite3_free(vt->base.zErrMsg);
		if (cur->q.error)
			vt->base.zErrMsg = sqlite3_mprintf("%s", cur->q.error);
		else
			vt->base.zErrMsg =
			    sqlite3_mprintf("%s: %s", vt->table->name, strerror(-err));
		return SQLITE_ERROR;
	}
	return SQLITE_OK;
}

static int vt_next(sqlite3_vtab_cursor *base)
{
	struct vt_cursor *cur = (struct vt_cursor *)base;

	cur->row++;
	return SQLITE_OK;
}

static int vt_eof(sqlite3_vtab_cursor *base)
{
	struct vt_cursor *cur = (struct vt_cursor *)base;

	return !cur->ready || cur->row >= cur->q.n_rows;
}

static int vt_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col)
{
	struct vt_cursor *cur = (struct vt_cursor *)base;
	const struct vg_cell *c;

	if (col < 0 || (size_t)col >= cur->q.table->n_columns)
		return SQLITE_RANGE;
	c = vg__query_cell(&cur->q, cur->row, col);
	switch (c->type) {
	case VG_CELL_INT:
		sqlite3_result_int64(ctx, c->v.i);
		break;
	case VG_CELL_DOUBLE:
		sqlite3_result_double(ctx, c->v.d);
		break;
	case VG_CELL_TEXT:
		sqlite3_result_text(ctx, c->v.s, (int)c->len, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_result_null(ctx);
		break;
	}
	return SQLITE_OK;
}

static int vt_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	struct vt_cursor *cur = (struct vt_cursor *)base;

	*rowid = (sqlite3_int64)cur->row;
	return SQLITE_OK;
}

static const sqlite3_module vt_module = {
	.iVersion = 2,
	.xCreate = NULL, /* eponymous only */
	.xConnect = vt_connect,
	.xBestIndex = vt_best_index,
	.xDisconnect = vt_disconnect,
	.xDestroy = vt_disconnect,
	.xOpen = vt_open,
	.xClose = vt_close,
	.xFilter = vt_filter,
	.xNext = vt_next,
	.xEof = vt_eof,
	.xColumn = vt_column,
	.xRowid = vt_rowid,
};

int vg_vtab_register(sqlite3 *db, const struct vg_table *t)
{
	if (t->flags & VG_TABLE_EVENT)
		return vg__event_vtab_register(db, t);
	return sqlite3_create_module_v2(db, t->name, &vt_module, (void *)(uintptr_t)t, NULL);
}
