// SPDX-License-Identifier: Apache-2.0
/*
 * process_envs.c - the `process_envs` table: one row per environment
 * variable of each process (osquery's columns).
 *
 * HOW IT WORKS: for each selected process (`pid =`/IN reads only those),
 * /proc/<pid>/environ is read through the process's directory fd. It holds
 * the environment the process was started with (execve's envp, NUL
 * separated); later setenv() calls inside a process do not show, as the
 * kernel only exposes the original block. An entry without '=' is a key with
 * an empty value.
 *
 * LIMITS: environ is readable by root or the process's owner only; others'
 * processes are skipped. At most 1 MiB is read per process.
 */
#include "vigil/table.h"

#include <errno.h>
#include <string.h>

#include "procfs.h"
#include "vigil/strbuf.h"

#define ENVIRON_MAX_BYTES (1024u * 1024u)

enum { C_PID, C_KEY, C_VALUE };

static const struct vg_column columns[] = {
	[C_PID] = { "pid", VG_TYPE_INTEGER, VG_COL_INDEX | VG_COL_OPTIMIZED,
		    "Process (or thread) ID" },
	[C_KEY] = { "key", VG_TYPE_TEXT, 0, "Environment variable name" },
	[C_VALUE] = { "value", VG_TYPE_TEXT, 0, "Environment variable value" },
};

struct env_ctx {
	struct vg_query *q;
	struct vg_strbuf buf; /* one environ, reused */
};

static int env_visit(void *arg, pid_t pid, int dirfd)
{
	struct env_ctx *c = arg;
	int err = vg_procfs_read_args(dirfd, "environ", ENVIRON_MAX_BYTES, &c->buf);
	const char *p = c->buf.buf, *end = c->buf.buf + c->buf.len;

	if (err && err != -EFBIG)
		return 0;
	while (p < end) {
		size_t len = strnlen(p, (size_t)(end - p));
		const char *eq = memchr(p, '=', len);

		if (len) {
			vg_row_begin(c->q);
			vg_row_int(c->q, C_PID, pid);
			vg_row_textn(c->q, C_KEY, p, eq ? (size_t)(eq - p) : len);
			vg_row_textn(c->q, C_VALUE, eq ? eq + 1 : "",
				     eq ? len - (size_t)(eq - p) - 1 : 0);
			vg_row_end(c->q);
		}
		p += len + 1;
	}
	return 0;
}

static int process_envs_generate(struct vg_query *q)
{
	struct env_ctx c = { .q = q, .buf = VG_STRBUF_INIT };
	int err = vg_procfs_walk(q, C_PID, env_visit, &c);

	if (err)
		vg_query_error(q, "process_envs: cannot read /proc: %s", strerror(-err));
	vg_strbuf_release(&c.buf);
	return err;
}

const struct vg_table vg_table_process_envs = {
	.name = "process_envs",
	.description = "A key/value table of environment variables for each process.",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 400 * 20,
	.est_cost = 400 * 20 * 5,
	.generate = process_envs_generate,
};
