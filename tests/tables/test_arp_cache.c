// SPDX-License-Identifier: Apache-2.0
/*
 * The `arp_cache` table: its addresses are the data lines of /proc/net/arp,
 * and a permanent neighbour the test adds on its own veth link shows up with
 * permanent = '1' and its MAC. The link is deleted at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(arp_cache_columns)
{
	VT_ASSERT_COLUMNS("arp_cache", "address TEXT, mac TEXT, interface TEXT, permanent TEXT");
}

/* Addresses of /proc/net/arp against the table's, both sorted. */
static bool arp_same(void)
{
	char *want = vt_shell_output("tail -n +2 /proc/net/arp | awk '{ print $1 \" \" $6 }' | "
				     "LC_ALL=C sort | paste -sd,");
	const char *got = vt_scalar("SELECT group_concat(p, ',') FROM (SELECT address || ' ' || "
				    "interface AS p FROM arp_cache ORDER BY p)");
	bool same = want && !strcmp(want, got);

	if (!same)
		fprintf(stderr, "proc: \"%s\"\ntable: \"%s\"\n", want ? want : "", got);
	free(want);
	return same;
}

VT_TEST(arp_cache_rows)
{
	char cmd[512], dev[16], where[128];
	char *out;
	struct vt_rows *r;
	int pid = (int)getpid();
	bool same;

	snprintf(dev, sizeof(dev), "vgt%d", pid);
	snprintf(cmd, sizeof(cmd),
		 "ip link add %s type veth peer name vgu%d && ip link set %s up && "
		 "ip neigh add 198.51.100.7 lladdr 02:00:00:00:00:07 dev %s nud permanent && "
		 "echo ok",
		 dev, pid, dev, dev);
	out = vt_shell_output(cmd);
	if (!out || strcmp(out, "ok")) {
		free(out);
		snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null", dev);
		free(vt_shell_output(cmd));
		vt_skip("cannot create a veth link with a neighbour entry");
	}
	free(out);
	snprintf(where, sizeof(where), "WHERE interface = '%s'", dev);
	r = vt_query("SELECT * FROM arp_cache WHERE address = '198.51.100.7'", NULL);
	same = arp_same();
	/* Remove the link before asserting, so a failure leaves nothing behind. */
	snprintf(cmd, sizeof(cmd), "ip link del %s", dev);
	free(vt_shell_output(cmd));
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "interface"), dev);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "mac"), "02:00:00:00:00:07");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "permanent"), "1");
	vt_rows_free(r);
	VT_ASSERT(same);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM arp_cache %s", where), "0");
	VT_ASSERT(arp_same());
}
