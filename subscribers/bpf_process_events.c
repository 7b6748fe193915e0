// SPDX-License-Identifier: Apache-2.0
/*
 * bpf_process_events.c - osquery's `bpf_process_events` (removed from
 * osquery in 2026) for the queries and packs that still use it: the same
 * rows as process_events, under that table's columns. Columns vigil does
 * not record (cid, probe_error, json_cmdline) are NULL; ntime is time_ns.
 */
#include "vigil/table.h"

static const struct vg_column columns[] = {
	{ "tid", VG_TYPE_BIGINT, 0, "Thread ID" },
	{ "pid", VG_TYPE_BIGINT, 0, "Process ID" },
	{ "parent", VG_TYPE_BIGINT, 0, "Parent process ID" },
	{ "uid", VG_TYPE_BIGINT, 0, "User ID" },
	{ "gid", VG_TYPE_BIGINT, 0, "Group ID" },
	{ "cid", VG_TYPE_INTEGER, 0, "Cgroup ID (not recorded: NULL)" },
	{ "exit_code", VG_TYPE_TEXT, 0, "Exit code (exit rows)" },
	{ "probe_error", VG_TYPE_INTEGER, 0,
	  "Set to 1 if one or more buffers could not be captured" },
	{ "syscall", VG_TYPE_TEXT, 0, "System call name" },
	{ "path", VG_TYPE_TEXT, 0, "Binary path" },
	{ "cwd", VG_TYPE_TEXT, 0, "Current working directory" },
	{ "cmdline", VG_TYPE_TEXT, 0, "Command line arguments" },
	{ "duration", VG_TYPE_INTEGER, 0, "How long the process lived, in ns (exit rows)" },
	{ "json_cmdline", VG_TYPE_TEXT, VG_COL_HIDDEN, "Command line arguments, in JSON format" },
	{ "ntime", VG_TYPE_TEXT, 0, "The nsecs time of the event" },
	{ "time", VG_TYPE_BIGINT, VG_COL_HIDDEN | VG_COL_ADDITIONAL,
	  "Time of execution in UNIX time" },
	{ "eid", VG_TYPE_INTEGER, VG_COL_HIDDEN, "Event ID" },
};

static const char *const renames[][2] = {
	{ "ntime", "time_ns" },
	{ NULL, NULL },
};

const struct vg_table vg_table_bpf_process_events = {
	.name = "bpf_process_events",
	.description = "Track time/action process executions (osquery's eBPF table)",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_EVENT,
	.rows_of = "process_events",
	.renames = renames,
};
