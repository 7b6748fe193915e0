// SPDX-License-Identifier: Apache-2.0
/*
 * The `authorized_keys` table: columns, and the keys of a temporary user
 * (useradd -M with a home in a temporary directory, always userdel'd): an
 * options-prefixed key with quoted blanks, a plain key, a key without a
 * comment in authorized_keys2, and lines that are not keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(authorized_keys_columns)
{
	VT_ASSERT_COLUMNS("authorized_keys",
			  "uid BIGINT, algorithm TEXT, key TEXT, options TEXT, "
			  "comment TEXT, key_file TEXT, pid_with_namespace INTEGER");
}

static const char keys_text[] =
    "# managed by vigil tests\n"
    "\n"
    "command=\"echo hello  world\",no-pty,from=\"10.0.0.1\" ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIOpt user@host with spaces\n"
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 plain@key\n"
    "not-a-key-line at all\n";
static const char keys2_text[] = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=\n";

/* Writes the key files into @home and checks the rows of @uid. */
static void ak_check(const char *home, const char *uid)
{
	char path[512], sql[256];
	struct vt_rows *r;

	snprintf(path, sizeof(path), "%s/.ssh", home);
	VT_ASSERT_OK(mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/.ssh/authorized_keys", home);
	VT_ASSERT_OK(vt_write_file(path, keys_text, sizeof(keys_text) - 1));
	snprintf(path, sizeof(path), "%s/.ssh/authorized_keys2", home);
	VT_ASSERT_OK(vt_write_file(path, keys2_text, sizeof(keys2_text) - 1));

	snprintf(sql, sizeof(sql), "SELECT * FROM authorized_keys WHERE uid = %s", uid);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 3);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "uid"), uid);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "algorithm"), "ssh-ed25519");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "key"), "AAAAC3NzaC1lZDI1NTE5AAAAIOpt");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "options"),
			 "command=\"echo hello  world\",no-pty,from=\"10.0.0.1\"");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "comment"), "user@host with spaces");
	snprintf(path, sizeof(path), "%s/.ssh/authorized_keys", home);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "key_file"), path);
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "algorithm"), "ssh-rsa");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "key"), "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "options"), "");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "comment"), "plain@key");
	VT_ASSERT_STR_EQ(vt_cell(r, 2, "algorithm"), "ecdsa-sha2-nistp256");
	VT_ASSERT_STR_EQ(vt_cell(r, 2, "comment"), "");
	VT_ASSERT_CONTAINS(vt_cell(r, 2, "key_file"), "/.ssh/authorized_keys2");
	vt_rows_free(r);

	/* Unconstrained, the same keys show up among everyone's. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM authorized_keys WHERE key_file LIKE '%s/%%'", home);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "3");
}

VT_TEST(authorized_keys_user)
{
	vt_with_temp_user(__FILE__, __LINE__, "vigiltest", ak_check);
}
