// SPDX-License-Identifier: Apache-2.0
/*
 * event_vtab.c - the SQLite module of event tables: rows streamed from the
 * table's event store (include/vigil/events.h), never materialised.
 *
 * HOW IT WORKS: xBestIndex takes the `=`, `>`, `>=`, `<`, `<=` constraints on
 * eid, time and time_ns (and omits them: the store applies them exactly),
 * xFilter turns them into store bounds (time in seconds becomes a
 * nanosecond range), opens a snapshot scan, and each row's columns are
 * decoded only when SQLite asks for them. The plan, idxStr: one pair of
 * characters per argv entry, the column ('e' eid, 't' time, 'n' time_ns)
 * and the operator (= > g < l, as in vtab.c).
 *
 * `eid` is osquery's hidden TEXT column; its constraints compare as numbers
 * (eid > 100 means the eids after 100, not a text comparison).
 *
 * Scheduled runs (vg_events_query_begin()) without a time constraint read
 * from their cursor on and record what their snapshot covered.
 */
#include "vtab.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/events.h"
#include "vigil/log.h"
#include "vigil/store.h"
#include "vigil/table.h"

#define NS_PER_S 1000000000LL

struct ev_table {
	sqlite3_vtab base;
	const struct vg_table *table;
	int eid_col, time_col, time_ns_col;
	int *payload; /* column -> payload index, -1 for eid/time/time_ns */
	bool warned;  /* "events are disabled" said once */
};

struct ev_cursor {
	sqlite3_vtab_cursor base;
	struct vg_store_scan *scan;
	bool eof;
};

/* The source column name of column @name of @t (its rename, or itself). */
static const char *source_name(const struct vg_table *t, const char *name)
{
	for (size_t i = 0; t->renames && t->renames[i][0]; i++)
		if (!strcmp(t->renames[i][0], name))
			return t->renames[i][1];
	return name;
}

/* Payload index of column @name in event table @source, or -2 (always NULL). */
static int source_payload(const char *source, const char *name)
{
	const struct vg_table *src = vg_registry_find(source);
	int k = 0;

	for (size_t i = 0; src && i < src->n_columns; i++) {
		const char *c = src->columns[i].name;

		if (!strcmp(c, "eid") || !strcmp(c, "time") || !strcmp(c, "time_ns"))
			continue;
		if (!strcmp(c, name))
			return k;
		k++;
	}
	return -2;
}

/* The store rows come from: the table's own, or its source's. */
static struct vg_store *table_store(const struct vg_table *t)
{
	return vg_events_store(t->rows_of ? t->rows_of : t->name);
}

static int ev_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
		      char **err)
{
	const struct vg_table *t = aux;
	struct ev_table *vt = NULL;
	char *sql = vg_vtab_create_sql(t);
	int rc, k = 0;

	(void)argc;
	(void)argv;
	rc = sqlite3_declare_vtab(db, sql);
	free(sql);
	if (rc != SQLITE_OK) {
		*err = sqlite3_mprintf("%s: cannot declare table: %s", t->name, sqlite3_errmsg(db));
		return rc;
	}
	sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
	vt = sqlite3_malloc(sizeof(*vt));
	if (!vt)
		return SQLITE_NOMEM;
	memset(vt, 0, sizeof(*vt));
	vt->payload = sqlite3_malloc((int)(t->n_columns * sizeof(int)));
	if (!vt->payload) {
		sqlite3_free(vt);
		return SQLITE_NOMEM;
	}
	vt->table = t;
	vt->eid_col = vt->time_col = vt->time_ns_col = -1;
	for (size_t i = 0; i < t->n_columns; i++) {
		const char *name = source_name(t, t->columns[i].name);

		vt->payload[i] = -1;
		if (!strcmp(name, "eid"))
			vt->eid_col = (int)i;
		else if (!strcmp(name, "time"))
			vt->time_col = (int)i;
		else if (!strcmp(name, "time_ns"))
			vt->time_ns_col = (int)i;
		else if (t->rows_of)
			vt->payload[i] = source_payload(t->rows_of, name);
		else
			vt->payload[i] = k++;
	}
	*out = &vt->base;
	return SQLITE_OK;
}

static int ev_disconnect(sqlite3_vtab *base)
{
	struct ev_table *vt = (struct ev_table *)base;

	sqlite3_free(vt->payload);
	sqlite3_free(vt);
	return SQLITE_OK;
}

static char col_code(const struct ev_table *vt, int col)
{
	if (col == vt->eid_col)
		return 'e';
	if (col == vt->time_col)
		return 't';
	if (col == vt->time_ns_col)
		return 'n';
	return 0;
}

static int ev_best_index(sqlite3_vtab *base, sqlite3_index_info *info)
{
	struct ev_table *vt = (struct ev_table *)base;
	struct vg_store *store = table_store(vt->table);
	char plan[64];
	double rows = 1000;
	int argc = 0;
	bool eid_eq = false, bounded = false;

	if (store) {
		struct vg_store_stats st;

		vg_store_stats(store, &st);
		rows = st.rows > 0 ? (double)st.rows : 1;
	}
	for (int i = 0; i < info->nConstraint && argc < 30; i++) {
		const struct sqlite3_index_constraint *c = &info->aConstraint[i];
		char cc = c->usable ? col_code(vt, c->iColumn) : 0;
		char oc = vg__vtab_op_letter(c->op);

		if (!cc || !oc || oc == 'L' || oc == 'G') /* eid/time: comparisons only */
			continue;
		info->aConstraintUsage[i].argvIndex = ++argc;
		info->aConstraintUsage[i].omit = 1; /* the store's bounds are exact */
		plan[2 * (argc - 1)] = cc;
		plan[2 * (argc - 1) + 1] = oc;
		eid_eq |= cc == 'e' && oc == '=';
		bounded = true;
	}
	plan[2 * argc] = '\0';
	if (eid_eq)
		rows = 1;
	else if (bounded)
		rows = rows / 10 + 1;
	info->estimatedRows = (sqlite3_int64)rows;
	info->estimatedCost = rows;
	info->idxNum = argc;
	info->idxStr = sqlite3_mprintf("%s", plan);
	info->needToFreeIdxStr = 1;
	return info->idxStr ? SQLITE_OK : SQLITE_NOMEM;
}

static int ev_open(sqlite3_vtab *base, sqlite3_vtab_cursor **out)
{
	struct ev_cursor *cur = sqlite3_malloc(sizeof(*cur));

	(void)base;
	if (!cur)
		return SQLITE_NOMEM;
	memset(cur, 0, sizeof(*cur));
	cur->eof = true;
	*out = &cur->base;
	return SQLITE_OK;
}

static int ev_close(sqlite3_vtab_cursor *base)
{
	struct ev_cursor *cur = (struct ev_cursor *)base;

	vg_store_scan_close(cur->scan);
	sqlite3_free(cur);
	return SQLITE_OK;
}

/*
 * The integer bound a constraint value gives for @op, rounding so the
 * bound stays exact for real values; false if no row can match.
 */
static bool int_bound(sqlite3_value *v, char op, int64_t *out, bool *no_bound)
{
	int type = sqlite3_value_numeric_type(v);
	double d;

	*no_bound = false;
	if (type == SQLITE_INTEGER) {
		*out = sqlite3_value_int64(v);
		return true;
	}
	if (type != SQLITE_FLOAT) {
		/* NULL matches nothing; text sorts after every number. */
		*no_bound = type != SQLITE_NULL && (op == '<' || op == 'l');
		return *no_bound;
	}
	d = sqlite3_value_double(v);
	if (d > 9.2e18 || d < -9.2e18 || isnan(d))
		return false;
	switch (op) {
	case '=':
		*out = (int64_t)d;
		return (double)*out == d;
	case '>':
		*out = (int64_t)floor(d);
		return true;
	case 'g':
		*out = (int64_t)ceil(d);
		return true;
	case '<':
		*out = (int64_t)ceil(d);
		return true;
	default:
		*out = (int64_t)floor(d);
		return true;
	}
}

static int64_t sat_mul(int64_t s)
{
	if (s > INT64_MAX / NS_PER_S - 1)
		return INT64_MAX - NS_PER_S;
	if (s < INT64_MIN / NS_PER_S + 1)
		return INT64_MIN + NS_PER_S;
	return s * NS_PER_S;
}

/* Narrows @b by one constraint; false if nothing can match. */
static bool apply(struct vg_store_bounds *b, char col, char op, sqlite3_value *v)
{
	bool no_bound;
	int64_t x, lo, hi;

	if (!int_bound(v, op, &x, &no_bound))
		return false;
	if (no_bound)
		return true;
	if (col == 't') { /* seconds: [x s, x s + 999999999 ns] */
		lo = sat_mul(x);
		hi = lo + NS_PER_S - 1;
	} else {
		lo = hi = x;
	}
	if (col == 'e') { /* eids start at 1 */
		bool lower = op == '=' || op == '>' || op == 'g';
		bool upper = op == '=' || op == '<' || op == 'l';
		int64_t e_lo = op == '>' ? (x == INT64_MAX ? x : x + 1) : x;
		int64_t e_hi = op == '<' ? x - (x > INT64_MIN) : x;

		if (lower && e_lo > 0 && (uint64_t)e_lo > b->min_eid)
			b->min_eid = (uint64_t)e_lo;
		if (upper && e_hi < 1)
			return false;
		if (upper && (uint64_t)e_hi < b->max_eid)
			b->max_eid = (uint64_t)e_hi;
		return b->min_eid <= b->max_eid;
	}
	if (op == '=' || op == 'g')
		b->min_time_ns = lo > b->min_time_ns ? lo : b->min_time_ns;
	if (op == '>')
		b->min_time_ns = hi + 1 > b->min_time_ns ? hi + 1 : b->min_time_ns;
	if (op == '=' || op == 'l')
		b->max_time_ns = hi < b->max_time_ns ? hi : b->max_time_ns;
	if (op == '<')
		b->max_time_ns = lo - 1 < b->max_time_ns ? lo - 1 : b->max_time_ns;
	return b->min_time_ns <= b->max_time_ns;
}

static int ev_next(sqlite3_vtab_cursor *base)
{
	struct ev_cursor *cur = (struct ev_cursor *)base;
	int rc = vg_store_scan_next(cur->scan);

	cur->eof = rc <= 0;
	return rc < 0 ? SQLITE_IOERR : SQLITE_OK;
}

static int ev_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
		     sqlite3_value **argv)
{
	struct ev_cursor *cur = (struct ev_cursor *)base;
	struct ev_table *vt = (struct ev_table *)base->pVtab;
	struct vg_store *store = table_store(vt->table);
	struct vg_store_bounds b = VG_STORE_ALL_BOUNDS;
	bool has_time = false, possible = true;

	(void)idx_num;
	vg_store_scan_close(cur->scan);
	cur->scan = NULL;
	cur->eof = true;
	if (!store) {
		if (!vt->warned)
			vg_log(VG_LOG_WARN,
			       "%s: table is event-based but events are disabled "
			       "(--disable_events=false turns them on)",
			       vt->table->name);
		vt->warned = true;
		return SQLITE_OK;
	}
	for (int k = 0; k < argc && idx_str[2 * k]; k++) {
		has_time |= idx_str[2 * k] != 'e';
		possible = possible && apply(&b, idx_str[2 * k], idx_str[2 * k + 1], argv[k]);
	}
	if (!has_time && vg__events_query_active()) {
		uint64_t from = vg__events_query_cursor(store) + 1;

		if (from > b.min_eid)
			b.min_eid = from;
	}
	if (vg_store_scan_open(store, &b, &cur->scan))
		return SQLITE_NOMEM;
	if (!has_time)
		vg__events_query_covered(store, vg_store_scan_snapshot_eid(cur->scan));
	if (!possible)
		return SQLITE_OK;
	return ev_next(base);
}

static int ev_eof(sqlite3_vtab_cursor *base)
{
	return ((struct ev_cursor *)base)->eof;
}

static int ev_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col)
{
	struct ev_cursor *cur = (struct ev_cursor *)base;
	struct ev_table *vt = (struct ev_table *)base->pVtab;
	struct vg_value v;
	int64_t t;

	if (col == vt->eid_col) { /* decimal text, as osquery's TEXT eid */
		char buf[24], *p = buf + sizeof(buf);
		uint64_t e = vg_store_scan_eid(cur->scan);

		do {
			*--p = (char)('0' + e % 10);
			e /= 10;
		} while (e);
		sqlite3_result_text(ctx, p, (int)(buf + sizeof(buf) - p), SQLITE_TRANSIENT);
		return SQLITE_OK;
	}
	if (col == vt->time_col || col == vt->time_ns_col) {
		t = vg_store_scan_time_ns(cur->scan);
		if (col == vt->time_col) /* floor, also before 1970 */
			t = t / NS_PER_S - (t % NS_PER_S < 0);
		sqlite3_result_int64(ctx, t);
		return SQLITE_OK;
	}
	if (col >= 0 && vt->payload[col] == -2) { /* not in the source table */
		sqlite3_result_null(ctx);
		return SQLITE_OK;
	}
	if (col < 0 || vt->payload[col] < 0 ||
	    vg_store_scan_value(cur->scan, (size_t)vt->payload[col], &v))
		return SQLITE_CORRUPT;
	if (v.type == VG_VAL_INT)
		sqlite3_result_int64(ctx, v.v.i);
	else if (v.type == VG_VAL_TEXT)
		sqlite3_result_text(ctx, v.v.s, (int)v.len, SQLITE_TRANSIENT);
	else
		sqlite3_result_null(ctx);
	return SQLITE_OK;
}

static int ev_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)vg_store_scan_eid(((struct ev_cursor *)base)->scan);
	return SQLITE_OK;
}

static const sqlite3_module ev_module = {
	.iVersion = 2,
	.xCreate = NULL, /* eponymous only */
	.xConnect = ev_connect,
	.xBestIndex = ev_best_index,
	.xDisconnect = ev_disconnect,
	.xDestroy = ev_disconnect,
	.xOpen = ev_open,
	.xClose = ev_close,
	.xFilter = ev_filter,
	.xNext = ev_next,
	.xEof = ev_eof,
	.xColumn = ev_column,
	.xRowid = ev_rowid,
};

int vg__event_vtab_register(sqlite3 *db, const struct vg_table *t)
{
	return sqlite3_create_module_v2(db, t->name, &ev_module, (void *)(uintptr_t)t, NULL);
}
