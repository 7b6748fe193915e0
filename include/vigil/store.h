// SPDX-License-Identifier: Apache-2.0
/*
 * store.h - the event store: one per event table, a ring of rows with
 * monotonically increasing eids, kept in memory and (with a directory)
 * persisted in append-only segment files.
 *
 * Rows are appended by subscribers (any thread; a short mutex, never a wait
 * on disk or on readers) and read through snapshots: a scan sees exactly the
 * rows committed when it opened, while appends go on. A row has an eid
 * (assigned by the store), a time in nanoseconds (the kernel's event time,
 * given by the caller) and the table's payload columns (integers, text or
 * NULL), stored compactly and decoded column by column on demand.
 *
 * Bounds: at most `max_rows` rows (0 = no cap) and rows older than
 * `expiry_s` (0 = never) are dropped from the oldest end; expiry keeps rows
 * that a registered cursor has not read yet, the row cap does not (those
 * drops are counted in dropped_unread).
 *
 * Thread-safety: every function may be called from any thread, except
 * vg_store_close(), which must be the last call.
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_store;
struct vg_store_scan;

enum vg_value_type {
	VG_VAL_NULL = 0,
	VG_VAL_INT = 1,
	VG_VAL_TEXT = 2,
};

/* One payload value; text is borrowed (copied by vg_store_append()). */
struct vg_value {
	enum vg_value_type type;
	uint32_t len; /* bytes of text */
	union {
		int64_t i;
		const char *s;
	} v;
};

struct vg_store_options {
	const char *name;     /* table name, e.g. "file_events" (borrowed during open) */
	size_t n_columns;     /* payload columns per row */
	uint64_t schema_hash; /* identifies the payload layout; a segment with another is foreign */
	const char *dir;      /* persist under this directory (created 0700); NULL: memory only */
	uint64_t max_rows;    /* 0: no cap */
	int64_t expiry_s;     /* 0: no expiry */
	int64_t fsync_ms;     /* how often the head is synced to disk; 0: only at seal/close */
	uint32_t segment_rows; /* rows per segment (0: default 65536) */
};

/*
 * Opens (and recovers) a store. With a directory, the directory must be
 * owned by the effective user (or root) and not writable by group or
 * others; a second process opening the same directory gets -EBUSY. A
 * corrupt, truncated or foreign segment is renamed to *.corrupt, counted and
 * logged; everything else is loaded. Returns 0 and *@out, or a negative
 * errno after logging why.
 */
int vg_store_open(const struct vg_store_options *opts, struct vg_store **out);

/* Seals what can be sealed, syncs, stops the background thread and frees. NULL-safe. */
void vg_store_close(struct vg_store *s);

/*
 * Appends one row of @n values (n must equal the store's n_columns) with
 * event time @time_ns. *@eid (if not NULL) receives its eid. Returns 0 or
 * -EINVAL (bad row) / -ENOMEM. Never blocks on readers or disk.
 */
int vg_store_append(struct vg_store *s, int64_t time_ns, const struct vg_value *vals, size_t n,
		    uint64_t *eid);

/* Seals the head now (tests; normally it seals when full). Waits until sealed. */
int vg_store_seal(struct vg_store *s);

/* Applies the row cap and expiry now (normally done by the background thread). */
void vg_store_expire(struct vg_store *s, int64_t now_ns);

struct vg_store_stats {
	uint64_t rows;		  /* rows held (visible) */
	uint64_t appended;	  /* rows appended since open */
	uint64_t first_eid;	  /* oldest visible eid (0 if empty) */
	uint64_t last_eid;	  /* newest eid (0 if none ever) */
	int64_t oldest_time_ns;	  /* of the oldest visible row, 0 if empty */
	int64_t newest_time_ns;	  /* of the newest row, 0 if empty */
	uint64_t bytes_memory;	  /* bytes held in memory (heads, compressed segments) */
	uint64_t bytes_disk;	  /* bytes in segment files */
	uint64_t segments;	  /* sealed segments */
	uint64_t dropped_unread;  /* rows dropped by the cap before every cursor read them */
	uint64_t dropped_expired; /* rows dropped by the cap or expiry */
	uint64_t corrupt_segments;
	uint64_t rows_scanned; /* rows scans have examined since open (pushdown at work) */
	bool persistent;       /* writing to disk (false: memory only, or disk failed) */
};

void vg_store_stats(struct vg_store *s, struct vg_store_stats *st);

/* ---- scans ---- */

struct vg_store_bounds {
	uint64_t min_eid, max_eid;	  /* inclusive; 0 and UINT64_MAX for all */
	int64_t min_time_ns, max_time_ns; /* inclusive; INT64_MIN and INT64_MAX for all */
};

#define VG_STORE_ALL_BOUNDS                         \
	{                                           \
		0, UINT64_MAX, INT64_MIN, INT64_MAX \
	}

/*
 * Opens a snapshot scan of the rows within @b. Segments that cannot match
 * are skipped without being read. Returns 0 and *@out or a negative errno.
 */
int vg_store_scan_open(struct vg_store *s, const struct vg_store_bounds *b,
		       struct vg_store_scan **out);

/* Advances to the next matching row: 1 if there is one, 0 at the end, or -errno. */
int vg_store_scan_next(struct vg_store_scan *sc);

uint64_t vg_store_scan_eid(const struct vg_store_scan *sc);
int64_t vg_store_scan_time_ns(const struct vg_store_scan *sc);

/*
 * Column @col of the current row. Text is borrowed until the next
 * vg_store_scan_next() or vg_store_scan_close(). Returns 0 or -errno.
 */
int vg_store_scan_value(struct vg_store_scan *sc, size_t col, struct vg_value *out);

/* The newest eid the snapshot covers (a cursor advances to it after a run). */
uint64_t vg_store_scan_snapshot_eid(const struct vg_store_scan *sc);

/* Rows examined so far (decoded to test the bounds), for tests and plans. */
uint64_t vg_store_scan_examined(const struct vg_store_scan *sc);

void vg_store_scan_close(struct vg_store_scan *sc);

/* ---- cursors: exactly-once reads per (query, table) ---- */

/*
 * The last eid query @name has consumed (0 if none). A cursor exists once
 * committed; existing cursors hold back expiry (not the row cap).
 */
uint64_t vg_store_cursor_get(struct vg_store *s, const char *name);

/* Records that @name has consumed every row up to @eid; durable when it returns. */
int vg_store_cursor_commit(struct vg_store *s, const char *name, uint64_t eid);

/* Forgets cursor @name (a query removed from the schedule). */
int vg_store_cursor_remove(struct vg_store *s, const char *name);

#endif
