// SPDX-License-Identifier: Apache-2.0
/*
 * The `process_envs` table: a child started with a unique variable in its
 * environment shows it as a (pid, key, value) row, split at the first '='.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(process_envs_columns)
{
	VT_ASSERT_COLUMNS("process_envs", "pid INTEGER, key TEXT, value TEXT");
}

/*
 * Starts /bin/cat with @env, reading from a pipe whose write end is returned
 * in *@in_fd; returns once cat has been exec'd (the CLOEXEC pipe closed).
 */
static pid_t start_cat(char *const env[], int *in_fd)
{
	int in[2], sync[2];
	pid_t pid;
	char c;

	if (pipe(in) || pipe2(sync, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		char name[] = "cat";
		char *const argv[] = { name, NULL };

		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		close(sync[0]);
		execve("/bin/cat", argv, env);
		_exit(127);
	}
	close(in[0]);
	close(sync[1]);
	while (read(sync[0], &c, 1) > 0)
		;
	close(sync[0]);
	*in_fd = in[1];
	return pid;
}

VT_TEST(process_envs_child)
{
	char var[96], want[64], empty[] = "VIGIL_EMPTY=";
	char *env[] = { var, empty, NULL };
	int in_fd = -1;
	pid_t child;
	struct vt_rows *r;
	char sql[160];

	snprintf(want, sizeof(want), "token=%d x", (int)getpid());
	snprintf(var, sizeof(var), "VIGIL_TEST_ENV=%s", want);
	child = start_cat(env, &in_fd);
	VT_ASSERT(child > 0);
	snprintf(sql, sizeof(sql),
		 "SELECT key, value FROM process_envs WHERE pid = %d ORDER BY key", (int)child);
	r = vt_query(sql, NULL);
	close(in_fd);
	waitpid(child, NULL, 0);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 2);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "key"), "VIGIL_EMPTY");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "value"), "");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "key"), "VIGIL_TEST_ENV");
	VT_ASSERT_STR_EQ(vt_cell(r, 1, "value"), want);
	vt_rows_free(r);
}

VT_TEST(process_envs_full_scan)
{
	char sql[160], *path;

	/* PATH of this process, as the scan of all processes reports it. */
	path = getenv("PATH");
	if (!path)
		vt_skip("no PATH in the environment");
	snprintf(sql, sizeof(sql),
		 "SELECT value FROM process_envs WHERE key = 'PATH' AND pid + 0 = %d",
		 (int)getpid());
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), path);
}
