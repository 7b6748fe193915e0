// SPDX-License-Identifier: Apache-2.0
/*
 * The `os_version` table: name, major and codename as /etc/os-release says
 * (read by the shell), arch as `uname -m`, and the same row through
 * pid_with_namespace of this process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(os_version_columns)
{
	VT_ASSERT_COLUMNS(
	    "os_version",
	    "name TEXT, version TEXT, major INTEGER, minor INTEGER, patch INTEGER, "
	    "build TEXT, platform TEXT, platform_like TEXT, codename TEXT, arch TEXT, "
	    "extra TEXT, install_date BIGINT, revision INTEGER, "
	    "pid_with_namespace INTEGER, mount_namespace_id TEXT");
}

VT_TEST(os_version_row)
{
	char *name = vt_shell_output(". /etc/os-release && printf %s \"$NAME\"");
	char *major = vt_shell_output(". /etc/os-release && printf %s \"${VERSION_ID%%%%.*}\"");
	char *codename = vt_shell_output(". /etc/os-release && printf %s \"$VERSION_CODENAME\"");
	char *id = vt_shell_output(". /etc/os-release && printf %s \"$ID\"");
	char *arch = vt_shell_output("uname -m");
	struct vt_rows *r = vt_query("SELECT * FROM os_version", NULL);
	char sql[128];

	VT_ASSERT(name && major && codename && id && arch && r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "name"), name);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "major"), major);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "codename"), codename);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "platform"), id);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "arch"), arch);
	snprintf(sql, sizeof(sql),
		 "SELECT name, mount_namespace_id FROM os_version WHERE pid_with_namespace = %d",
		 (int)getpid());
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), name);
	vt_rows_free(r);
	free(name);
	free(major);
	free(codename);
	free(id);
	free(arch);
}

VT_TEST(os_version_debian_minor)
{
	char *minor = vt_shell_output("cut -s -d. -f2 /etc/debian_version 2>/dev/null");

	VT_ASSERT(minor);
	if (*minor && !strcmp(vt_scalar("SELECT platform FROM os_version"), "debian"))
		VT_ASSERT_STR_EQ(vt_scalar("SELECT minor FROM os_version"), minor);
	free(minor);
}
