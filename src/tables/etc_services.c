// SPDX-License-Identifier: Apache-2.0
/*
 * etc_services.c - the `etc_services` table: the network services database.
 *
 * HOW IT WORKS: /etc/services is read once and split in place. A line is
 * "name port/protocol [aliases...] [# comment]": the text after '#' becomes
 * `comment` (trimmed), the aliases are joined with single spaces. Lines
 * without a valid port/protocol pair are skipped.
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "vigil/strbuf.h"

#define SERVICES_PATH "/etc/services"

enum { C_NAME, C_PORT, C_PROTOCOL, C_ALIASES, C_COMMENT };

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "Service name" },
	[C_PORT] = { "port", VG_TYPE_INTEGER, 0, "Service port number" },
	[C_PROTOCOL] = { "protocol", VG_TYPE_TEXT, 0, "Transport protocol (TCP/UDP)" },
	[C_ALIASES] = { "aliases", VG_TYPE_TEXT, 0,
			"Optional space separated list of other names for a service" },
	[C_COMMENT] = { "comment", VG_TYPE_TEXT, 0, "Optional comment for a service." },
};

/* Emits the row of one services line (modified in place), if it has one. */
static void services_line(struct vg_query *q, char *line, struct vg_strbuf *aliases)
{
	char *hash = strchr(line, '#'), *name, *portproto, *proto, *alias, *end;
	long port;

	if (hash)
		*hash++ = '\0';
	name = vg_cfg_token(&line);
	portproto = vg_cfg_token(&line);
	if (!name || !portproto)
		return;
	proto = strchr(portproto, '/');
	if (!proto || proto == portproto || !proto[1])
		return;
	*proto++ = '\0';
	port = strtol(portproto, &end, 10);
	if (*end || port < 0 || port > 65535)
		return;
	vg_strbuf_reset(aliases);
	while ((alias = vg_cfg_token(&line))) {
		if (aliases->len)
			vg_strbuf_addch(aliases, ' ');
		vg_strbuf_addstr(aliases, alias);
	}
	vg_row_begin(q);
	vg_row_text(q, C_NAME, name);
	vg_row_int(q, C_PORT, port);
	vg_row_text(q, C_PROTOCOL, proto);
	vg_row_text(q, C_ALIASES, aliases->buf);
	vg_row_text(q, C_COMMENT, hash ? vg_cfg_trim(hash) : "");
	vg_row_end(q);
}

static int etc_services_generate(struct vg_query *q)
{
	struct vg_strbuf text = VG_STRBUF_INIT, aliases = VG_STRBUF_INIT;
	char *cursor, *line;
	int err;

	err = vg_cfg_read(AT_FDCWD, SERVICES_PATH, false, VG_CFG_MAX_BYTES, &text);
	if (err && err != -EFBIG)
		goto out;
	cursor = text.buf;
	while ((line = vg_cfg_next_line(&cursor))) {
		if (err == -EFBIG && !*cursor)
			break; /* the cut, partial last line */
		services_line(q, line, &aliases);
	}
out:
	vg_strbuf_release(&aliases);
	vg_strbuf_release(&text);
	return 0;
}

const struct vg_table vg_table_etc_services = {
	.name = "etc_services",
	.description = "Line-parsed /etc/services",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 600,
	.est_cost = 1500,
	.generate = etc_services_generate,
};
