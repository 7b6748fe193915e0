// SPDX-License-Identifier: Apache-2.0
/*
 * users.c - the `users` table: local user accounts (osquery's columns).
 *
 * HOW IT WORKS: the accounts come from pwlist.c: `uid =` is one
 * getpwuid_r() per value and `username =` one getpwnam_r(), so joins such as
 * `processes JOIN users USING (uid)` cost one lookup per process; otherwise
 * /etc/passwd is read (NSS with `include_remote = 1`, as in osquery). With
 * `pid_with_namespace = N` the passwd file of that process's mount namespace
 * is read instead. uid_signed/gid_signed are the ids as signed 32-bit values
 * (so 4294967294 is -2, as on macOS); uuid is empty on Linux.
 */
#include "vigil/table.h"

#include <stdint.h>
#include <string.h>

#include "cfgfile.h"
#include "pwlist.h"

enum {
	C_UID,
	C_GID,
	C_UID_SIGNED,
	C_GID_SIGNED,
	C_USERNAME,
	C_DESCRIPTION,
	C_DIRECTORY,
	C_SHELL,
	C_UUID,
	C_PID_WITH_NAMESPACE,
	C_INCLUDE_REMOTE,
};

static const struct vg_column columns[] = {
	[C_UID] = { "uid", VG_TYPE_BIGINT, VG_COL_INDEX, "User ID" },
	[C_GID] = { "gid", VG_TYPE_BIGINT, 0, "Group ID (unsigned)" },
	[C_UID_SIGNED] = { "uid_signed", VG_TYPE_BIGINT, 0, "User ID as int64 signed (Apple)" },
	[C_GID_SIGNED] = { "gid_signed", VG_TYPE_BIGINT, 0,
			   "Default group ID as int64 signed (Apple)" },
	[C_USERNAME] = { "username", VG_TYPE_TEXT, VG_COL_ADDITIONAL, "Username" },
	[C_DESCRIPTION] = { "description", VG_TYPE_TEXT, 0, "Optional user description" },
	[C_DIRECTORY] = { "directory", VG_TYPE_TEXT, 0, "User's home directory" },
	[C_SHELL] = { "shell", VG_TYPE_TEXT, 0, "User's configured default shell" },
	[C_UUID] = { "uuid", VG_TYPE_TEXT, VG_COL_INDEX | VG_COL_NOCASE,
		     "User's UUID (Apple) or SID (Windows)" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
	[C_INCLUDE_REMOTE] = { "include_remote", VG_TYPE_INTEGER, VG_COL_HIDDEN | VG_COL_ADDITIONAL,
			       "1 to include remote (LDAP-like) accounts, default 0" },
};

/* The include_remote value asked for: the first integer `=` value, else 0. */
static int64_t users_include_remote(const struct vg_query *q)
{
	const struct vg_constraint *c;
	size_t pos = 0;

	c = vg_query_next_op(q, C_INCLUDE_REMOTE, VG_OP_EQ, &pos);
	return c ? c->i : 0;
}

static void users_emit(struct vg_query *q, const struct vg_pwent *e, int64_t ns_pid, int64_t remote)
{
	vg_row_begin(q);
	vg_row_int(q, C_UID, e->uid);
	vg_row_int(q, C_GID, e->gid);
	vg_row_int(q, C_UID_SIGNED, (int32_t)e->uid);
	vg_row_int(q, C_GID_SIGNED, (int32_t)e->gid);
	vg_row_text(q, C_USERNAME, e->name);
	vg_row_text(q, C_DESCRIPTION, e->gecos);
	vg_row_text(q, C_DIRECTORY, e->dir);
	vg_row_text(q, C_SHELL, e->shell);
	vg_row_text(q, C_UUID, "");
	if (ns_pid)
		vg_row_int(q, C_PID_WITH_NAMESPACE, ns_pid);
	vg_row_int(q, C_INCLUDE_REMOTE, remote);
	vg_row_end(q);
}

/* Whether a `uuid =` constraint rules every row out (uuid is "" on Linux). */
static bool users_uuid_excludes(const struct vg_query *q)
{
	size_t pos = 0;
	const char *v;

	if (!vg_cfg_has_eq(q, C_UUID))
		return false;
	while ((v = vg_query_next_eq(q, C_UUID, &pos)))
		if (!*v)
			return false;
	return true;
}

static int users_generate(struct vg_query *q)
{
	struct vg_pwlist list = VG_PWLIST_INIT;
	struct vg_cfg_root root = { 0 };
	int64_t remote = users_include_remote(q);
	int err = 0;

	if (users_uuid_excludes(q))
		return 0;
	while (!err && vg_cfg_next_root(q, C_PID_WITH_NAMESPACE, &root)) {
		struct vg_pw_select sel = {
			.uid_col = C_UID,
			.name_col = C_USERNAME,
			.include_remote = remote != 0,
			.root = root.path,
		};

		err = vg_pwlist_collect(q, &sel, &list);
		for (size_t i = 0; i < list.n; i++)
			users_emit(q, &list.v[i], root.pid, remote);
		vg_pwlist_release(&list);
	}
	if (err)
		vg_query_error(q, "users: cannot read the accounts: %s", strerror(-err));
	return err;
}

const struct vg_table vg_table_users = {
	.name = "users",
	.description = "Local user accounts",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 50,
	.est_cost = 200,
	.generate = users_generate,
};
