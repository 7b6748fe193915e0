// SPDX-License-Identifier: Apache-2.0
/*
 * pidmap.h - what process auditing has seen of each pid (its executable and
 * uid, from exec and fork events, and when it exited), kept a little past
 * the process's exit, so that a file event can name a process that wrote
 * and exited before its row was made (/proc has nothing left of it by then).
 *
 * One map per vigil process: the process auditing reader (src/procmon.c)
 * records into it, file_events workers look up. Thread-safe. Without process
 * auditing it stays empty and lookups answer no at once.
 */
#ifndef VIGIL_PIDMAP_H
#define VIGIL_PIDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_strbuf;

/* @pid ran @exe (@len bytes) as @uid from @time_ns (CLOCK_REALTIME) on. */
void vg_pidmap_exec(int32_t pid, const char *exe, size_t len, int64_t uid, int64_t time_ns);

/*
 * @pid was forked by @ppid at @time_ns: it runs its parent's executable.
 * Returns false when the map does not know the parent (then the caller may
 * tell it with vg_pidmap_exec(), start time 0, and fork again).
 */
bool vg_pidmap_fork(int32_t pid, int32_t ppid, int64_t time_ns);

/* @pid exited at @time_ns. */
void vg_pidmap_exit(int32_t pid, int64_t time_ns);

/*
 * The executable (into @exe) and uid of the process @pid was at @time_ns,
 * if the map knows it: it was seen starting before then and had not exited
 * long before (pids are reused). Returns false when it does not know.
 */
bool vg_pidmap_lookup(int32_t pid, int64_t time_ns, struct vg_strbuf *exe, int64_t *uid);

/*
 * Sets (NULL: clears) what a lookup that misses calls once before it tries
 * again: process auditing's "take in what the kernel has queued", since the
 * exec of a writer may still wait there. Clearing waits for calls under way.
 */
void vg_pidmap_set_catch_up(void (*fn)(void *arg), void *arg);

/* Forgets everything (tests; a stopped process auditing). */
void vg_pidmap_clear(void);

#endif
