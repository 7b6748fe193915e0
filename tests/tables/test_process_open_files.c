// SPDX-License-Identifier: Apache-2.0
/*
 * The `process_open_files` table: a file this test opens is listed as
 * (own pid, its fd, its path), an unlinked one with " (deleted)", and a
 * child's fd list matches what ls(1) shows in its /proc/<pid>/fd.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(process_open_files_columns)
{
	VT_ASSERT_COLUMNS("process_open_files", "pid BIGINT, fd BIGINT, path TEXT");
}

VT_TEST(process_open_files_own)
{
	char *dir = vt_tmpdir(), path[512], gone[512], sql[800], want[600];
	int fd, fd2;

	VT_ASSERT(dir);
	snprintf(path, sizeof(path), "%s/open me", dir);
	snprintf(gone, sizeof(gone), "%s/gone", dir);
	VT_ASSERT_OK(vt_write_file(path, "x", 1));
	VT_ASSERT_OK(vt_write_file(gone, "y", 1));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	fd2 = open(gone, O_RDONLY | O_CLOEXEC);
	VT_ASSERT(fd >= 0 && fd2 >= 0);
	unlink(gone);
	snprintf(sql, sizeof(sql), "SELECT path FROM process_open_files WHERE pid = %d AND fd = %d",
		 (int)getpid(), fd);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), path);
	snprintf(sql, sizeof(sql), "SELECT path FROM process_open_files WHERE pid = %d AND fd = %d",
		 (int)getpid(), fd2);
	snprintf(want, sizeof(want), "%s (deleted)", gone);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	/* The full scan (pid not pushed down) finds it too. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM process_open_files WHERE pid + 0 = %d AND path = '%s'",
		 (int)getpid(), path);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "1");
	close(fd);
	close(fd2);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(process_open_files_vs_ls)
{
	int hold[2];
	pid_t child;
	char cmd[128], sql[200], *out;

	/* A child blocked in read() keeps a fixed fd table while both look. */
	VT_ASSERT_OK(pipe(hold));
	child = fork();
	VT_ASSERT(child >= 0);
	if (child == 0) {
		char c;

		close(hold[1]);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	snprintf(cmd, sizeof(cmd), "ls /proc/%d/fd | sort -n | paste -sd,", (int)child);
	out = vt_shell_output(cmd);
	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(fd) FROM (SELECT fd FROM process_open_files "
		 "WHERE pid = %d ORDER BY fd)",
		 (int)child);
	VT_ASSERT(out);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), out);
	close(hold[1]);
	waitpid(child, NULL, 0);
	free(out);
}
