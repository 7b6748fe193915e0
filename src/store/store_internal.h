// SPDX-License-Identifier: Apache-2.0
/*
 * store_internal.h - the event store's objects, shared by the files of
 * src/store/ and its unit tests only.
 *
 * A store is an ordered array of segments, oldest first. The last one is the
 * head: a raw segment that appends write records into (a MAP_SHARED view of
 * a preallocated file, so a record is in the page cache the moment it is
 * written and survives a crash of the process; or a heap buffer when the
 * store is memory only). A full head becomes a raw segment waiting to be
 * sealed; the store's thread turns it into a sealed segment: column streams
 * compressed with zstd, in a file (or in memory). Segments are reference
 * counted so scans keep what they read alive while the store moves on.
 */
#ifndef VIGIL_STORE_INTERNAL_H
#define VIGIL_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/store.h"

enum seg_kind {
	SEG_RAW,
	SEG_SEALED,
};

/* Sealed segment file header (little-endian), followed by the zstd payload. */
#define SEG_MAGIC	 "VIGILSEG"
#define SEG_VERSION	 1u
#define SEG_HEADER_BYTES 96u
#define SEG_MAX_PAYLOAD	 (1ull << 32) /* more than any head holds: a corrupt size */

struct seg {
	atomic_int refs;
	enum seg_kind kind;
	uint64_t first_eid, last_eid; /* inclusive; 0/0 while empty */
	int64_t min_time, max_time;
	uint32_t n_rows;
	char *path; /* its file, or NULL in memory */
	/* SEG_RAW */
	uint8_t *raw;	 /* records */
	size_t raw_cap;	 /* bytes available */
	size_t raw_used; /* bytes of complete records (under the store lock) */
	bool raw_mapped; /* raw is an mmap of path */
	/* SEG_SEALED */
	uint8_t *blob;	      /* compressed payload in memory, or NULL (read from path) */
	size_t blob_len;      /* compressed payload bytes */
	uint64_t payload_len; /* decompressed payload bytes */
	uint32_t payload_crc; /* CRC-32C of the compressed payload */
};

struct cursor_entry {
	char *name;
	uint64_t eid;
};

struct vg_store {
	char *name;
	size_t n_cols;
	uint64_t schema_hash;
	char *dir; /* NULL: memory only */
	int dir_fd, lock_fd;
	uint64_t max_rows;
	int64_t expiry_s, fsync_ms;
	uint32_t seg_rows;
	size_t seg_bytes;

	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;  /* wakes the thread; signals seal completion */
	struct seg **segs;    /* oldest first; segs[n_segs - 1] is the head */
	size_t n_segs, alloc_segs;
	uint64_t next_eid;  /* eid of the next append */
	uint64_t floor_eid; /* rows below are gone */
	struct cursor_entry *cursors;
	size_t n_cursors;
	bool persistent; /* segments go to disk */
	bool head_dirty; /* appended since the last sync */
	bool stop;
	uint64_t appended, dropped_unread, dropped_expired, corrupt;
	uint64_t scanned;	   /* rows examined by closed scans */
	uint64_t meta_gen;	   /* state versions handed to vg__meta_save() */
	pthread_mutex_t meta_lock; /* serialises writing <dir>/state */
	uint64_t meta_written;	   /* newest version on disk (under meta_lock) */
	pthread_t thread;
	bool thread_started;
};

/* ---- segment.c ---- */

void vg__seg_ref(struct seg *g);
void vg__seg_unref(struct seg *g);

/* A new empty head of at least @min_bytes; on disk when the store is persistent. */
int vg__seg_new_head(struct vg_store *s, size_t min_bytes, struct seg **out);

/* Recovers a head file left by a crash: the valid records it holds. */
int vg__seg_recover_raw(struct vg_store *s, const char *file, struct seg **out);

/*
 * Seals raw segment @raw into a new sealed segment (file when persistent,
 * else memory). The caller holds no lock. Returns 0 or -errno.
 */
int vg__seg_seal(struct vg_store *s, struct seg *raw, struct seg **out);

/* Opens sealed segment file @file (in the store's directory), checking it whole. */
int vg__seg_open_sealed(struct vg_store *s, const char *file, struct seg **out);

/* A sealed segment opened for reading: its streams, decompressed on demand. */
struct vg_segstream {
	uint64_t off, comp_len, raw_len; /* the zstd frame within the blob */
	uint8_t *raw;			 /* decompressed, or NULL until asked for */
};

struct vg_segdata {
	const uint8_t *blob; /* the segment's blob, or owned */
	size_t blob_len;
	uint8_t *owned;	    /* blob read from the file (checked against its CRC) */
	uint32_t n_streams; /* eid, time, then one per payload column */
	struct vg_segstream streams[];
};

/* Opens sealed segment @g for reading. Returns 0 or -errno (-EBADMSG: corrupt). */
int vg__seg_data_open(struct vg_store *s, struct seg *g, struct vg_segdata **out);

/* Stream @k, decompressed (borrowed until vg__seg_data_free()). */
int vg__seg_data_stream(struct vg_segdata *d, size_t k, const uint8_t **p, size_t *len);

void vg__seg_data_free(struct vg_segdata *d);

/* ---- meta.c: the durable floor and cursors ---- */

/* Loads <dir>/state into the store (floor and cursors). Missing file: defaults. */
int vg__meta_load(struct vg_store *s);
/* Writes the state durably (tmp + fsync + rename); takes the locks itself. */
int vg__meta_save(struct vg_store *s);

/* ---- store.c ---- */

/* Lowest cursor eid, or UINT64_MAX without cursors (caller holds the lock). */
uint64_t vg__store_min_cursor(const struct vg_store *s);

#endif
