// SPDX-License-Identifier: Apache-2.0
/*
 * dns_resolvers.c - the `dns_resolvers` table: the resolver configuration
 * (nameservers, search domains, sortlist) of /etc/resolv.conf.
 *
 * HOW IT WORKS: the file is read once and parsed as glibc does: keywords
 * start a line, '#' and ';' lines are comments, the first three `nameserver`
 * lines count (MAXNS), the last `search` or `domain` line gives the search
 * list, and `sortlist` gives address[/netmask] pairs. Rows are numbered per
 * type (`id`), like osquery's. `options` is glibc's resolver option bitmask
 * (RES_*) from one res_ninit() into a private state, the value osquery
 * reports, set on every row. With `pid_with_namespace = N` the resolv.conf of
 * that process's mount namespace is parsed.
 *
 * LIMITS: `options` always describes the host's resolver (res_ninit reads
 * only the host file, and honours RES_OPTIONS/LOCALDOMAIN). A nameserver's
 * netmask is "32" (IPv4, as osquery) or "128" (IPv6); a sortlist entry's is
 * the text after '/', or NULL.
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

#include "cfgfile.h"
#include "vigil/strbuf.h"

#define RESOLV_MAX_NAMESERVERS 3  /* glibc's MAXNS */
#define RESOLV_MAX_SORTLIST    10 /* glibc's MAXRESOLVSORT */

enum { C_ID, C_TYPE, C_ADDRESS, C_NETMASK, C_OPTIONS, C_PID_WITH_NAMESPACE };

static const struct vg_column columns[] = {
	[C_ID] = { "id", VG_TYPE_INTEGER, 0, "Address type index or order" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Address type: sortlist, nameserver, search" },
	[C_ADDRESS] = { "address", VG_TYPE_TEXT, 0, "Resolver IP/IPv6 address" },
	[C_NETMASK] = { "netmask", VG_TYPE_TEXT, 0, "Address (sortlist) netmask length" },
	[C_OPTIONS] = { "options", VG_TYPE_BIGINT, 0, "Resolver options" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
};

/* What one parse shares with its rows. */
struct resolv_ctx {
	struct vg_query *q;
	int64_t options; /* RES_* bitmask */
	int64_t ns_pid;	 /* pid_with_namespace, 0 for the host */
};

static void resolv_emit(const struct resolv_ctx *c, int id, const char *type, const char *addr,
			const char *netmask)
{
	vg_row_begin(c->q);
	vg_row_int(c->q, C_ID, id);
	vg_row_text(c->q, C_TYPE, type);
	vg_row_text(c->q, C_ADDRESS, addr);
	if (netmask)
		vg_row_text(c->q, C_NETMASK, netmask);
	vg_row_int(c->q, C_OPTIONS, c->options);
	if (c->ns_pid)
		vg_row_int(c->q, C_PID_WITH_NAMESPACE, c->ns_pid);
	vg_row_end(c->q);
}

/* The `sortlist` rows of one line's arguments (modified in place). */
static void resolv_sortlist(const struct resolv_ctx *c, char *args)
{
	char *tok;
	int id = 0;

	while (id < RESOLV_MAX_SORTLIST && (tok = vg_cfg_token(&args))) {
		char *slash = strchr(tok, '/');

		if (slash)
			*slash++ = '\0';
		resolv_emit(c, id++, "sortlist", tok, slash);
	}
}

/* Parses resolv.conf @text (modified in place) into rows. */
static void resolv_parse(const struct resolv_ctx *c, char *text)
{
	char *cursor = text, *line, *search = NULL, *sortlist = NULL, *tok;
	int n_ns = 0, id = 0;

	while ((line = vg_cfg_next_line(&cursor))) {
		char *kw = vg_cfg_token(&line);

		if (!kw || kw[0] == '#' || kw[0] == ';')
			continue;
		if (!strcmp(kw, "nameserver") && n_ns < RESOLV_MAX_NAMESERVERS) {
			char *addr = vg_cfg_token(&line);

			if (addr)
				resolv_emit(c, n_ns++, "nameserver", addr,
					    strchr(addr, ':') ? "128" : "32");
		} else if (!strcmp(kw, "search") || !strcmp(kw, "domain")) {
			search = line; /* the last one wins */
		} else if (!strcmp(kw, "sortlist")) {
			sortlist = line;
		}
	}
	if (sortlist)
		resolv_sortlist(c, sortlist);
	while (search && (tok = vg_cfg_token(&search))) {
		if (tok[0] == '#' || tok[0] == ';')
			break;
		resolv_emit(c, id++, "search", tok, NULL);
	}
}

/* glibc's option bitmask for the host (0 if the resolver cannot initialise). */
static int64_t resolv_options(void)
{
	struct __res_state st;
	int64_t options = 0;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) == 0) {
		options = (int64_t)st.options;
		res_nclose(&st);
	}
	return options;
}

static int dns_resolvers_generate(struct vg_query *q)
{
	struct vg_strbuf text = VG_STRBUF_INIT;
	struct vg_cfg_root root = { 0 };
	struct resolv_ctx c = { .q = q, .options = 0 };

	if (vg_query_col_used(q, C_OPTIONS) || vg_query_has(q, C_OPTIONS))
		c.options = resolv_options();
	while (vg_cfg_next_root(q, C_PID_WITH_NAMESPACE, &root)) {
		char path[96];

		snprintf(path, sizeof(path), "%s/etc/resolv.conf", root.path);
		vg_strbuf_reset(&text);
		/* A cut file still parses: at worst its last line is partial. */
		if (vg_cfg_read(AT_FDCWD, path, false, 1024 * 1024, &text) == -ENOENT)
			continue;
		c.ns_pid = root.pid;
		resolv_parse(&c, text.buf);
	}
	vg_strbuf_release(&text);
	return 0;
}

const struct vg_table vg_table_dns_resolvers = {
	.name = "dns_resolvers",
	.description = "Resolvers used by this host",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 5,
	.est_cost = 50,
	.generate = dns_resolvers_generate,
};
