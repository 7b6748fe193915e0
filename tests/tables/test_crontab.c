// SPDX-License-Identifier: Apache-2.0
/*
 * The `crontab` table: columns, and the jobs of a file the test writes into
 * /etc/cron.d (a schedule line with its user field skipped, an @reboot line,
 * and lines that are not jobs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(crontab_columns)
{
	VT_ASSERT_COLUMNS("crontab", "event TEXT, minute TEXT, hour TEXT, day_of_month TEXT, "
				     "month TEXT, day_of_week TEXT, command TEXT, path TEXT, "
				     "pid_with_namespace INTEGER");
}

static const char cron_text[] = "# a comment\n"
				"SHELL=/bin/sh\n"
				"MAILTO = root\n"
				"\n"
				"*/5 1 * jan 1-5 root /usr/bin/true --flag \"x  y\"\n"
				"@reboot   nobody /bin/echo booted\n"
				"1 2 3\n";

/* Checks the rows of @path; the caller removes the file whatever happens. */
static void crontab_check(const char *path)
{
	char sql[512];
	struct vt_rows *r;

	snprintf(sql, sizeof(sql), "SELECT * FROM crontab WHERE path = '%s' ORDER BY event", path);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 2);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "event"), "");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "minute"), "*/5");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "hour"), "1");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "day_of_month"), "*");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "month"), "jan");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "day_of_week"), "1-5");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "command"), "/usr/bin/true --flag \"x  y\"");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "event"), "@reboot");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "minute"), "");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "command"), "/bin/echo booted");
	vt_rows_free(r);
}

VT_TEST(crontab_cron_d)
{
	char path[128];

	mkdir("/etc/cron.d", 0755);
	snprintf(path, sizeof(path), "/etc/cron.d/vigil-test-%d", (int)getpid());
	VT_ASSERT_OK(vt_write_file(path, cron_text, sizeof(cron_text) - 1));
	crontab_check(path);
	unlink(path);
}
