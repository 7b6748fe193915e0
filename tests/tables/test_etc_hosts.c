// SPDX-License-Identifier: Apache-2.0
/* The `etc_hosts` table: columns, the localhost row, the count of mapping lines. */
#include <stdlib.h>

#include "vt.h"

VT_TEST(etc_hosts_columns)
{
	VT_ASSERT_COLUMNS("etc_hosts", "address TEXT, hostnames TEXT, pid_with_namespace INTEGER");
}

VT_TEST(etc_hosts_localhost)
{
	char *want =
	    vt_shell_output("sed 's/#.*//' /etc/hosts | awk '$1 == \"127.0.0.1\" && NF > 1 "
			    "{ $1 = \"\"; sub(/^ /, \"\"); print; exit }'");
	struct vt_rows *r =
	    vt_query("SELECT hostnames FROM etc_hosts WHERE address = '127.0.0.1'", NULL);

	VT_ASSERT(want && r);
	VT_ASSERT(r->n_rows >= 1);
	VT_ASSERT_CONTAINS(vt_cell(r, 0, "hostnames"), "localhost");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "hostnames"), want);
	vt_rows_free(r);
	free(want);
}

VT_TEST(etc_hosts_count)
{
	char *n = vt_shell_output("sed 's/#.*//' /etc/hosts | awk 'NF >= 2' | wc -l");

	VT_ASSERT(n);
	VT_ASSERT_EQ(atoll(vt_scalar("SELECT count(*) FROM etc_hosts")), atoll(n));
	free(n);
}
