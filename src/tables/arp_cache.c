// SPDX-License-Identifier: Apache-2.0
/*
 * arp_cache.c - the `arp_cache` table: the kernel's IPv4 neighbour cache,
 * one row per entry of /proc/net/arp (this network namespace).
 *
 * HOW IT WORKS: after the header line, each line is "IP address, HW type,
 * Flags, HW address, Mask, Device" separated by blanks. permanent is "1"
 * when the flags carry ATF_PERM (static entries, `nud permanent`), "0"
 * otherwise. Lines without six fields are skipped.
 *
 * Limits: IPv6 neighbours (NDP) are not in /proc/net/arp and are not listed,
 * as in osquery; the file is read up to 16 MiB.
 */
#include "vigil/table.h"

#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_ADDRESS,
	C_MAC,
	C_INTERFACE,
	C_PERMANENT,
};

static const struct vg_column columns[] = {
	[C_ADDRESS] = { "address", VG_TYPE_TEXT, 0, "IPv4 address target" },
	[C_MAC] = { "mac", VG_TYPE_TEXT, VG_COL_NOCASE, "MAC address of broadcasted address" },
	[C_INTERFACE] = { "interface", VG_TYPE_TEXT, 0, "Interface of the network for the MAC" },
	[C_PERMANENT] = { "permanent", VG_TYPE_TEXT, 0, "1 for true, 0 for false" },
};

#define ARP_FIELDS 6

static void arp_line(struct vg_query *q, char *line)
{
	char *f[ARP_FIELDS], *save = NULL;
	size_t n = 0;
	unsigned long flags;

	for (char *t = strtok_r(line, " \t", &save); t && n < ARP_FIELDS;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n < ARP_FIELDS)
		return;
	flags = strtoul(f[2], NULL, 16);
	vg_row_begin(q);
	vg_row_text(q, C_ADDRESS, f[0]);
	vg_row_text(q, C_MAC, f[3]);
	vg_row_text(q, C_INTERFACE, f[5]);
	vg_row_text(q, C_PERMANENT, (flags & ATF_PERM) ? "1" : "0");
	vg_row_end(q);
}

static int arp_cache_generate(struct vg_query *q)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char *save = NULL, *line;

	vg_read_file("/proc/net/arp", 16u << 20, false, &sb);
	line = strtok_r(sb.buf, "\n", &save); /* the header */
	while (line && (line = strtok_r(NULL, "\n", &save)))
		arp_line(q, line);
	vg_strbuf_release(&sb);
	return 0;
}

const struct vg_table vg_table_arp_cache = {
	.name = "arp_cache",
	.description = "Address resolution cache, both static and dynamic (from ARP)",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 20,
	.generate = arp_cache_generate,
};
