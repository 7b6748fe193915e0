// SPDX-License-Identifier: Apache-2.0
/*
 * file_events.c - the `file_events` event table: osquery's columns, plus who
 * made the change (pid, process_path, process_uid), the old path of a
 * rename, where the row came from (source: kernel or scan) and the kernel's
 * time in nanoseconds.
 *
 * Rows live in the table's event store (include/vigil/events.h) and are read
 * through the event vtab with eid/time pushdown. The FIM subscriber that
 * turns fanotify/inotify events into these rows is the file integrity
 * monitoring work (TODO(#4)); until then the table holds what is appended to
 * its store (tests, benchmarks).
 */
#include "vigil/table.h"

static const struct vg_column columns[] = {
	{ "target_path", VG_TYPE_TEXT, 0, "The path associated with the event" },
	{ "category", VG_TYPE_TEXT, 0, "The category of the file defined in the config" },
	{ "action", VG_TYPE_TEXT, 0, "Change action (UPDATE, DELETE, etc)" },
	{ "transaction_id", VG_TYPE_BIGINT, 0, "ID used during bulk update; pairs MOVED_FROM/TO" },
	{ "inode", VG_TYPE_BIGINT, 0, "Filesystem inode number" },
	{ "uid", VG_TYPE_BIGINT, 0, "Owning user ID" },
	{ "gid", VG_TYPE_BIGINT, 0, "Owning group ID" },
	{ "mode", VG_TYPE_TEXT, 0, "Permission bits" },
	{ "size", VG_TYPE_BIGINT, 0, "Size of file in bytes" },
	{ "atime", VG_TYPE_BIGINT, 0, "Last access time" },
	{ "mtime", VG_TYPE_BIGINT, 0, "Last modification time" },
	{ "ctime", VG_TYPE_BIGINT, 0, "Last status change time" },
	{ "md5", VG_TYPE_TEXT, VG_COL_NOCASE, "The MD5 of the file after change" },
	{ "sha1", VG_TYPE_TEXT, VG_COL_NOCASE, "The SHA1 of the file after change" },
	{ "sha256", VG_TYPE_TEXT, VG_COL_NOCASE, "The SHA256 of the file after change" },
	{ "hashed", VG_TYPE_INTEGER, 0,
	  "1 if the file was hashed, 0 if not, -1 if hashing failed" },
	{ "time", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Time of the change (kernel, seconds)" },
	{ "eid", VG_TYPE_TEXT, VG_COL_HIDDEN, "Event ID" },
	{ "pid", VG_TYPE_BIGINT, 0, "Process that made the change, where the kernel tells it" },
	{ "process_path", VG_TYPE_TEXT, 0, "Executable of that process" },
	{ "process_uid", VG_TYPE_BIGINT, 0, "User ID of that process" },
	{ "old_path", VG_TYPE_TEXT, 0, "For MOVED_TO: the path the file was moved from" },
	{ "source", VG_TYPE_TEXT, 0, "kernel (an event) or scan (a baseline difference)" },
	{ "time_ns", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Time of the change in nanoseconds" },
};

const struct vg_table vg_table_file_events = {
	.name = "file_events",
	.description = "Track time/action changes to files specified in configuration data",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_EVENT,
};
