// SPDX-License-Identifier: Apache-2.0
/*
 * etc_hosts.c - the `etc_hosts` table: the static host name table.
 *
 * HOW IT WORKS: /etc/hosts (or the one in the mount namespace of
 * `pid_with_namespace`) is read once (capped at 8 MiB) and split in place:
 * '#' starts a comment, the first field is the address and the other fields
 * are joined with single spaces into `hostnames`, as osquery prints them.
 * Lines with an address but no name are skipped (the resolver ignores them).
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cfgfile.h"
#include "vigil/strbuf.h"

enum { C_ADDRESS, C_HOSTNAMES, C_PID_WITH_NAMESPACE };

static const struct vg_column columns[] = {
	[C_ADDRESS] = { "address", VG_TYPE_TEXT, 0, "IP address mapping" },
	[C_HOSTNAMES] = { "hostnames", VG_TYPE_TEXT, 0, "Raw hosts mapping" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
};

/* Emits the row of one hosts line (modified in place), if it has one. */
static void hosts_line(struct vg_query *q, char *line, struct vg_strbuf *names, int64_t ns_pid)
{
	char *hash = strchr(line, '#'), *addr, *name;

	if (hash)
		*hash = '\0';
	addr = vg_cfg_token(&line);
	if (!addr)
		return;
	vg_strbuf_reset(names);
	while ((name = vg_cfg_token(&line))) {
		if (names->len)
			vg_strbuf_addch(names, ' ');
		vg_strbuf_addstr(names, name);
	}
	if (!names->len)
		return;
	vg_row_begin(q);
	vg_row_text(q, C_ADDRESS, addr);
	vg_row_text(q, C_HOSTNAMES, names->buf);
	if (ns_pid)
		vg_row_int(q, C_PID_WITH_NAMESPACE, ns_pid);
	vg_row_end(q);
}

static int etc_hosts_generate(struct vg_query *q)
{
	struct vg_strbuf text = VG_STRBUF_INIT, names = VG_STRBUF_INIT;
	struct vg_cfg_root root = { 0 };

	while (vg_cfg_next_root(q, C_PID_WITH_NAMESPACE, &root)) {
		char path[96], *cursor, *line;
		int err;

		snprintf(path, sizeof(path), "%s/etc/hosts", root.path);
		vg_strbuf_reset(&text);
		err = vg_cfg_read(AT_FDCWD, path, false, VG_CFG_MAX_BYTES, &text);
		if (err && err != -EFBIG)
			continue;
		cursor = text.buf;
		while ((line = vg_cfg_next_line(&cursor))) {
			/* A cut file's last line is partial: drop it. */
			if (err == -EFBIG && !*cursor)
				break;
			hosts_line(q, line, &names, root.pid);
		}
	}
	vg_strbuf_release(&names);
	vg_strbuf_release(&text);
	return 0;
}

const struct vg_table vg_table_etc_hosts = {
	.name = "etc_hosts",
	.description = "Line-parsed /etc/hosts",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 10,
	.est_cost = 50,
	.generate = etc_hosts_generate,
};
