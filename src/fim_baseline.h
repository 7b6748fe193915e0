// SPDX-License-Identifier: Apache-2.0
/*
 * fim_baseline.h - what the watched files looked like, so FIM can tell what
 * changed while nobody was looking (before a start, during a kernel queue
 * overflow, on paths a config reload adds).
 *
 * The baseline is a SQLite table (a file beside file_events' store, or in
 * memory): per path its inode, size, mtime, ctime, mode, owner and SHA-256
 * (regular files under the hash cap). A scan walks the watches, compares,
 * reports differences and records the new state. Kernel events mark paths
 * dirty; vg_fim_baseline_refresh() records their state at a clean stop, so
 * the next start does not report them again.
 *
 * Thread: scans and refreshes on one thread at a time; touch() from any.
 */
#ifndef VIGIL_FIM_BASELINE_H
#define VIGIL_FIM_BASELINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/event.h"

struct vg_fim_baseline;
struct vg_fim_config;

/* @path: the SQLite file, created 0600 if missing; NULL: in memory. */
int vg_fim_baseline_open(const char *path, struct vg_fim_baseline **out);
void vg_fim_baseline_close(struct vg_fim_baseline *b);

/* A difference found by a scan (@category indexes the config's categories). */
typedef void vg_fim_scan_emit_fn(void *arg, enum vg_file_action action, const char *path,
				 size_t len, size_t category);

struct vg_fim_scan_stats {
	uint64_t files;	       /* paths examined */
	uint64_t bytes_hashed; /* bytes read to hash */
	uint64_t changes;      /* differences reported */
	bool first;	       /* the baseline was empty: recorded, nothing reported */
};

/*
 * Scans every watch root of @cfg: paths that belong to a category are
 * compared with the baseline, differences go to @emit, the new state is
 * recorded, and paths no longer there are reported DELETED and forgotten.
 * Contents are hashed only when inode, size or mtime changed (or the path is
 * new), at most @max_bytes_per_s (0: no limit), files over @hash_max bytes
 * not at all. An empty baseline is only recorded. Stops early, keeping what
 * it recorded, when *@stop becomes true. Progress goes to the log (INFO)
 * every 10 s. Returns 0 or -errno.
 */
int vg_fim_baseline_scan(struct vg_fim_baseline *b, const struct vg_fim_config *cfg,
			 uint64_t hash_max, uint64_t max_bytes_per_s, vg_fim_scan_emit_fn *emit,
			 void *arg, const atomic_bool *stop, struct vg_fim_scan_stats *st);

/* Notes that a kernel event changed @path (@len bytes). */
void vg_fim_baseline_touch(struct vg_fim_baseline *b, const char *path, size_t len);

/* Records the current state of every touched path. Returns 0 or -errno. */
int vg_fim_baseline_refresh(struct vg_fim_baseline *b, uint64_t hash_max);

#endif
