// SPDX-License-Identifier: Apache-2.0
/*
 * The `dns_resolvers` table: columns, and the nameserver and search rows
 * against an independent awk parse of /etc/resolv.conf.
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(dns_resolvers_columns)
{
	VT_ASSERT_COLUMNS("dns_resolvers", "id INTEGER, type TEXT, address TEXT, netmask TEXT, "
					   "options BIGINT, pid_with_namespace INTEGER");
}

VT_TEST(dns_resolvers_nameservers)
{
	char *want = vt_shell_output(
	    "awk '$1 == \"nameserver\" && NF > 1 && n < 3 { printf \"%s%s\", (n ? \",\" : \"\"), "
	    "$2; n++ }' /etc/resolv.conf 2>/dev/null");

	VT_ASSERT(want);
	VT_ASSERT_STR_EQ(
	    vt_scalar("SELECT ifnull(group_concat(address, ','), '') FROM (SELECT "
		      "address FROM dns_resolvers WHERE type = 'nameserver' ORDER BY id)"),
	    want);
	/* RES_INIT (bit 0) is set on every row by a successful res_ninit. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM dns_resolvers WHERE options & 1 = 0"),
			 "0");
	free(want);
}

VT_TEST(dns_resolvers_search)
{
	char *want = vt_shell_output(
	    "awk '($1 == \"search\" || $1 == \"domain\") { s = $0; sub(/^[ \\t]*[a-z]+/, \"\", s) "
	    "} END { n = split(s, a, \" \"); for (i = 1; i <= n; i++) printf \"%s%s\", (i > 1 ? "
	    "\",\" : \"\"), a[i] }' /etc/resolv.conf 2>/dev/null");

	VT_ASSERT(want);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT ifnull(group_concat(address, ','), '') FROM (SELECT "
				   "address FROM dns_resolvers WHERE type = 'search' ORDER BY id)"),
			 want);
	free(want);
}
