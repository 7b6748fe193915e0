// SPDX-License-Identifier: Apache-2.0
/* The `groups` table: osquery's columns, gid 0, the count `getent group` gives. */
#include <stdlib.h>

#include "vt.h"

VT_TEST(groups_columns)
{
	VT_ASSERT_COLUMNS("groups", "gid BIGINT, gid_signed BIGINT, groupname TEXT, "
				    "pid_with_namespace INTEGER");
}

VT_TEST(groups_root)
{
	char *name = vt_shell_output("getent group 0 | cut -d: -f1");

	VT_ASSERT(name);
	VT_ASSERT_STR_EQ(name, "root");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT groupname FROM groups WHERE gid = 0"), name);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM groups WHERE gid = 0"), "1");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT gid_signed FROM groups WHERE gid = 0"), "0");
	free(name);
}

VT_TEST(groups_count_matches_getent)
{
	/* Other tests may add a user meanwhile: the count must match one side. */
	char *before = vt_shell_output("getent group | wc -l");
	long long n = atoll(vt_scalar("SELECT count(*) FROM groups"));
	char *after = vt_shell_output("getent group | wc -l");

	VT_ASSERT(before && after);
	if (n != atoll(after))
		VT_ASSERT_EQ(n, atoll(before));
	VT_ASSERT_EQ(atoll(vt_scalar("SELECT count(*) FROM groups WHERE groupname = 'root'")), 1);
	free(after);
	free(before);
}
