// SPDX-License-Identifier: Apache-2.0
/*
 * procfs.h - /proc helpers shared by the process tables: which processes a
 * query selects, bounded reads of per-process files through a directory fd,
 * and open file descriptors. Sockets are in procnet.h.
 *
 * Thread: every function is reentrant; results belong to the caller.
 */
#ifndef VIGIL_PROCFS_H
#define VIGIL_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vg_query;
struct vg_strbuf;

/*
 * Called once per process with its pid and @dirfd, an O_PATH directory fd on
 * /proc/<pid> borrowed for the call (files read through it fail with ESRCH
 * once the process is gone, so a reused pid is never mixed in). Returns 0 to
 * go on, anything else to stop the walk.
 */
typedef int vg_procfs_pid_fn(void *ctx, pid_t pid, int dirfd);

/*
 * Calls @fn for each process @q selects through column @pid_col: its `=`/IN
 * values when it has any (sorted, without duplicates; a NULL or non-positive
 * value selects nothing), else every process listed in /proc (thread group
 * leaders). A process that exits before its directory opens is skipped.
 * Returns 0, what @fn returned to stop, or -errno when /proc cannot be read.
 */
int vg_procfs_walk(const struct vg_query *q, int pid_col, vg_procfs_pid_fn *fn, void *ctx);

/* Whether @q has an `=`/IN constraint on @pid_col, so the walk is not a full listing. */
bool vg_procfs_is_filtered(const struct vg_query *q, int pid_col);

/* Whether @q's `=`/IN constraints on @pid_col name @pid (true when there are none). */
bool vg_procfs_selects(const struct vg_query *q, int pid_col, pid_t pid);

/*
 * Reads file @name under @dirfd with a single read(2) into @buf (@size > 0),
 * NUL-terminated. Single-record /proc files (stat, status, io, cgroup) come
 * whole in one read; a longer file is truncated to @size - 1 bytes. Returns
 * the length or -errno.
 */
ssize_t vg_procfs_read(int dirfd, const char *name, char *buf, size_t size);

/*
 * Reads file @name under @dirfd (cmdline, environ) into @out (replacing its
 * contents), at most @max_bytes; a read shorter than asked ends the file, as
 * the kernel fills reads of these files fully until their end. Returns 0,
 * -EFBIG when truncated at @max_bytes (what fits is kept) or -errno.
 */
int vg_procfs_read_args(int dirfd, const char *name, size_t max_bytes, struct vg_strbuf *out);

/*
 * Called for each open descriptor of a process: @fd and the target of its
 * /proc/<pid>/fd link (@link, @len bytes, NUL-terminated; callback-scoped).
 * Returns 0 to go on, anything else to stop.
 */
typedef int vg_procfs_fd_fn(void *ctx, int fd, const char *link, size_t len);

/*
 * Calls @fn for each open descriptor of the process behind @dirfd. Returns 0,
 * what @fn returned to stop, or -errno when its fd directory cannot be read
 * (the process exited, or permission).
 */
int vg_procfs_fds(int dirfd, vg_procfs_fd_fn *fn, void *ctx);

#endif
