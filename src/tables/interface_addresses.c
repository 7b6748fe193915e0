// SPDX-License-Identifier: Apache-2.0
/*
 * interface_addresses.c - the `interface_addresses` table: every IPv4 and
 * IPv6 address configured on an interface, one row each.
 *
 * HOW IT WORKS: one getifaddrs() call (a netlink dump in glibc) lists the
 * addresses; each AF_INET/AF_INET6 entry becomes a row with its netmask and,
 * depending on IFF_BROADCAST, a broadcast or point-to-point peer address.
 * Addresses print as getnameinfo(NI_NUMERICHOST) prints them (what osquery
 * shows): IPv6 addresses with a scope id get "%<interface>". type is
 * "unknown", as osquery reports on POSIX hosts.
 */
#include "vigil/table.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

enum {
	C_INTERFACE,
	C_ADDRESS,
	C_MASK,
	C_BROADCAST,
	C_POINT_TO_POINT,
	C_TYPE,
	C_FRIENDLY_NAME,
};

static const struct vg_column columns[] = {
	[C_INTERFACE] = { "interface", VG_TYPE_TEXT, 0, "Interface name" },
	[C_ADDRESS] = { "address", VG_TYPE_TEXT, 0, "Specific address for interface" },
	[C_MASK] = { "mask", VG_TYPE_TEXT, 0, "Interface netmask" },
	[C_BROADCAST] = { "broadcast", VG_TYPE_TEXT, 0, "Broadcast address for the interface" },
	[C_POINT_TO_POINT] = { "point_to_point", VG_TYPE_TEXT, 0, "PtP address for the interface" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0,
		     "Type of address. One of dhcp, manual, auto, other, unknown" },
	[C_FRIENDLY_NAME] = { "friendly_name", VG_TYPE_TEXT, VG_COL_HIDDEN,
			      "The friendly display name of the interface (Windows)" },
};

/* Sets column @col to the text form of @sa (nothing for other families). */
static void ia_addr(struct vg_query *q, int col, const struct sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";

	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		char ifname[IF_NAMESIZE];
		size_t n;

		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
		n = strlen(buf);
		if (in6->sin6_scope_id && if_indextoname(in6->sin6_scope_id, ifname))
			snprintf(buf + n, sizeof(buf) - n, "%%%s", ifname);
	} else {
		return;
	}
	vg_row_text(q, col, buf);
}

static int interface_addresses_generate(struct vg_query *q)
{
	struct ifaddrs *all = NULL;

	if (getifaddrs(&all) != 0)
		return 0; /* no netlink (sandbox): no rows */
	for (const struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr ||
		    (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
			continue;
		vg_row_begin(q);
		vg_row_text(q, C_INTERFACE, a->ifa_name);
		ia_addr(q, C_ADDRESS, a->ifa_addr);
		ia_addr(q, C_MASK, a->ifa_netmask);
		ia_addr(q, (a->ifa_flags & IFF_BROADCAST) ? C_BROADCAST : C_POINT_TO_POINT,
			a->ifa_broadaddr);
		vg_row_text(q, C_TYPE, "unknown");
		vg_row_end(q);
	}
	freeifaddrs(all);
	return 0;
}

const struct vg_table vg_table_interface_addresses = {
	.name = "interface_addresses",
	.description = "Network interfaces and relevant metadata",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 10,
	.generate = interface_addresses_generate,
};
