// SPDX-License-Identifier: Apache-2.0
/*
 * The `file` table: metadata of files the test makes (compared with stat()),
 * directory listings, LIKE expansion, symlinks and awkward names.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/table.h"
#include "vt.h"

VT_TEST(file_columns)
{
	VT_ASSERT_COLUMNS("file", "path TEXT, directory TEXT, filename TEXT, inode BIGINT, "
				  "uid BIGINT, gid BIGINT, mode TEXT, device BIGINT, size BIGINT, "
				  "block_size INTEGER, atime BIGINT, mtime BIGINT, ctime BIGINT, "
				  "btime BIGINT, hard_links INTEGER, symlink INTEGER, type TEXT, "
				  "symlink_target_path TEXT, pid_with_namespace INTEGER, "
				  "mount_namespace_id TEXT");
}

VT_TEST(file_requires_constraint)
{
	char *err = NULL;
	struct vt_rows *r = vt_query("SELECT * FROM file", &err);

	VT_ASSERT(r == NULL);
	VT_ASSERT_CONTAINS(err, "file: a path or directory constraint is required");
	free(err);
}

VT_TEST(file_stat_row)
{
	char *t = vt_tmpdir();
	char path[512], sql[1024];
	struct timespec times[2] = { { 1600000000, 0 }, { 1600000123, 0 } };
	struct vt_rows *r;
	struct stat st;

	snprintf(path, sizeof(path), "%s/data.bin", t);
	VT_ASSERT_OK(vt_write_file(path, "hello world", 11));
	VT_ASSERT_OK(chmod(path, 0640));
	VT_ASSERT_OK(chown(path, 1234, 5678));
	VT_ASSERT_OK(utimensat(AT_FDCWD, path, times, 0));
	VT_ASSERT_OK(stat(path, &st));
	snprintf(sql, sizeof(sql), "SELECT * FROM file WHERE path = '%s'", path);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "directory"), t);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "filename"), "data.bin");
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "size")), 11);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "mode"), "0640");
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "mtime")), 1600000123);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "mtime")), st.st_mtime);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "atime")), st.st_atime);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "inode")), st.st_ino);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "uid")), 1234);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "gid")), 5678);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "hard_links")), 1);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "symlink")), 0);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "regular");
	vt_rows_free(r);
	/* A path that does not exist is no row, not an error. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file WHERE path = '%s/nope'", t), "0");
	/* Type and device of a character device, as `stat` prints them. */
	VT_ASSERT_STR_EQ(
	    vt_scalar("SELECT type || ' ' || device FROM file WHERE path = '/dev/null'"),
	    "character 259");
	vt_rmtree(t);
	free(t);
}

VT_TEST(file_directory_listing)
{
	static const char *const names[] = { "one", "two", "three" };
	char *t = vt_tmpdir();
	char path[512];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", t, names[i]);
		VT_ASSERT_OK(vt_write_file(path, "x", 1));
	}
	snprintf(path, sizeof(path), "%s/sub", t);
	VT_ASSERT_OK(mkdir(path, 0700));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT group_concat(filename || ':' || type, ' ') FROM "
				   "(SELECT * FROM file WHERE directory = '%s' ORDER BY filename)",
				   t),
			 "one:regular sub:directory three:regular two:regular");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM file WHERE directory = '%s' AND "
				   "path = '%s/one'",
				   t, t),
			 "1");
	vt_rmtree(t);
	free(t);
}

VT_TEST(file_like)
{
	static const char *const files[] = { "a1.txt", "a2.txt", "b.txt",
					     "sub/x",  "sub2/x", "sub/deeper/y" };
	static const struct {
		const char *pattern, *expect;
	} cases[] = {
		{ "%", "a1.txt a2.txt b.txt sub/ sub2/" },
		{ "%%", "a1.txt a2.txt b.txt sub/ sub/deeper/ sub/deeper/y sub/x sub2/ sub2/x" },
		{ "a%.txt", "a1.txt a2.txt" },
		{ "%/x", "sub/x sub2/x" },
		{ "sub", "sub" },
	};
	char *t = vt_tmpdir();
	char path[512];
	char *err = NULL;
	struct vt_rows *r;

	snprintf(path, sizeof(path), "%s/sub", t);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub/deeper", t);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub2", t);
	mkdir(path, 0755);
	for (size_t i = 0; i < VG_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", t, files[i]);
		VT_ASSERT_OK(vt_write_file(path, "x", 1));
	}
	for (size_t i = 0; i < VG_ARRAY_SIZE(cases); i++)
		VT_ASSERT_STR_EQ(
		    vt_scalar("SELECT coalesce(group_concat(substr(path, %zu), ' '), '') "
			      "FROM (SELECT path FROM file WHERE path LIKE '%s/%s' "
			      "ORDER BY path)",
			      strlen(t) + 2, t, cases[i].pattern),
		    cases[i].expect);
	/* GLOB is rewritten as a LIKE superset, then checked by SQLite. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT group_concat(filename, ' ') FROM (SELECT filename FROM "
				   "file WHERE path GLOB '%s/a[12].txt' ORDER BY path)",
				   t),
			 "a1.txt a2.txt");
	/* directory LIKE lists every matching directory. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT group_concat(filename, ' ') FROM (SELECT filename FROM "
				   "file WHERE directory LIKE '%s/sub%%' ORDER BY path)",
				   t),
			 "deeper x x");
	snprintf(path, sizeof(path), "SELECT * FROM file WHERE path LIKE '%s/%%%%/x'", t);
	r = vt_query(path, &err);
	VT_ASSERT(r == NULL);
	VT_ASSERT_CONTAINS(err, "only allowed as the last component");
	free(err);
	vt_rmtree(t);
	free(t);
}

VT_TEST(file_symlink)
{
	char *t = vt_tmpdir();
	char target[512], link[512];
	struct vt_rows *r;
	char sql[1024];

	snprintf(target, sizeof(target), "%s/target", t);
	snprintf(link, sizeof(link), "%s/link", t);
	VT_ASSERT_OK(vt_write_file(target, "12345", 5));
	VT_ASSERT_OK(symlink("target", link));
	snprintf(sql, sizeof(sql), "SELECT * FROM file WHERE path = '%s'", link);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "symlink"), "1");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "symlink_target_path"), "target");
	/* As osquery: the other columns describe the target. */
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "size"), "5");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "regular");
	vt_rows_free(r);
	/* A dangling link still has a row, described by the link itself. */
	VT_ASSERT_OK(unlink(target));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT symlink || type FROM file WHERE path = '%s'", link),
			 "1symlink");
	vt_rmtree(t);
	free(t);
}

/* A name with a space, a newline and a byte that is not UTF-8 survives the round trip. */
VT_TEST(file_odd_name)
{
	static const char odd[] = "a b\nc\xff";
	char *t = vt_tmpdir();
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", t, odd);
	VT_ASSERT_OK(vt_write_file(path, "xyz", 3));
	VT_ASSERT_STR_EQ(vt_scalar("SELECT hex(filename) FROM file WHERE directory = '%s'", t),
			 "6120620A63FF");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT hex(substr(CAST(path AS BLOB), %zu)) FROM file WHERE "
				   "path LIKE '%s/a%%'",
				   strlen(t) + 2, t),
			 "6120620A63FF");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT f2.size FROM file f1 JOIN file f2 ON f2.path = f1.path "
				   "WHERE f1.directory = '%s'",
				   t),
			 "3");
	vt_rmtree(t);
	free(t);
}
