// SPDX-License-Identifier: Apache-2.0
/*
 * The `processes` table: osquery's columns; the test's own row matches what
 * the kernel and ps(1) say; `pid =` is one row; a forked child shows up with
 * this process as parent.
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(processes_columns)
{
	VT_ASSERT_COLUMNS("processes",
			  "pid BIGINT, name TEXT, path TEXT, cmdline TEXT, state TEXT, cwd TEXT, "
			  "root TEXT, uid BIGINT, gid BIGINT, euid BIGINT, egid BIGINT, "
			  "suid BIGINT, sgid BIGINT, on_disk INTEGER, wired_size BIGINT, "
			  "resident_size BIGINT, total_size BIGINT, user_time BIGINT, "
			  "system_time BIGINT, disk_bytes_read BIGINT, disk_bytes_written BIGINT, "
			  "start_time BIGINT, parent BIGINT, pgroup BIGINT, threads INTEGER, "
			  "nice INTEGER, cgroup_path TEXT");
}

VT_TEST(processes_self)
{
	char sql[128], exe[PATH_MAX], cmd[128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *comm, *ps_start;
	struct vt_rows *r;

	VT_ASSERT(n > 0);
	exe[n] = '\0';
	snprintf(cmd, sizeof(cmd), "ps -o comm= -p %d", (int)getpid());
	comm = vt_shell_output(cmd);
	VT_ASSERT(comm);
	snprintf(sql, sizeof(sql), "SELECT * FROM processes WHERE pid = %d", (int)getpid());
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "name"), comm);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "path"), exe);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "on_disk"), "1");
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "parent")), getppid());
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "uid")), getuid());
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "egid")), getegid());
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "pgroup")), getpgrp());
	VT_ASSERT(strstr(vt_cell(r, 0, "cmdline"), "test_processes"));
	VT_ASSERT(atoll(vt_cell(r, 0, "resident_size")) > 0);
	/* ps prints the start time as seconds since the Epoch with lstart via date. */
	snprintf(cmd, sizeof(cmd), "date -d \"$(ps -o lstart= -p %d)\" +%%s", (int)getpid());
	ps_start = vt_shell_output(cmd);
	VT_ASSERT(ps_start);
	VT_ASSERT(llabs(atoll(vt_cell(r, 0, "start_time")) - atoll(ps_start)) <= 1);
	free(ps_start);
	free(comm);
	vt_rows_free(r);
}

VT_TEST(processes_in_list)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM processes WHERE pid IN (1, %d, %d, -5)",
		 (int)getpid(), (int)getpid());
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "2");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM processes WHERE pid = NULL"), "0");
}

VT_TEST(processes_child)
{
	int fds[2];
	pid_t child;
	char sql[160], want[32];
	const char *got;

	VT_ASSERT_OK(pipe(fds));
	child = fork();
	VT_ASSERT(child >= 0);
	if (child == 0) {
		char c;

		close(fds[1]);
		(void)!read(fds[0], &c, 1); /* until the parent closes its end */
		_exit(0);
	}
	close(fds[0]);
	snprintf(sql, sizeof(sql), "SELECT group_concat(pid) FROM processes WHERE parent = %d",
		 (int)getpid());
	got = vt_scalar("%s", sql);
	snprintf(want, sizeof(want), "%d", (int)child);
	close(fds[1]);
	waitpid(child, NULL, 0);
	VT_ASSERT_STR_EQ(got, want);
}
