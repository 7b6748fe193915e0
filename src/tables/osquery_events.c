// SPDX-License-Identifier: Apache-2.0
/*
 * osquery_events.c - the `osquery_events` table: one row per event table
 * (type "subscriber") with osquery's columns, plus what vigil counts about
 * its store: rows held, memory and disk used, the time span, and every drop
 * (dropped_kernel: lost before reaching vigil; dropped_store: evicted by the
 * row cap before a scheduled query read them; expired: aged out).
 */
#include "vigil/table.h"

#include <stdbool.h>

#include "vigil/events.h"
#include "vigil/store.h"

enum {
	C_NAME,
	C_PUBLISHER,
	C_TYPE,
	C_SUBSCRIPTIONS,
	C_EVENTS,
	C_REFRESHES,
	C_ACTIVE,
	C_ROWS,
	C_BYTES_MEMORY,
	C_BYTES_DISK,
	C_OLDEST_TIME,
	C_NEWEST_TIME,
	C_DROPPED_KERNEL,
	C_DROPPED_STORE,
	C_EXPIRED,
	C_CORRUPT_SEGMENTS,
	C_ROWS_SCANNED,
	C_PERSISTENT,
	C_OVERFLOWS,
	C_WATCHES,
	C_UNWATCHED,
	C_NOTE,
};

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "Event publisher or subscriber name" },
	[C_PUBLISHER] = { "publisher", VG_TYPE_TEXT, 0, "Name of the associated publisher" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Either publisher or subscriber" },
	[C_SUBSCRIPTIONS] = { "subscriptions", VG_TYPE_INTEGER, 0, "Number of subscriptions" },
	[C_EVENTS] = { "events", VG_TYPE_INTEGER, 0, "Events (rows) added since start" },
	[C_REFRESHES] = { "refreshes", VG_TYPE_INTEGER, 0, "Publisher run loop restarts" },
	[C_ACTIVE] = { "active", VG_TYPE_INTEGER, 0, "1 if running, 0 if not, -1 if missing" },
	[C_ROWS] = { "rows", VG_TYPE_BIGINT, 0, "Rows held in the event store" },
	[C_BYTES_MEMORY] = { "bytes_memory", VG_TYPE_BIGINT, 0, "Bytes the store holds in memory" },
	[C_BYTES_DISK] = { "bytes_disk", VG_TYPE_BIGINT, 0, "Bytes the store holds on disk" },
	[C_OLDEST_TIME] = { "oldest_time", VG_TYPE_BIGINT, 0, "Time of the oldest row held" },
	[C_NEWEST_TIME] = { "newest_time", VG_TYPE_BIGINT, 0, "Time of the newest row held" },
	[C_DROPPED_KERNEL] = { "dropped_kernel", VG_TYPE_BIGINT, 0,
			       "Events lost before vigil read them (kernel queue overflows)" },
	[C_DROPPED_STORE] = { "dropped_store", VG_TYPE_BIGINT, 0,
			      "Rows evicted by events_max before every scheduled query read them" },
	[C_EXPIRED] = { "expired", VG_TYPE_BIGINT, 0, "Rows removed by events_max or expiry" },
	[C_CORRUPT_SEGMENTS] = { "corrupt_segments", VG_TYPE_BIGINT, 0,
				 "Segment files set aside as unreadable" },
	[C_ROWS_SCANNED] = { "rows_scanned", VG_TYPE_BIGINT, 0,
			     "Rows queries have examined (time/eid pushdown keeps it low)" },
	[C_PERSISTENT] = { "persistent", VG_TYPE_INTEGER, 0, "1 if rows are written to disk" },
	[C_OVERFLOWS] = { "overflows", VG_TYPE_BIGINT, 0,
			  "Kernel queue overflows (events lost, count unknown; a rescan follows)" },
	[C_WATCHES] = { "watches", VG_TYPE_BIGINT, 0, "Marks or watches the publisher holds" },
	[C_UNWATCHED] = { "unwatched", VG_TYPE_BIGINT, 0,
			  "Paths the publisher could not watch (limits, errors)" },
	[C_NOTE] = { "note", VG_TYPE_TEXT, 0,
		     "Why this publisher runs, e.g. why a preferred one could not" },
};

static int osquery_events_generate(struct vg_query *q)
{
	const struct vg_table *const *tables;
	size_t n;

	tables = vg_registry_tables(&n);
	for (size_t i = 0; i < n; i++) {
		struct vg_events_publisher_status ps;
		struct vg_store *s;
		struct vg_store_stats st;
		bool has_pub;

		if (!(tables[i]->flags & VG_TABLE_EVENT) || tables[i]->rows_of)
			continue;
		s = vg_events_store(tables[i]->name);
		has_pub = vg_events_publisher_status(tables[i]->name, &ps);
		if (has_pub) {
			vg_row_begin(q);
			vg_row_text(q, C_NAME, ps.name);
			vg_row_text(q, C_PUBLISHER, ps.name);
			vg_row_text(q, C_TYPE, "publisher");
			vg_row_int(q, C_SUBSCRIPTIONS, (int64_t)ps.watches);
			vg_row_int(q, C_EVENTS, (int64_t)ps.events);
			vg_row_int(q, C_REFRESHES, 0);
			vg_row_int(q, C_ACTIVE, 1);
			vg_row_int(q, C_DROPPED_KERNEL, (int64_t)ps.dropped_kernel);
			vg_row_int(q, C_OVERFLOWS, (int64_t)ps.overflows);
			vg_row_int(q, C_WATCHES, (int64_t)ps.watches);
			vg_row_int(q, C_UNWATCHED, (int64_t)ps.unwatched);
			if (ps.note)
				vg_row_text(q, C_NOTE, ps.note);
			vg_row_end(q);
		}
		vg_row_begin(q);
		vg_row_text(q, C_NAME, tables[i]->name);
		vg_row_text(q, C_PUBLISHER, has_pub ? ps.name : "");
		vg_row_text(q, C_TYPE, "subscriber");
		vg_row_int(q, C_SUBSCRIPTIONS, 0);
		vg_row_int(q, C_REFRESHES, 0);
		vg_row_int(q, C_ACTIVE, s != NULL);
		if (s) {
			vg_store_stats(s, &st);
			vg_row_int(q, C_EVENTS, (int64_t)st.appended);
			vg_row_int(q, C_ROWS, (int64_t)st.rows);
			vg_row_int(q, C_BYTES_MEMORY, (int64_t)st.bytes_memory);
			vg_row_int(q, C_BYTES_DISK, (int64_t)st.bytes_disk);
			vg_row_int(q, C_OLDEST_TIME, st.oldest_time_ns / 1000000000);
			vg_row_int(q, C_NEWEST_TIME, st.newest_time_ns / 1000000000);
			vg_row_int(q, C_DROPPED_KERNEL, (int64_t)ps.dropped_kernel);
			vg_row_int(q, C_OVERFLOWS, (int64_t)ps.overflows);
			vg_row_int(q, C_DROPPED_STORE, (int64_t)st.dropped_unread);
			vg_row_int(q, C_EXPIRED, (int64_t)st.dropped_expired);
			vg_row_int(q, C_CORRUPT_SEGMENTS, (int64_t)st.corrupt_segments);
			vg_row_int(q, C_ROWS_SCANNED, (int64_t)st.rows_scanned);
			vg_row_int(q, C_PERSISTENT, st.persistent);
		} else {
			vg_row_int(q, C_EVENTS, 0);
		}
		vg_row_end(q);
	}
	return 0;
}

const struct vg_table vg_table_osquery_events = {
	.name = "osquery_events",
	.description = "Information about the event publishers and subscribers",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 4,
	.generate = osquery_events_generate,
};
