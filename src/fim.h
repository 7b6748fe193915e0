// SPDX-License-Identifier: Apache-2.0
/*
 * fim.h - file integrity monitoring at run time: a kernel publisher
 * (fanotify, else inotify) on the watches of the config's file_paths, its
 * events matched to categories on the reader thread, and worker threads
 * making them rows of file_events (subscribers/file_events.c). A scanner
 * thread compares the watched paths with the baseline (fim_baseline.h) at
 * start, after a kernel queue overflow and after a reload, and reports what
 * differs as rows with source = 'scan'.
 *
 * Owned by the thread that starts it (the shell's or daemon's main thread);
 * vg_fim_reload() and vg_fim_stop() are called from that thread.
 */
#ifndef VIGIL_FIM_H
#define VIGIL_FIM_H

#include <stdint.h>

struct json_t;
struct vg_fim;
struct vg_store;

struct vg_fim_options {
	const char *publisher;	   /* "auto", "fanotify" or "inotify" */
	uint64_t hash_max_bytes;   /* larger files are not hashed (hashed = -1); 0: no cap */
	unsigned workers;	   /* enrichment threads (0: 1, which keeps order for free) */
	const char *baseline;	   /* the baseline's SQLite file; NULL: in memory */
	uint64_t scan_bytes_per_s; /* hashing budget of baseline scans; 0: no limit */
	const struct vg_file_options *file; /* how the publisher watches; NULL: defaults */
};

struct vg_fim_stats {
	const char *publisher;	 /* the publisher in use */
	uint64_t received;	 /* events from the publisher */
	uint64_t rows;		 /* rows appended */
	uint64_t coalesced;	 /* writes folded into a row already made for the same file */
	uint64_t dropped_kernel; /* events the kernel dropped */
	uint64_t overflows;	 /* kernel queue overflows */
	uint64_t watches;	 /* marks or watches in place */
	uint64_t unwatched;	 /* paths that could not be watched */
	uint64_t queued;	 /* jobs waiting for a worker */
	uint64_t scans;		 /* baseline scans finished */
	uint64_t scan_changes;	 /* differences they reported (source = 'scan') */
};

/*
 * Starts monitoring the FIM keys of config document @config (file_paths,
 * exclude_paths, file_accesses) into @store (file_events'; borrowed until
 * stop). Returns 0 and *@out, or a negative errno after logging why
 * (-EINVAL for a bad pattern, -ENOSYS when no publisher can run).
 */
int vg_fim_start(const struct json_t *config, struct vg_store *store,
		 const struct vg_fim_options *o, struct vg_fim **out);

/* Applies a new config: watches that stay keep their events. Returns 0 or -errno. */
int vg_fim_reload(struct vg_fim *f, const struct json_t *config);

/* Waits (at most @timeout_ms) for the baseline scan in progress (or due) to finish. */
int vg_fim_wait_scan(struct vg_fim *f, int timeout_ms);

/* Waits (at most @timeout_ms) until every event read so far is a row. Returns 0 or -ETIMEDOUT. */
int vg_fim_sync(struct vg_fim *f, int timeout_ms);

void vg_fim_stats(struct vg_fim *f, struct vg_fim_stats *st);

/* Stops the publisher, finishes the queued rows and frees. NULL-safe. */
void vg_fim_stop(struct vg_fim *f);

#endif
