// SPDX-License-Identifier: Apache-2.0
/*
 * The `routes` table: the IPv4 unicast routes (destination/prefix and
 * interface) are those `ip -4 route show table main` prints, the default
 * route's gateway is ip's, and the IPv6 row count matches
 * `ip -6 route show table all`.
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(routes_columns)
{
	VT_ASSERT_COLUMNS("routes", "destination TEXT, netmask INTEGER, gateway TEXT, source TEXT, "
				    "flags INTEGER, interface TEXT, mtu INTEGER, metric INTEGER, "
				    "type TEXT, hopcount INTEGER");
}

VT_TEST(routes_ipv4)
{
	/* "default" is 0.0.0.0/0 and a bare address a /32; non-unicast types are skipped. */
	char *want = vt_shell_output(
	    "ip -4 route show table main | awk '"
	    "$1 ~ /^(unreachable|blackhole|prohibit|throw|broadcast|local|multicast|nat)$/ "
	    "{ next } { d = $1; if (d == \"default\") d = \"0.0.0.0/0\"; "
	    "else if (d !~ /\\//) d = d \"/32\"; dev = \"\"; "
	    "for (i = 2; i < NF; i++) if ($i == \"dev\") dev = $(i + 1); print d \" \" dev }' | "
	    "LC_ALL=C sort | paste -sd,");
	char *gw = vt_shell_output(
	    "ip -4 route show default table main | "
	    "awk '{ for (i = 1; i < NF; i++) if ($i == \"via\") print $(i + 1) }' | "
	    "head -n1");

	VT_ASSERT(want && gw);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT group_concat(p, ',') FROM (SELECT destination || '/' || "
				   "netmask || ' ' || interface AS p FROM routes WHERE type = "
				   "'gateway' AND destination NOT LIKE '%%:%%' ORDER BY p)"),
			 want);
	if (*gw)
		VT_ASSERT_STR_EQ(vt_scalar("SELECT gateway FROM routes WHERE destination = "
					   "'0.0.0.0' AND netmask = 0 AND type = 'gateway'"),
				 gw);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM routes WHERE type = 'local' AND "
				   "destination = '127.0.0.1' AND interface = 'lo'"),
			 "1");
	free(want);
	free(gw);
}

VT_TEST(routes_ipv6)
{
	char *n6 = vt_shell_output("ip -6 route show table all 2>/dev/null | wc -l");

	VT_ASSERT(n6);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM routes WHERE destination LIKE '%%:%%'"),
			 n6);
	free(n6);
}
