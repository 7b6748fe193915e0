// SPDX-License-Identifier: Apache-2.0
/*
 * events.h - event tables and their stores.
 *
 * Each event table of the registry (VG_TABLE_EVENT) gets one store
 * (include/vigil/store.h), opened by vg_events_open() under
 * <database_path>/<table> or in memory, and bound to the table so SQL reads
 * it and subscribers append to it. Binding happens on the main thread
 * before queries run and before subscribers start; lookups are then safe
 * from any thread.
 *
 * Scheduled queries read each event exactly once: between
 * vg_events_query_begin() and vg_events_query_end() (same thread), every
 * scan of an event table without its own `time` constraint starts after the
 * query's cursor for that table, and vg_events_query_commit() advances each
 * cursor to the newest row its scan's snapshot covered.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_store;
struct vg_table;

struct vg_events_options {
	const char *database_path; /* NULL: stores in memory only */
	uint64_t max_rows;	   /* per table; 0: no cap */
	int64_t expiry_s;	   /* 0: never */
	int64_t fsync_ms;	   /* head sync period; 0: at seal and close only */
	uint32_t segment_rows;	   /* 0: the store's default */
};

/*
 * Fills @o from the flags (--database_path, --events_max, --events_expiry,
 * --events_fsync_ms). When @persist_by_default is false (the shell), the
 * stores stay in memory unless --database_path was given explicitly.
 */
void vg_events_options_from_flags(struct vg_events_options *o, bool persist_by_default);

/*
 * Opens and binds a store for every event table. @o->database_path is
 * created (0700) if missing and must be owned by this user and not writable
 * by others. Returns 0 or a negative errno after logging why (nothing stays
 * open then).
 */
int vg_events_open(const struct vg_events_options *o);

/* Unbinds and closes every store vg_events_open() opened. */
void vg_events_close(void);

/* Binds @store to event table @table (borrowed, caller closes). -ENOENT: no such event table. */
int vg_events_bind(const char *table, struct vg_store *store);
void vg_events_unbind(const char *table);

/* The store bound to @table, or NULL (events disabled). */
struct vg_store *vg_events_store(const char *table);

/* What a publisher feeding an event table reports (osquery_events). */
struct vg_events_publisher_status {
	const char *name;	 /* "fanotify", "inotify", ... */
	uint64_t events;	 /* events received from the kernel */
	uint64_t dropped_kernel; /* events the kernel dropped */
	uint64_t overflows;	 /* queue overflow notices */
	uint64_t watches;	 /* marks or watches in place */
	uint64_t unwatched;	 /* paths that could not be watched */
	const char *note; /* why this publisher (e.g. why a preferred one did not run); NULL */
};

typedef void vg_events_status_fn(void *ctx, struct vg_events_publisher_status *st);

/*
 * Says which publisher feeds @table: @fn(@ctx) is called (from any thread)
 * when osquery_events is read, until vg_events_set_publisher(@table, NULL, NULL).
 */
int vg_events_set_publisher(const char *table, vg_events_status_fn *fn, void *ctx);

/* Fills @st for @table's publisher; false if it has none. */
bool vg_events_publisher_status(const char *table, struct vg_events_publisher_status *st);

/* Payload columns of event table @t (columns but time, time_ns and eid). */
size_t vg_events_payload_columns(const struct vg_table *t);

/* Identifies @t's payload layout (names and types); segments of another layout are foreign. */
uint64_t vg_events_schema_hash(const struct vg_table *t);

/* ---- exactly-once reads for scheduled queries (per thread) ---- */

/* Starts a run of scheduled query @name on this thread. Returns 0 or -errno. */
int vg_events_query_begin(const char *name);

/* Makes the run's progress durable: each table's cursor moves to what its scans covered. */
int vg_events_query_commit(void);

/* Ends the run (without committing what was not committed). */
void vg_events_query_end(void);

/*
 * Follow mode (vigil --follow) on this thread: like a scheduled run whose
 * cursors live in memory and start at each table's newest row, so every
 * later run sees only rows appended since the one before.
 * vg_events_query_commit() advances them; vg_events_follow_end() ends it.
 */
int vg_events_follow_begin(void);
void vg_events_follow_end(void);

/*
 * For the event vtab: whether a run is active on this thread; if so its
 * cursor for @store, and recording that a scan of @store covered up to @eid.
 */
bool vg__events_query_active(void);
uint64_t vg__events_query_cursor(struct vg_store *store);
void vg__events_query_covered(struct vg_store *store, uint64_t eid);

#endif
