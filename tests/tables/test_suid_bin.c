// SPDX-License-Identifier: Apache-2.0
/*
 * The `suid_bin` table: binaries the test marks setuid/setgid under /tmp
 * (searched recursively, as osquery does) appear with osquery's "S"/"G"
 * permissions; the system's passwd or su is there, owned by root; the count
 * outside /tmp equals what find(1) and stat(1) see in the same directories.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(suid_bin_columns)
{
	VT_ASSERT_COLUMNS("suid_bin", "path TEXT, username TEXT, groupname TEXT, permissions TEXT, "
				      "pid_with_namespace INTEGER");
}

VT_TEST(suid_bin_made)
{
	static const struct {
		const char *name;
		mode_t mode;
		const char *perms;
	} bins[] = {
		{ "u", 04755, "S" },
		{ "g", 02755, "G" },
		{ "ug", 06755, "SG" },
		{ "plain", 0755, NULL },
	};
	char *t = vt_tmpdir();
	char path[512];

	snprintf(path, sizeof(path), "%s/nested", t);
	VT_ASSERT_OK(mkdir(path, 0755));
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/nested/%s", t, bins[i].name);
		VT_ASSERT_OK(vt_write_file(path, "#!/bin/sh\n", 10));
		VT_ASSERT_OK(chown(path, 0, 54321));
		VT_ASSERT_OK(chmod(path, bins[i].mode));
	}
	for (size_t i = 0; i < 4; i++) {
		const char *got = vt_scalar("SELECT username || ':' || groupname || ':' || "
					    "permissions FROM suid_bin WHERE path = '%s/nested/%s'",
					    t, bins[i].name);
		char want[64] = "";

		if (bins[i].perms)
			snprintf(want, sizeof(want), "root:54321:%s", bins[i].perms);
		VT_ASSERT_STR_EQ(got, want);
	}
	vt_rmtree(t);
	free(t);
}

VT_TEST(suid_bin_system)
{
	const char *bin = NULL;
	struct stat st;
	char *want;
	const char *got;

	if (stat("/usr/bin/passwd", &st) == 0 && (st.st_mode & S_ISUID))
		bin = "/usr/bin/passwd";
	else if (stat("/bin/su", &st) == 0 && (st.st_mode & S_ISUID))
		bin = "/bin/su";
	if (!bin)
		vt_skip("neither /usr/bin/passwd nor /bin/su is setuid here");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT username || ' ' || permissions FROM suid_bin "
				   "WHERE path = '%s'",
				   bin),
			 "root S");
	want = vt_shell_output(
	    "find -H /bin /sbin /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin -xtype f "
	    "-print0 2>/dev/null | xargs -0 stat -L -c '%a' | awk '$1 >= 2000' | wc -l");
	VT_ASSERT(want);
	got = vt_scalar("SELECT count(*) FROM suid_bin WHERE path NOT LIKE '/tmp/%%'");
	VT_ASSERT(atoi(want) > 0);
	VT_ASSERT_STR_EQ(got, want);
	free(want);
}
