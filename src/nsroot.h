// SPDX-License-Identifier: Apache-2.0
/*
 * nsroot.h - reading files as another process's mount namespace sees them,
 * for the hidden pid_with_namespace column osquery gives some Linux tables.
 *
 * Instead of entering the namespace (osquery forks a worker), vigil opens
 * /proc/<pid>/root and resolves paths beneath it with openat2(RESOLVE_IN_ROOT)
 * so that absolute symlinks inside the container stay inside it.
 */
#ifndef VIGIL_NSROOT_H
#define VIGIL_NSROOT_H

#include <stddef.h>
#include <stdint.h>

struct vg_strbuf;
struct vg_query;

/*
 * Opens the root directory of @pid (0: this process's "/") as an O_PATH fd
 * into *@fd (caller closes). Returns 0 or -errno.
 */
int vg_nsroot_open(int64_t pid, int *fd);

/*
 * Opens @path (absolute or relative, it is taken below @rootfd) read-only,
 * O_CLOEXEC, resolving symlinks inside @rootfd. Returns an fd or -errno.
 */
int vg_nsroot_openat(int rootfd, const char *path, int flags);

/* As vg_read_file() for @path below @rootfd. Returns 0, -EFBIG or -errno. */
int vg_nsroot_read(int rootfd, const char *path, size_t max_bytes, struct vg_strbuf *out);

/* The mount namespace inode of @pid as decimal text into @buf ("" if unknown). */
const char *vg_nsroot_mnt_id(int64_t pid, char *buf, size_t size);

/*
 * Calls @fn(@q, pid) once per `pid_with_namespace =` value of column @col
 * (values that are not pids are skipped), or once with pid 0 (this
 * process's own namespaces) when the query has none.
 */
void vg_nsroot_each_pid(struct vg_query *q, int col, void (*fn)(struct vg_query *q, int64_t pid));

#endif
