// SPDX-License-Identifier: Apache-2.0
/*
 * Event tables through SQL: rows appended to file_events' store come back
 * with osquery's columns; time and eid constraints read only what can match
 * (rows_scanned in osquery_events); scheduled runs see each row exactly
 * once; a table without a store answers no rows.
 */
#include <stdlib.h>
#include <time.h>

#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

#define SEC 1000000000LL

static struct vg_store *store;
static int64_t base_s; /* time of row 1, in seconds */

/* Row i: target_path /watched/file<i>, action CREATED or UPDATED, size i. */
static int append_rows(uint64_t from, uint64_t to)
{
	const struct vg_table *t = vg_registry_find("file_events");
	size_t n = vg_events_payload_columns(t);
	struct vg_value v[32] = { 0 };

	for (uint64_t i = from; i <= to; i++) {
		char path[64];
		int len = snprintf(path, sizeof(path), "/watched/file%llu", (unsigned long long)i);
		int err;

		for (size_t c = 0; c < n; c++)
			v[c].type = VG_VAL_NULL;
		v[0] = (struct vg_value){ .type = VG_VAL_TEXT, .len = (uint32_t)len, .v.s = path };
		v[1] = (struct vg_value){ .type = VG_VAL_TEXT, .len = 3, .v.s = "etc" };
		v[2] = (struct vg_value){ .type = VG_VAL_TEXT,
					  .len = 7,
					  .v.s = i % 2 ? "CREATED" : "UPDATED" };
		v[8] = (struct vg_value){ .type = VG_VAL_INT, .v.i = (int64_t)i };
		v[20] = (struct vg_value){ .type = VG_VAL_TEXT, .len = 6, .v.s = "kernel" };
		err = vg_store_append(store, (base_s + (int64_t)i) * SEC + 123, v, n, NULL);
		if (err)
			return err;
	}
	return 0;
}

static void setup(void)
{
	const struct vg_table *t = vg_registry_find("file_events");
	struct vg_store_options o = {
		.name = "file_events",
		.n_columns = vg_events_payload_columns(t),
		.schema_hash = vg_events_schema_hash(t),
		.segment_rows = 100,
	};

	if (store)
		return;
	base_s = (int64_t)time(NULL) - 100000;
	if (vg_store_open(&o, &store) || vg_events_bind("file_events", store) ||
	    append_rows(1, 1000) || vg_store_seal(store) || append_rows(1001, 1050))
		abort();
}

static uint64_t scanned(void)
{
	struct vg_store_stats st;

	vg_store_stats(store, &st);
	return st.rows_scanned;
}

VT_TEST(rows_come_back_with_osquery_columns)
{
	struct vt_rows *r;
	char sql[256];

	setup();
	r = vt_query("SELECT * FROM file_events WHERE target_path = '/watched/file7'", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_EQ(vt_col(r, "eid"), -1); /* hidden, as in osquery */
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "action"), "CREATED");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "category"), "etc");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "size"), "7");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "source"), "kernel");
	VT_ASSERT(vt_cell(r, 0, "md5") == NULL);
	snprintf(sql, sizeof(sql), "%lld", (long long)(base_s + 7));
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "time"), sql);
	snprintf(sql, sizeof(sql), "%lld", (long long)((base_s + 7) * SEC + 123));
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "time_ns"), sql);
	vt_rows_free(r);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT eid FROM file_events WHERE target_path = "
				   "'/watched/file1042'"),
			 "1042");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "1050");
}

VT_TEST(time_constraints_read_only_what_matches)
{
	uint64_t before;

	setup();
	before = scanned();
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time > %lld",
				   (long long)(base_s + 990)),
			 "60");
	/* The last sealed segment (901-1000) and the 50 rows of the head. */
	VT_ASSERT(scanned() - before <= 150);
	before = scanned();
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time BETWEEN %lld AND "
				   "%lld",
				   (long long)(base_s + 150), (long long)(base_s + 159)),
			 "10");
	VT_ASSERT(scanned() - before <= 100);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time = %lld",
				   (long long)(base_s + 500)),
			 "1");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time >= %lld.5",
				   (long long)(base_s + 1049)),
			 "1");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time < 0"), "0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time > NULL"), "0");
}

VT_TEST(eid_constraints_compare_as_numbers)
{
	uint64_t before;
	struct vt_rows *r;

	setup();
	before = scanned();
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE eid > 995"), "55");
	VT_ASSERT(scanned() - before <= 60);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE eid > '995'"), "55");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE eid <= 10"), "10");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT target_path FROM file_events WHERE eid = 33"),
			 "/watched/file33");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE eid < 1"), "0");
	r = vt_query("EXPLAIN QUERY PLAN SELECT * FROM file_events WHERE time > 5 AND eid < 9",
		     NULL);
	VT_ASSERT(r);
	VT_ASSERT_CONTAINS(vt_cell(r, 0, "detail"), "VIRTUAL TABLE INDEX 2:");
	vt_rows_free(r);
}

VT_TEST(scheduled_runs_see_each_row_once)
{
	setup();
	VT_ASSERT_OK(vg_events_query_begin("pack_fim_changes"));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "1050");
	VT_ASSERT_OK(vg_events_query_commit());
	vg_events_query_end();
	VT_ASSERT_OK(append_rows(1051, 1060));
	VT_ASSERT_OK(vg_events_query_begin("pack_fim_changes"));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "10");
	/* A WHERE that filters rows out still consumes them. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE action = 'nope'"), "0");
	/* A query with its own time constraint reads by time, not by cursor. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events WHERE time > %lld",
				   (long long)(base_s + 1000)),
			 "60");
	VT_ASSERT_OK(vg_events_query_commit());
	vg_events_query_end();
	VT_ASSERT_OK(vg_events_query_begin("pack_fim_changes"));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "0");
	vg_events_query_end();
	/* Another query has its own cursor; ad-hoc queries see everything. */
	VT_ASSERT_OK(vg_events_query_begin("other"));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "1060");
	vg_events_query_end();
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "1060");
	VT_ASSERT_EQ(vg_store_cursor_get(store, "pack_fim_changes"), 1060);
}

VT_TEST(osquery_events_reports_the_store)
{
	struct vt_rows *r;

	setup();
	r = vt_query("SELECT * FROM osquery_events WHERE name = 'file_events'", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "subscriber");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "active"), "1");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "rows"), "1060");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "events"), "1060");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "dropped_store"), "0");
	VT_ASSERT(atoll(vt_cell(r, 0, "bytes_memory")) > 0);
	vt_rows_free(r);
}

VT_TEST(unbound_table_has_no_rows)
{
	setup();
	vg_events_unbind("file_events");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file_events"), "0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT active FROM osquery_events WHERE name = 'file_events'"),
			 "0");
	vg_store_close(store);
	store = NULL;
}
