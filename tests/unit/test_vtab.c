// SPDX-License-Identifier: Apache-2.0
/*
 * The SQL engine's table glue (src/vtab.c, src/query.c): what a generator
 * receives for each kind of constraint, the required-column error, IN lists,
 * columns not read, and the planner's choice of driving table in a join.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "vigil/strbuf.h"
#include "vigil/table.h"
#include "vt.h"
#include "vtab.h"

/* What the last generate() call saw, for the assertions. */
static struct {
	unsigned calls;
	struct vg_strbuf cons; /* "col op value;" per constraint, in order */
	bool used_blob;	       /* whether column `blob` was requested */
} seen;

enum { K_KEY, K_VAL, K_BLOB, K_WHEN };

static const struct vg_column kv_columns[] = {
	[K_KEY] = { "key", VG_TYPE_INTEGER, VG_COL_INDEX | VG_COL_REQUIRED, "lookup key" },
	[K_VAL] = { "val", VG_TYPE_TEXT, 0, "value" },
	[K_BLOB] = { "blob", VG_TYPE_TEXT, VG_COL_HIDDEN, "costly column" },
	[K_WHEN] = { "stamp", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "a time" },
};

static const char *op_name(enum vg_op op)
{
	static const char *const names[] = { "=", ">", ">=", "<", "<=", "LIKE", "GLOB" };

	return names[op];
}

/* Emits key, 'v<key>' for every `key =` value, recording what it was given. */
static int kv_generate(struct vg_query *q)
{
	const struct vg_constraint *c;
	size_t n, pos = 0;
	const char *v;

	seen.calls++;
	vg_strbuf_reset(&seen.cons);
	c = vg_query_constraints(q, &n);
	for (size_t i = 0; i < n; i++)
		vg_strbuf_addf(&seen.cons, "%d %s %s;", c[i].col, op_name(c[i].op), c[i].text);
	seen.used_blob = vg_query_col_used(q, K_BLOB);
	while ((v = vg_query_next_eq(q, K_KEY, &pos))) {
		if (!strcmp(v, "666"))
			return vg_query_error(q, "kv: key 666 is cursed");
		vg_row_begin(q);
		vg_row_int(q, K_KEY, atoll(v));
		vg_row_textf(q, K_VAL, "v%s", v);
		vg_row_text(q, K_BLOB, "expensive");
		vg_row_int(q, K_WHEN, 1000 + atoll(v));
		vg_row_end(q);
	}
	return 0;
}

static const struct vg_table kv_table = {
	.name = "kv",
	.columns = kv_columns,
	.n_columns = VG_ARRAY_SIZE(kv_columns),
	.flags = VG_TABLE_INNOCUOUS,
	.est_rows = 1000,
	.generate = kv_generate,
};

enum { N_N };
static const struct vg_column nums_columns[] = {
	[N_N] = { "n", VG_TYPE_INTEGER, 0, "a number" },
};

static int nums_generate(struct vg_query *q)
{
	for (int i = 1; i <= 20; i++) {
		vg_row_begin(q);
		vg_row_int(q, N_N, i);
		vg_row_end(q);
	}
	return 0;
}

static const struct vg_table nums_table = {
	.name = "nums",
	.columns = nums_columns,
	.n_columns = VG_ARRAY_SIZE(nums_columns),
	.est_rows = 20,
	.generate = nums_generate,
};

static void setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	vg_vtab_register(vt_db(), &kv_table);
	vg_vtab_register(vt_db(), &nums_table);
}

VT_TEST(required_constraint_missing_is_an_error)
{
	char *err = NULL;
	struct vt_rows *r;

	setup();
	r = vt_query("SELECT * FROM kv", &err);
	VT_ASSERT(r == NULL);
	VT_ASSERT_STR_EQ(err, "kv: a key constraint is required");
	free(err);
}

VT_TEST(equality_reaches_the_generator)
{
	struct vt_rows *r;

	setup();
	r = vt_query("SELECT key, val FROM kv WHERE key = 7", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "val"), "v7");
	VT_ASSERT_STR_EQ(seen.cons.buf, "0 = 7;");
	VT_ASSERT(!seen.used_blob);
	vt_rows_free(r);
}

VT_TEST(in_list_is_handed_over_whole)
{
	unsigned before;
	struct vt_rows *r;

	setup();
	before = seen.calls;
	r = vt_query("SELECT key FROM kv WHERE key IN (3, 1, 2) ORDER BY key", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 3);
	VT_ASSERT_STR_EQ(r->cells[0], "1");
	VT_ASSERT_STR_EQ(r->cells[2], "3");
	/* One generate() call for the whole list, not one per value. */
	VT_ASSERT_EQ(seen.calls - before, 1);
	vt_rows_free(r);
}

VT_TEST(ranges_and_like_reach_the_generator)
{
	struct vt_rows *r;

	setup();
	r = vt_query("SELECT blob FROM kv WHERE key = 5 AND stamp > 10 AND stamp <= 2000", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "blob"), "expensive");
	VT_ASSERT(seen.used_blob);
	VT_ASSERT_CONTAINS(seen.cons.buf, "3 > 10;");
	VT_ASSERT_CONTAINS(seen.cons.buf, "3 <= 2000;");
	vt_rows_free(r);
	/* SQLite still applies what the generator ignored. */
	r = vt_query("SELECT key FROM kv WHERE key = 5 AND stamp > 1005", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 0);
	vt_rows_free(r);
}

VT_TEST(hidden_column_not_in_star)
{
	struct vt_rows *r;

	setup();
	r = vt_query("SELECT * FROM kv WHERE key = 1", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(vt_col(r, "blob"), -1);
	VT_ASSERT(vt_col(r, "val") >= 0);
	vt_rows_free(r);
}

VT_TEST(generator_error_becomes_sql_error)
{
	char *err = NULL;
	struct vt_rows *r;

	setup();
	r = vt_query("SELECT * FROM kv WHERE key = 666", &err);
	VT_ASSERT(r == NULL);
	VT_ASSERT_STR_EQ(err, "kv: key 666 is cursed");
	free(err);
}

VT_TEST(null_constraint_matches_nothing)
{
	unsigned before;
	struct vt_rows *r;

	setup();
	before = seen.calls;
	r = vt_query("SELECT * FROM kv WHERE key = NULL", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 0);
	VT_ASSERT_EQ(seen.calls, before); /* answered without asking the table */
	vt_rows_free(r);
	/* In an IN list a NULL only drops out; the other values still match. */
	r = vt_query("SELECT key FROM kv WHERE key IN (NULL, 4)", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	vt_rows_free(r);
}

VT_TEST(join_drives_from_the_unconstrained_side)
{
	unsigned before;
	struct vt_rows *r;

	setup();
	before = seen.calls;
	/* kv needs key: the planner must scan nums and look kv up per row. */
	r = vt_query("SELECT n, val FROM nums JOIN kv ON kv.key = nums.n WHERE n <= 5", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 5);
	VT_ASSERT_EQ(seen.calls - before, 5);
	vt_rows_free(r);
	/* Written the other way round, the plan is the same. */
	r = vt_query("EXPLAIN QUERY PLAN SELECT n FROM kv JOIN nums ON kv.key = nums.n", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 2);
	VT_ASSERT_CONTAINS(vt_cell(r, 0, "detail"), "nums");
	VT_ASSERT_CONTAINS(vt_cell(r, 1, "detail"), "kv");
	vt_rows_free(r);
}

VT_TEST(create_sql_from_declaration)
{
	char *sql = vg_vtab_create_sql(&kv_table);

	VT_ASSERT_STR_EQ(sql, "CREATE TABLE kv(`key` INTEGER, `val` TEXT, `blob` TEXT HIDDEN, "
			      "`stamp` BIGINT)");
	free(sql);
	vg_strbuf_release(&seen.cons);
}

VT_TEST(registry_is_sorted_and_complete)
{
	const struct vg_table *const *t;
	size_t n;

	t = vg_registry_tables(&n);
	VT_ASSERT(n >= 3);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(t[i - 1]->name, t[i]->name) >= 0) {
			vt_fail(__FILE__, __LINE__, "registry not sorted at %s", t[i]->name);
			return;
		}
	}
	VT_ASSERT(vg_registry_find("time") != NULL);
	VT_ASSERT(vg_registry_find("no_such_table") == NULL);
}
