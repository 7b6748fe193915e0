// SPDX-License-Identifier: Apache-2.0
/*
 * The `interface_addresses` table: lo has 127.0.0.1/255.0.0.0, and the
 * (interface, address) pairs are exactly those `ip -o addr` prints.
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(interface_addresses_columns)
{
	VT_ASSERT_COLUMNS("interface_addresses",
			  "interface TEXT, address TEXT, mask TEXT, broadcast TEXT, "
			  "point_to_point TEXT, type TEXT, friendly_name TEXT");
}

VT_TEST(interface_addresses_rows)
{
	char *count = vt_shell_output("ip -o addr | wc -l");
	char *pairs = vt_shell_output("ip -o addr | awk '{ split($4, a, \"/\"); "
				      "print $2 \" \" a[1] }' | LC_ALL=C sort | paste -sd,");
	struct vt_rows *lo = vt_query("SELECT mask FROM interface_addresses "
				      "WHERE interface = 'lo' AND address = '127.0.0.1'",
				      NULL);

	VT_ASSERT(count && pairs && lo);
	VT_ASSERT_EQ(lo->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(lo, 0, "mask"), "255.0.0.0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM interface_addresses"), count);
	/* ip prints link-local addresses without the "%<interface>" scope. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT group_concat(p, ',') FROM (SELECT interface || ' ' || "
				   "CASE WHEN instr(address, '%%') THEN substr(address, 1, "
				   "instr(address, '%%') - 1) ELSE address END AS p "
				   "FROM interface_addresses ORDER BY p)"),
			 pairs);
	vt_rows_free(lo);
	free(count);
	free(pairs);
}
