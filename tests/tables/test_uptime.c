// SPDX-License-Identifier: Apache-2.0
/* The `uptime` table: osquery's columns; total_seconds matches /proc/uptime. */
#include <stdlib.h>

#include "vt.h"

VT_TEST(uptime_columns)
{
	VT_ASSERT_COLUMNS("uptime", "days INTEGER, hours INTEGER, minutes INTEGER, "
				    "seconds INTEGER, total_seconds BIGINT");
}

VT_TEST(uptime_row)
{
	char *proc = vt_shell_output("cut -d. -f1 /proc/uptime");
	struct vt_rows *r = vt_query("SELECT * FROM uptime", NULL);
	long long total, want, sum;

	VT_ASSERT(proc && r);
	VT_ASSERT_EQ(r->n_rows, 1);
	total = atoll(vt_cell(r, 0, "total_seconds"));
	want = atoll(proc);
	VT_ASSERT(total >= want && total <= want + 2);
	sum = atoll(vt_cell(r, 0, "days")) * 86400 + atoll(vt_cell(r, 0, "hours")) * 3600 +
	      atoll(vt_cell(r, 0, "minutes")) * 60 + atoll(vt_cell(r, 0, "seconds"));
	VT_ASSERT_EQ(sum, total);
	VT_ASSERT(atoll(vt_cell(r, 0, "hours")) < 24 && atoll(vt_cell(r, 0, "minutes")) < 60);
	vt_rows_free(r);
	free(proc);
}
