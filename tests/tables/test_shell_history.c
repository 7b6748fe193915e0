// SPDX-License-Identifier: Apache-2.0
/*
 * The `shell_history` table: columns, and the commands of a temporary user
 * (useradd -M with a home in a temporary directory, always userdel'd): bash
 * history with "#<epoch>" lines and plain lines, zsh extended history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(shell_history_columns)
{
	VT_ASSERT_COLUMNS("shell_history",
			  "uid BIGINT, time INTEGER, command TEXT, history_file TEXT");
}

static const char bash_text[] = "#1700000000\n"
				"ls -la\n"
				"echo plain\n"
				"\n"
				"#1700000100\n"
				"git status\n";
static const char zsh_text[] = ": 1700000200:0;make test\n"
			       ": 1700000300:12;cd /tmp && ls\n"
			       "plain zsh line\n";

/* Asserts row @i of @r: time, command and file name. */
#define HIST_ROW(r, i, t, cmd, file)                                   \
	do {                                                           \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "time"), t);            \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "command"), cmd);       \
		snprintf(path, sizeof(path), "%s/%s", home, file);     \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "history_file"), path); \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "uid"), uid);           \
	} while (0)

static void hist_check(const char *home, const char *uid)
{
	char path[512], sql[256];
	struct vt_rows *r;

	snprintf(path, sizeof(path), "%s/.bash_history", home);
	VT_ASSERT_OK(vt_write_file(path, bash_text, sizeof(bash_text) - 1));
	snprintf(path, sizeof(path), "%s/.zsh_history", home);
	VT_ASSERT_OK(vt_write_file(path, zsh_text, sizeof(zsh_text) - 1));

	snprintf(sql, sizeof(sql), "SELECT * FROM shell_history WHERE uid = %s", uid);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 6);
	HIST_ROW(r, 0, "1700000000", "ls -la", ".bash_history");
	HIST_ROW(r, 1, "0", "echo plain", ".bash_history");
	HIST_ROW(r, 2, "1700000100", "git status", ".bash_history");
	HIST_ROW(r, 3, "1700000200", "make test", ".zsh_history");
	HIST_ROW(r, 4, "1700000300", "cd /tmp && ls", ".zsh_history");
	HIST_ROW(r, 5, "0", "plain zsh line", ".zsh_history");
	vt_rows_free(r);
}

VT_TEST(shell_history_user)
{
	vt_with_temp_user(__FILE__, __LINE__, "vigilsh", hist_check);
}
