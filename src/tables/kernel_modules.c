// SPDX-License-Identifier: Apache-2.0
/*
 * kernel_modules.c - the `kernel_modules` table: loaded modules from
 * /proc/modules, one row per line.
 *
 * HOW IT WORKS: each line is "name size refcount used_by status address";
 * used_by is a comma-terminated list ("-" when empty), whose final comma is
 * dropped as osquery does. Malformed lines (fewer than six words) are
 * skipped. A kernel built without module support has no /proc/modules: then
 * the table is empty.
 */
#include "vigil/table.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_NAME,
	C_SIZE,
	C_USED_BY,
	C_STATUS,
	C_ADDRESS,
};

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "Module name" },
	[C_SIZE] = { "size", VG_TYPE_BIGINT, 0, "Size of module content" },
	[C_USED_BY] = { "used_by", VG_TYPE_TEXT, 0, "Module reverse dependencies" },
	[C_STATUS] = { "status", VG_TYPE_TEXT, 0, "Kernel module status" },
	[C_ADDRESS] = { "address", VG_TYPE_TEXT, 0, "Kernel module address" },
};

#define KM_WORDS 6

/* Emits the module described by @line (NUL-terminated, modified in place). */
static void km_line(struct vg_query *q, char *line)
{
	char *w[KM_WORDS], *save = NULL;
	size_t n = 0, len;

	for (char *t = strtok_r(line, " \t", &save); t && n < KM_WORDS;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n < KM_WORDS)
		return;
	len = strlen(w[3]);
	if (len > 1 && w[3][len - 1] == ',')
		w[3][len - 1] = '\0';
	vg_row_begin(q);
	vg_row_text(q, C_NAME, w[0]);
	vg_row_int(q, C_SIZE, strtoll(w[1], NULL, 10));
	vg_row_text(q, C_USED_BY, w[3]);
	vg_row_text(q, C_STATUS, w[4]);
	vg_row_text(q, C_ADDRESS, w[5]);
	vg_row_end(q);
}

static int kernel_modules_generate(struct vg_query *q)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char *line, *save = NULL;

	/* 16 MiB is far beyond any real module list; a longer one is truncated. */
	vg_read_file("/proc/modules", 16u << 20, false, &sb);
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		km_line(q, line);
	vg_strbuf_release(&sb);
	return 0;
}

const struct vg_table vg_table_kernel_modules = {
	.name = "kernel_modules",
	.description = "Linux kernel modules both loaded and within the load search path",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 100,
	.generate = kernel_modules_generate,
};
