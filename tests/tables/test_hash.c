// SPDX-License-Identifier: Apache-2.0
/*
 * The `hash` table: digests of files the test writes equal what coreutils'
 * md5sum/sha1sum/sha256sum print; LIKE and directory forms; FIFOs,
 * directories and deleted paths give no row and never block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/table.h"
#include "vt.h"

VT_TEST(hash_columns)
{
	VT_ASSERT_COLUMNS("hash", "path TEXT, directory TEXT, md5 TEXT, sha1 TEXT, sha256 TEXT, "
				  "pid_with_namespace INTEGER, mount_namespace_id TEXT");
}

/* Writes @size pseudo-random bytes to @path. */
static int write_random(const char *path, size_t size)
{
	unsigned char *buf = malloc(size);
	uint32_t x = 2463534242u;
	int err;

	if (!buf)
		return -1;
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	err = vt_write_file(path, buf, size);
	free(buf);
	return err;
}

/* The first word of `@tool @path`. */
static char *tool_digest(const char *tool, const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "%s '%s' | cut -d' ' -f1", tool, path);
	return vt_shell_output(cmd);
}

VT_TEST(hash_matches_coreutils)
{
	static const char *const tools[][2] = { { "md5", "md5sum" },
						{ "sha1", "sha1sum" },
						{ "sha256", "sha256sum" } };
	char *t = vt_tmpdir();
	char path[512], sql[1024];
	struct vt_rows *r;

	/* 3 MiB + 17 bytes: several reads, the last one short. */
	snprintf(path, sizeof(path), "%s/big.bin", t);
	VT_ASSERT_OK(write_random(path, 3 * 1024 * 1024 + 17));
	snprintf(sql, sizeof(sql), "SELECT * FROM hash WHERE path = '%s'", path);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "directory"), t);
	for (size_t i = 0; i < 3; i++) {
		char *want = tool_digest(tools[i][1], path);

		VT_ASSERT(want && strlen(want) >= 32);
		if (strcmp(vt_cell(r, 0, tools[i][0]), want) != 0)
			vt_fail(__FILE__, __LINE__, "%s: %s != %s", tools[i][0],
				vt_cell(r, 0, tools[i][0]), want);
		free(want);
	}
	vt_rows_free(r);
	/* One digest alone, and NOCASE comparison. */
	{
		char *want = tool_digest("sha256sum", path);

		VT_ASSERT(want);
		VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM hash WHERE path = '%s' AND "
					   "sha256 = upper('%s')",
					   path, want),
				 "1");
		free(want);
	}
	/* The empty file. */
	snprintf(path, sizeof(path), "%s/empty", t);
	VT_ASSERT_OK(vt_write_file(path, "", 0));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT sha256 FROM hash WHERE path = '%s'", path),
			 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	vt_rmtree(t);
	free(t);
}

VT_TEST(hash_like_and_directory)
{
	char *t = vt_tmpdir();
	char path[512];

	snprintf(path, sizeof(path), "%s/a.txt", t);
	VT_ASSERT_OK(vt_write_file(path, "abc", 3));
	snprintf(path, sizeof(path), "%s/b.txt", t);
	VT_ASSERT_OK(vt_write_file(path, "", 0));
	snprintf(path, sizeof(path), "%s/c.dat", t);
	VT_ASSERT_OK(vt_write_file(path, "x", 1));
	snprintf(path, sizeof(path), "%s/sub", t);
	VT_ASSERT_OK(mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/fifo", t);
	VT_ASSERT_OK(mkfifo(path, 0644));
	snprintf(path, sizeof(path), "%s/link", t);
	VT_ASSERT_OK(symlink("a.txt", path));
	VT_ASSERT_STR_EQ(
	    vt_scalar("SELECT group_concat(substr(path, %zu) || '=' || md5, ' ') "
		      "FROM (SELECT * FROM hash WHERE path LIKE '%s/%%.txt' ORDER BY path)",
		      strlen(t) + 2, t),
	    "a.txt=900150983cd24fb0d6963f7d28e17f72 "
	    "b.txt=d41d8cd98f00b204e9800998ecf8427e");
	/* A directory lists its regular files (links followed), never the fifo or sub. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT group_concat(substr(path, %zu), ' ') FROM (SELECT * "
				   "FROM hash WHERE directory = '%s' ORDER BY path)",
				   strlen(t) + 2, t),
			 "a.txt b.txt c.dat link");
	vt_rmtree(t);
	free(t);
}

VT_TEST(hash_no_hash)
{
	char *t = vt_tmpdir();
	char path[512];

	/* A FIFO without a writer: opening it for reading would block. */
	snprintf(path, sizeof(path), "%s/fifo", t);
	VT_ASSERT_OK(mkfifo(path, 0644));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM hash WHERE path = '%s'", path), "0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM hash WHERE path LIKE '%s/fi%%'", t), "0");
	/* A directory and a deleted file. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM hash WHERE path = '%s'", t), "0");
	snprintf(path, sizeof(path), "%s/gone", t);
	VT_ASSERT_OK(vt_write_file(path, "x", 1));
	VT_ASSERT_OK(unlink(path));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM hash WHERE path = '%s'", path), "0");
	/* A character device is not hashed (reading /dev/zero would never end). */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM hash WHERE path = '/dev/zero'"), "0");
	vt_rmtree(t);
	free(t);
}
