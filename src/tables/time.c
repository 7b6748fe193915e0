// SPDX-License-Identifier: Apache-2.0
/*
 * time.c - the `time` table: the current time, one row (osquery's columns,
 * UTC unless named local).
 */
#include "vigil/table.h"

#include <time.h>

enum {
	C_WEEKDAY,
	C_YEAR,
	C_MONTH,
	C_DAY,
	C_HOUR,
	C_MINUTES,
	C_SECONDS,
	C_TIMEZONE,
	C_LOCAL_TIMEZONE,
	C_UNIX_TIME,
	C_TIMESTAMP,
	C_DATETIME,
	C_ISO_8601,
};

static const struct vg_column columns[] = {
	[C_WEEKDAY] = { "weekday", VG_TYPE_TEXT, 0, "Current weekday in the system" },
	[C_YEAR] = { "year", VG_TYPE_INTEGER, 0, "Current year in UTC" },
	[C_MONTH] = { "month", VG_TYPE_INTEGER, 0, "Current month in UTC" },
	[C_DAY] = { "day", VG_TYPE_INTEGER, 0, "Current day in UTC" },
	[C_HOUR] = { "hour", VG_TYPE_INTEGER, 0, "Current hour in UTC" },
	[C_MINUTES] = { "minutes", VG_TYPE_INTEGER, 0, "Current minutes in UTC" },
	[C_SECONDS] = { "seconds", VG_TYPE_INTEGER, 0, "Current seconds in UTC" },
	[C_TIMEZONE] = { "timezone", VG_TYPE_TEXT, 0,
			 "Timezone for the reported time (always UTC)" },
	[C_LOCAL_TIMEZONE] = { "local_timezone", VG_TYPE_TEXT, 0, "Current local timezone" },
	[C_UNIX_TIME] = { "unix_time", VG_TYPE_INTEGER, 0, "Current UNIX time in UTC" },
	[C_TIMESTAMP] = { "timestamp", VG_TYPE_TEXT, 0, "Current timestamp (log format) in UTC" },
	[C_DATETIME] = { "datetime", VG_TYPE_TEXT, 0, "Current date and time (ISO format) in UTC" },
	[C_ISO_8601] = { "iso_8601", VG_TYPE_TEXT, 0, "Current time (ISO format) in UTC" },
};

static int time_generate(struct vg_query *q)
{
	time_t now = time(NULL);
	struct tm utc, local;
	char buf[64];

	gmtime_r(&now, &utc);
	localtime_r(&now, &local);
	vg_row_begin(q);
	strftime(buf, sizeof(buf), "%A", &utc);
	vg_row_text(q, C_WEEKDAY, buf);
	vg_row_int(q, C_YEAR, utc.tm_year + 1900);
	vg_row_int(q, C_MONTH, utc.tm_mon + 1);
	vg_row_int(q, C_DAY, utc.tm_mday);
	vg_row_int(q, C_HOUR, utc.tm_hour);
	vg_row_int(q, C_MINUTES, utc.tm_min);
	vg_row_int(q, C_SECONDS, utc.tm_sec);
	vg_row_text(q, C_TIMEZONE, "UTC");
	strftime(buf, sizeof(buf), "%Z", &local);
	vg_row_text(q, C_LOCAL_TIMEZONE, buf);
	vg_row_int(q, C_UNIX_TIME, (int64_t)now);
	strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y UTC", &utc);
	vg_row_text(q, C_TIMESTAMP, buf);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
	vg_row_text(q, C_DATETIME, buf);
	vg_row_text(q, C_ISO_8601, buf);
	vg_row_end(q);
	return 0;
}

const struct vg_table vg_table_time = {
	.name = "time",
	.description = "Track current date and time in UTC",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_INNOCUOUS,
	.est_rows = 1,
	.generate = time_generate,
};
