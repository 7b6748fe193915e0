// SPDX-License-Identifier: Apache-2.0
/*
 * subscriber.h - turning events into rows of an event table.
 *
 * The file_events subscriber (subscribers/file_events.c) takes a file event
 * already matched to a category (a job) and, on a worker thread, enriches it
 * (stat, hashes, the acting process) and appends the row to the table's
 * store. Workers own their state; jobs own their strings.
 */
#ifndef VIGIL_SUBSCRIBER_H
#define VIGIL_SUBSCRIBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/event.h"

struct vg_store;
struct vg_file_worker;

struct vg_file_job {
	int64_t time_ns;
	enum vg_file_action action;
	unsigned flags;	 /* VG_FILE_EV_* */
	uint32_t cookie; /* transaction_id */
	int32_t pid;	 /* -1: unknown */
	uint32_t count;	 /* kernel events the row stands for (1 + writes folded into it) */
	bool hash;	 /* hash the file (CREATED, or UPDATED after close; not accesses) */
	bool from_scan;	 /* source = 'scan' instead of 'kernel' */
	bool gone;	 /* deleted or moved away already: no stat, no hash */
	/* The strings share one allocation (vg_file_job_strings()), owned. */
	char *category;
	char *path; /* path_len bytes + NUL */
	size_t path_len;
	char *old_path; /* or NULL */
	size_t old_path_len;
	uint64_t seq; /* order of arrival, for vg_file_turn */
};

/*
 * Keeps rows in arrival order while workers enrich in parallel: wait() is
 * called before the row is appended and done() after (both with @arg).
 */
struct vg_file_turn {
	void (*wait)(void *arg, uint64_t seq);
	void (*done)(void *arg, uint64_t seq);
	void *arg;
};

/*
 * Copies a job's strings into one allocation (@old may be NULL): one
 * malloc per job on the reader's hot path. Returns 0 or -ENOMEM.
 */
int vg_file_job_strings(struct vg_file_job *j, const char *category, const char *path, size_t len,
			const char *old, size_t old_len);

/* Frees a job's strings (not the job). */
void vg_file_job_release(struct vg_file_job *j);

/* Worker state: a digest context and a cache of processes' exe and uid. */
int vg_file_worker_new(uint64_t hash_max_bytes, struct vg_file_worker **out);
void vg_file_worker_free(struct vg_file_worker *w);

/*
 * Enriches @j and appends its row to @store (file_events' layout). Files are
 * opened O_NOFOLLOW|O_NONBLOCK and hashed only when regular and at most the
 * worker's size cap; `hashed` is 1, 0 (not attempted) or -1 (failed).
 * With @turn (may be NULL) the append waits for the job's turn. Returns 0
 * or the store's error.
 */
int vg_file_events_append(struct vg_file_worker *w, struct vg_store *store,
			  const struct vg_file_job *j, const struct vg_file_turn *turn);

/*
 * Makes process event @ev a row of process_events in @store: what the
 * kernel gave, plus the cgroup path (from ev->cgroup_id, cached; else from
 * /proc while the process lives), the parent's exe from /proc when
 * ev->parent_path is NULL, and the executable's stat. Thread-safe (the
 * cgroup cache has its own lock). Returns 0 or the store's error.
 */
int vg_process_events_append(struct vg_store *store, const struct vg_process_event *ev);

#endif
