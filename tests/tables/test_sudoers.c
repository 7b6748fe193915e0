// SPDX-License-Identifier: Apache-2.0
/*
 * The `sudoers` table: columns, and the rules of a sudoers tree the test
 * writes in a temporary directory, read through the hidden root_path column:
 * continuation lines, #includedir and @include (relative) are followed,
 * ineligible and world-writable files are not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vt.h"

VT_TEST(sudoers_columns)
{
	VT_ASSERT_COLUMNS("sudoers", "source TEXT, header TEXT, rule_details TEXT, root_path TEXT");
}

static const char main_text[] = "Defaults\tenv_reset\n"
				"Defaults   secure_path=\"/usr/sbin:/usr/bin\"\n"
				"# a comment\n"
				"\n"
				"root\tALL=(ALL:ALL) ALL\n"
				"%admin ALL=(ALL) \\\n"
				"    NOPASSWD: /usr/bin/true\n"
				"#includedir /etc/sudoers.d\n"
				"@include extra\n";

/* Writes @text to @dir/@name. */
static int sudo_write(const char *dir, const char *name, const char *text)
{
	char path[512];
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	return vt_write_file(path, text, strlen(text));
}

/* Asserts row @i of @r; the caller frees @r. */
#define SUDO_ROW(r, i, src, hdr, det)                                     \
	do {                                                              \
		char want_src_[512];                                      \
		snprintf(want_src_, sizeof(want_src_), "%s%s", tmp, src); \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "source"), want_src_);     \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "header"), hdr);           \
		VT_ASSERT_STR_EQ(vt_cell(r, i, "rule_details"), det);     \
	} while (0)

static void sudoers_check(const char *tmp)
{
	char etc[512], sql[700], inc_dir[512], inc_file[512];
	struct vt_rows *r;

	snprintf(etc, sizeof(etc), "%s/etc", tmp);
	VT_ASSERT_OK(mkdir(etc, 0755));
	snprintf(inc_dir, sizeof(inc_dir), "%s/etc/sudoers.d", tmp);
	VT_ASSERT_OK(mkdir(inc_dir, 0755));
	snprintf(inc_file, sizeof(inc_file), "%s/etc/extra", tmp);
	VT_ASSERT_OK(sudo_write(etc, "sudoers", main_text));
	VT_ASSERT_OK(sudo_write(etc, "extra", "#1000 ALL=(ALL) ALL\n"));
	VT_ASSERT_OK(sudo_write(inc_dir, "10-vigil", "vigiltest ALL=(root) /bin/ls\n"));
	VT_ASSERT_OK(sudo_write(inc_dir, "skip.me", "dotted ALL=(ALL) ALL\n"));
	VT_ASSERT_OK(sudo_write(inc_dir, "ww", "writable ALL=(ALL) ALL\n"));
	snprintf(sql, sizeof(sql), "%s/ww", inc_dir);
	VT_ASSERT_OK(chmod(sql, 0666));

	snprintf(sql, sizeof(sql), "SELECT * FROM sudoers WHERE root_path = '%s/'", tmp);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 8);
	SUDO_ROW(r, 0, "/etc/sudoers", "Defaults", "env_reset");
	SUDO_ROW(r, 1, "/etc/sudoers", "Defaults", "secure_path=\"/usr/sbin:/usr/bin\"");
	SUDO_ROW(r, 2, "/etc/sudoers", "root", "ALL=(ALL:ALL) ALL");
	SUDO_ROW(r, 3, "/etc/sudoers", "%admin", "ALL=(ALL) NOPASSWD: /usr/bin/true");
	SUDO_ROW(r, 4, "/etc/sudoers", "includedir", inc_dir);
	SUDO_ROW(r, 5, "/etc/sudoers.d/10-vigil", "vigiltest", "ALL=(root) /bin/ls");
	SUDO_ROW(r, 6, "/etc/sudoers", "include", inc_file);
	SUDO_ROW(r, 7, "/etc/extra", "#1000", "ALL=(ALL) ALL");
	vt_rows_free(r);
}

VT_TEST(sudoers_tree)
{
	char *tmp = vt_tmpdir();

	VT_ASSERT(tmp);
	sudoers_check(tmp);
	vt_rmtree(tmp);
	free(tmp);
}
