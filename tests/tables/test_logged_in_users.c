// SPDX-License-Identifier: Apache-2.0
/*
 * The `logged_in_users` table: columns, and its login sessions against what
 * `who` prints from the same utmp file (often none in CI, then both are 0).
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(logged_in_users_columns)
{
	VT_ASSERT_COLUMNS("logged_in_users", "type TEXT, user TEXT, tty TEXT, host TEXT, "
					     "time BIGINT, pid INTEGER");
}

VT_TEST(logged_in_users_match_who)
{
	char *n = vt_shell_output("who 2>/dev/null | wc -l");
	char *first = vt_shell_output("who 2>/dev/null | awk 'NR == 1 { print $1 \" \" $2 }'");

	VT_ASSERT(n && first);
	VT_ASSERT_EQ(atoll(vt_scalar("SELECT count(*) FROM logged_in_users WHERE type = 'user'")),
		     atoll(n));
	if (*first)
		VT_ASSERT_STR_EQ(vt_scalar("SELECT user || ' ' || tty FROM logged_in_users WHERE "
					   "type = 'user' LIMIT 1"),
				 first);
	/* Every row has a known type and no row is init's (pid 1). */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM logged_in_users WHERE pid = 1 OR type "
				   "NOT IN ('empty', 'runlevel', 'boot_time', 'new_time', "
				   "'old_time', 'init', 'login', 'user', 'dead', 'accounting')"),
			 "0");
	free(first);
	free(n);
}
