// SPDX-License-Identifier: Apache-2.0
/*
 * The `deb_packages` table: the dpkg row matches dpkg-query, the row count
 * matches dpkg-query's packages that are not "not-installed", and an
 * admindir constraint on a hand-written status file returns exactly its
 * listed packages with their fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vt.h"

VT_TEST(deb_packages_columns)
{
	VT_ASSERT_COLUMNS("deb_packages",
			  "name TEXT, version TEXT, source TEXT, size BIGINT, arch TEXT, "
			  "revision TEXT, status TEXT, maintainer TEXT, section TEXT, "
			  "priority TEXT, admindir TEXT, pid_with_namespace INTEGER, "
			  "mount_namespace_id TEXT");
}

VT_TEST(deb_packages_host)
{
	char *version = vt_shell_output("dpkg-query -W -f='${Version}' dpkg 2>/dev/null");
	char *count = vt_shell_output("dpkg-query -W -f='${db:Status-Status}\\n' 2>/dev/null | "
				      "grep -vc '^not-installed$'");
	char *arch = vt_shell_output("dpkg-query -W -f='${Architecture}' dpkg 2>/dev/null");

	VT_ASSERT(version && count && arch);
	if (!*version)
		vt_skip("dpkg is not installed");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT version FROM deb_packages WHERE name = 'dpkg'"),
			 version);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT arch FROM deb_packages WHERE name = 'dpkg'"), arch);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT admindir FROM deb_packages WHERE name = 'dpkg'"),
			 "/var/lib/dpkg");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM deb_packages"), count);
	free(version);
	free(count);
	free(arch);
}

static const char status_text[] = "Package: alpha\n"
				  "Status: install ok installed\n"
				  "Priority: optional\n"
				  "Section: utils\n"
				  "Installed-Size: 123\n"
				  "Maintainer: A Person <a@example.org>\n"
				  "Architecture: amd64\n"
				  "Source: alpha-src (1.0)\n"
				  "Version: 1:2.3-4vigil1\n"
				  "Description: first\n"
				  " Package: not-a-field continuation line\n"
				  " .\n"
				  "\n"
				  "Package: beta\n"
				  "Status: deinstall ok config-files\n"
				  "Architecture: all\n"
				  "Version: 5.0\n"
				  "\n"
				  "Package: gamma\n"
				  "Status: purge ok not-installed\n"
				  "Version: 9\n"
				  "\n"
				  "\n"
				  "Package: delta\n"
				  "Status: install ok installed\n"
				  "Version: 0.1-1"; /* no final newline */

VT_TEST(deb_packages_admindir)
{
	char *dir = vt_tmpdir(), path[512], sql[1024];
	struct vt_rows *r;

	VT_ASSERT(dir);
	snprintf(path, sizeof(path), "%s/status", dir);
	VT_ASSERT_OK(vt_write_file(path, status_text, sizeof(status_text) - 1));
	snprintf(sql, sizeof(sql),
		 "SELECT name, version, source, size, arch, revision, status, maintainer, section, "
		 "priority, admindir FROM deb_packages WHERE admindir = '%s' ORDER BY name",
		 dir);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 3);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "name"), "alpha");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "version"), "1:2.3-4vigil1");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "revision"), "4vigil1");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "source"), "alpha-src (1.0)");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "size"), "123");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "arch"), "amd64");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "status"), "install ok installed");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "maintainer"), "A Person <a@example.org>");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "section"), "utils");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "priority"), "optional");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "admindir"), dir);
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "name"), "beta");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "status"), "deinstall ok config-files");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "revision"), "");
	VT_ASSERT_STR_EQ(vt_cell(r, 2, "name"), "delta");
	VT_ASSERT_STR_EQ(vt_cell(r, 2, "version"), "0.1-1");
	vt_rows_free(r);
	/* An admindir without a status file yields nothing, and no error. */
	VT_ASSERT_STR_EQ(
	    vt_scalar("SELECT count(*) FROM deb_packages WHERE admindir = '%s/none'", dir), "0");
	vt_rmtree(dir);
	free(dir);
}
