// SPDX-License-Identifier: Apache-2.0
/* The `users` table: osquery's columns, root as getent sees it, lookups, count. */
#include <stdlib.h>

#include "vt.h"

VT_TEST(users_columns)
{
	VT_ASSERT_COLUMNS("users", "uid BIGINT, gid BIGINT, uid_signed BIGINT, gid_signed BIGINT, "
				   "username TEXT, description TEXT, directory TEXT, shell TEXT, "
				   "uuid TEXT, pid_with_namespace INTEGER, include_remote INTEGER");
}

VT_TEST(users_root)
{
	char *shell = vt_shell_output("getent passwd root | cut -d: -f7");
	struct vt_rows *r = vt_query("SELECT * FROM users WHERE uid = 0", NULL);

	VT_ASSERT(shell);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "username"), "root");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "gid"), "0");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "directory"), "/root");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "shell"), shell);
	vt_rows_free(r);
	free(shell);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT uid FROM users WHERE username = 'root'"), "0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM users WHERE uid = 4000000123"), "0");
}

VT_TEST(users_count_matches_getent)
{
	/* Other tests may add a user meanwhile: the count must match one side. */
	char *before = vt_shell_output("getent passwd | wc -l");
	long long n = atoll(vt_scalar("SELECT count(*) FROM users"));
	char *after = vt_shell_output("getent passwd | wc -l");

	VT_ASSERT(before && after);
	if (n != atoll(after))
		VT_ASSERT_EQ(n, atoll(before));
	free(after);
	free(before);
}

VT_TEST(users_join_processes_style)
{
	/* IN lists reach the generator as lookups; a NULL uid matches nothing. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM users WHERE uid IN (0, 0, 4000000123)"),
			 "1");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM users WHERE uid = NULL"), "0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM users WHERE uuid = 'nope'"), "0");
}
