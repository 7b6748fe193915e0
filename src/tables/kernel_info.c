// SPDX-License-Identifier: Apache-2.0
/*
 * kernel_info.c - the `kernel_info` table: the running kernel, one row.
 *
 * HOW IT WORKS: version is the third word of /proc/version ("Linux version
 * <release> ..."), which is uname's release. /proc/cmdline is split on
 * spaces as osquery does: BOOT_IMAGE= gives path, root= gives device, and
 * every other word, in order, makes arguments.
 *
 * Limits: quoted arguments containing spaces are split like any other (as
 * osquery); the command line is capped at 64 KiB.
 */
#include "vigil/table.h"

#include <string.h>

#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_VERSION,
	C_ARGUMENTS,
	C_PATH,
	C_DEVICE,
};

static const struct vg_column columns[] = {
	[C_VERSION] = { "version", VG_TYPE_TEXT, 0, "Kernel version" },
	[C_ARGUMENTS] = { "arguments", VG_TYPE_TEXT, 0, "Kernel arguments" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Kernel path" },
	[C_DEVICE] = { "device", VG_TYPE_TEXT, 0, "Kernel device identifier" },
};

/* Splits @cmdline into path, device and the remaining arguments; emits them. */
static void ki_cmdline(struct vg_query *q, const char *cmdline)
{
	struct vg_strbuf args = VG_STRBUF_INIT;
	const char *p = cmdline;

	while (*p) {
		size_t n = strcspn(p, " \t\n");

		if (n == 0) {
			p++;
			continue;
		}
		if (n > 11 && !strncmp(p, "BOOT_IMAGE=", 11)) {
			vg_row_textn(q, C_PATH, p + 11, n - 11);
		} else if (n >= 5 && !strncmp(p, "root=", 5)) {
			vg_row_textn(q, C_DEVICE, p + 5, n - 5);
		} else {
			if (args.len)
				vg_strbuf_addch(&args, ' ');
			vg_strbuf_add(&args, p, n);
		}
		p += n;
	}
	vg_row_text(q, C_ARGUMENTS, args.buf);
	vg_strbuf_release(&args);
}

static int kernel_info_generate(struct vg_query *q)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;

	vg_row_begin(q);
	/* On failure sb stays empty and the prefix check fails. */
	vg_read_file("/proc/version", 4096, false, &sb);
	if (!strncmp(sb.buf, "Linux version ", 14)) {
		const char *v = sb.buf + 14;

		vg_row_textn(q, C_VERSION, v, strcspn(v, " \n"));
	}
	vg_strbuf_reset(&sb);
	/* A longer command line is truncated (-EFBIG); what fits is still used. */
	if (vg_read_file("/proc/cmdline", 65536, false, &sb) == 0 || sb.len)
		ki_cmdline(q, sb.buf);
	vg_row_end(q);
	vg_strbuf_release(&sb);
	return 0;
}

const struct vg_table vg_table_kernel_info = {
	.name = "kernel_info",
	.description = "Basic active kernel information",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1,
	.generate = kernel_info_generate,
};
