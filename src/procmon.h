// SPDX-License-Identifier: Apache-2.0
/*
 * procmon.h - process auditing at run time: a process publisher (eBPF, or
 * the Linux audit fallback) read on its own thread, each exec (fork, exit)
 * made a row of process_events (subscribers/process_events.c).
 *
 * Owned by the thread that starts it; stop from that thread.
 */
#ifndef VIGIL_PROCMON_H
#define VIGIL_PROCMON_H

struct vg_procmon;
struct vg_process_options;
struct vg_store;

/*
 * Starts publisher @publisher ("bpf", "audit", or "auto": eBPF, else audit)
 * capturing what @opt asks (copied; NULL: the defaults) into @store
 * (borrowed until stop). Returns 0 and *@out, or a negative errno after
 * logging why.
 */
int vg_procmon_start(const char *publisher, const struct vg_process_options *opt,
		     struct vg_store *store, struct vg_procmon **out);

/* Waits (at most @timeout_ms) until every exec the kernel has queued is a row. */
int vg_procmon_sync(struct vg_procmon *m, int timeout_ms);

void vg_procmon_stop(struct vg_procmon *m);

#endif
