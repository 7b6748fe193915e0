// SPDX-License-Identifier: Apache-2.0
/* The `etc_services` table: columns, ssh as getent sees it, the line count. */
#include <stdlib.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(etc_services_columns)
{
	VT_ASSERT_COLUMNS("etc_services", "name TEXT, port INTEGER, protocol TEXT, aliases TEXT, "
					  "comment TEXT");
}

VT_TEST(etc_services_ssh)
{
	/* getent prints "ssh    22/tcp" from the services database (netbase). */
	char *want = vt_shell_output("getent services ssh/tcp | awk '{ print $2 }'");
	struct vt_rows *r;

	VT_ASSERT(want);
	if (!*want || access("/etc/services", R_OK) != 0) {
		free(want);
		VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM etc_services"), "0");
		return;
	}
	VT_ASSERT_STR_EQ(want, "22/tcp");
	r = vt_query("SELECT port, protocol FROM etc_services WHERE name = 'ssh'", NULL);
	VT_ASSERT(r);
	VT_ASSERT(r->n_rows >= 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "port"), "22");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "protocol"), "tcp");
	vt_rows_free(r);
	free(want);
}

VT_TEST(etc_services_count)
{
	char *n = vt_shell_output("sed 's/#.*//' /etc/services 2>/dev/null | "
				  "awk '$2 ~ /^[0-9]+\\/[a-z]+$/' | wc -l");

	VT_ASSERT(n);
	VT_ASSERT_EQ(atoll(vt_scalar("SELECT count(*) FROM etc_services")), atoll(n));
	free(n);
}
