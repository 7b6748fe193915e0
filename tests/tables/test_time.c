// SPDX-License-Identifier: Apache-2.0
/* The `time` table: osquery's columns, one row, values in range and now. */
#include <stdlib.h>
#include <time.h>

#include "vt.h"

VT_TEST(time_columns)
{
	VT_ASSERT_COLUMNS("time", "weekday TEXT, year INTEGER, month INTEGER, day INTEGER, "
				  "hour INTEGER, minutes INTEGER, seconds INTEGER, timezone TEXT, "
				  "local_timezone TEXT, unix_time INTEGER, timestamp TEXT, "
				  "datetime TEXT, iso_8601 TEXT");
}

VT_TEST(time_row)
{
	long long before = (long long)time(NULL);
	struct vt_rows *r = vt_query("SELECT * FROM time", NULL);
	long long unix_time;

	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	unix_time = atoll(vt_cell(r, 0, "unix_time"));
	VT_ASSERT(unix_time >= before && unix_time <= before + 5);
	VT_ASSERT(atoi(vt_cell(r, 0, "month")) >= 1 && atoi(vt_cell(r, 0, "month")) <= 12);
	VT_ASSERT(atoi(vt_cell(r, 0, "day")) >= 1 && atoi(vt_cell(r, 0, "day")) <= 31);
	VT_ASSERT(atoi(vt_cell(r, 0, "hour")) >= 0 && atoi(vt_cell(r, 0, "hour")) <= 23);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "timezone"), "UTC");
	VT_ASSERT_EQ(strlen(vt_cell(r, 0, "iso_8601")), 20);
	vt_rows_free(r);
}
