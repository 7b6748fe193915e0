// SPDX-License-Identifier: Apache-2.0
/*
 * process_open_files.c - the `process_open_files` table: every open file
 * descriptor of each process with what it refers to (osquery's columns).
 *
 * HOW IT WORKS: for each selected process (`pid =`/IN reads only those), the
 * entries of /proc/<pid>/fd are listed and each link is read with
 * readlinkat() relative to that directory. The path is the link text: a file
 * path (with " (deleted)" when unlinked), or the kernel's names for other
 * objects such as "socket:[1234]", "pipe:[5678]" or "anon_inode:[eventfd]".
 *
 * LIMITS: another user's fd directory needs root (or ptrace rights); such
 * processes are skipped. A descriptor closed during the listing is skipped.
 */
#include "vigil/table.h"

#include <string.h>

#include "procfs.h"

enum { C_PID, C_FD, C_PATH };

static const struct vg_column columns[] = {
	[C_PID] = { "pid", VG_TYPE_BIGINT, VG_COL_INDEX | VG_COL_OPTIMIZED,
		    "Process (or thread) ID" },
	[C_FD] = { "fd", VG_TYPE_BIGINT, 0, "Process-specific file descriptor number" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Filesystem path of descriptor" },
};

struct pof_ctx {
	struct vg_query *q;
	pid_t pid; /* the process being listed */
};

static int pof_fd(void *arg, int fd, const char *link, size_t len)
{
	struct pof_ctx *c = arg;

	vg_row_begin(c->q);
	vg_row_int(c->q, C_PID, c->pid);
	vg_row_int(c->q, C_FD, fd);
	vg_row_textn(c->q, C_PATH, link, len);
	vg_row_end(c->q);
	return 0;
}

static int pof_visit(void *arg, pid_t pid, int dirfd)
{
	struct pof_ctx *c = arg;

	c->pid = pid;
	vg_procfs_fds(dirfd, pof_fd, c); /* a vanished or forbidden process has no rows */
	return 0;
}

static int process_open_files_generate(struct vg_query *q)
{
	struct pof_ctx c = { .q = q };
	int err = vg_procfs_walk(q, C_PID, pof_visit, &c);

	if (err)
		vg_query_error(q, "process_open_files: cannot read /proc: %s", strerror(-err));
	return err;
}

const struct vg_table vg_table_process_open_files = {
	.name = "process_open_files",
	.description = "File descriptors for each process.",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 400 * 30,
	.est_cost = 400 * 30 * 5,
	.generate = process_open_files_generate,
};
