// SPDX-License-Identifier: Apache-2.0
/*
 * uptime.c - the `uptime` table: time since boot, one row.
 *
 * HOW IT WORKS: CLOCK_BOOTTIME is the clock behind /proc/uptime (it counts
 * suspended time too), so one clock_gettime() gives total_seconds without a
 * file read; days/hours/minutes/seconds split it so that
 * days*86400 + hours*3600 + minutes*60 + seconds == total_seconds.
 */
#include "vigil/table.h"

#include <time.h>

enum {
	C_DAYS,
	C_HOURS,
	C_MINUTES,
	C_SECONDS,
	C_TOTAL_SECONDS,
};

static const struct vg_column columns[] = {
	[C_DAYS] = { "days", VG_TYPE_INTEGER, 0, "Days of uptime" },
	[C_HOURS] = { "hours", VG_TYPE_INTEGER, 0, "Hours of uptime" },
	[C_MINUTES] = { "minutes", VG_TYPE_INTEGER, 0, "Minutes of uptime" },
	[C_SECONDS] = { "seconds", VG_TYPE_INTEGER, 0, "Seconds of uptime" },
	[C_TOTAL_SECONDS] = { "total_seconds", VG_TYPE_BIGINT, 0, "Total uptime seconds" },
};

static int uptime_generate(struct vg_query *q)
{
	struct timespec ts;
	int64_t total;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return 0; /* no boot clock: no row rather than a wrong one */
	total = (int64_t)ts.tv_sec;
	vg_row_begin(q);
	vg_row_int(q, C_DAYS, total / 86400);
	vg_row_int(q, C_HOURS, total % 86400 / 3600);
	vg_row_int(q, C_MINUTES, total % 3600 / 60);
	vg_row_int(q, C_SECONDS, total % 60);
	vg_row_int(q, C_TOTAL_SECONDS, total);
	vg_row_end(q);
	return 0;
}

const struct vg_table vg_table_uptime = {
	.name = "uptime",
	.description = "Track time passed since last boot",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1,
	.generate = uptime_generate,
};
