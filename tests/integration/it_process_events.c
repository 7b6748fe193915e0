// SPDX-License-Identifier: Apache-2.0
/*
 * process_events through SQL on the real kernel, from the eBPF publisher
 * (and the audit one for the first case): a child of the test changes to
 * a directory of its own and execs /bin/echo with
 * unique and awkward arguments, and the row has the right path (the
 * executable, symlinks resolved, as osquery's audit `exe`), cmdline, cwd,
 * parent (the test), parent_path, uid and syscall; exit rows follow. With
 * the options on, the environment is a column (env, env_count) and a fork
 * makes a fork row; with them off, env is NULL and there are no fork rows.
 */
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procmon.h"
#include "util.h"
#include "vigil/events.h"
#include "vigil/publisher.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

/*
 * A child that changes to @dir and execs /bin/echo with @token and awkward
 * arguments (stdout to /dev/null); its pid.
 */
static pid_t spawn_echo(const char *dir, const char *token)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (chdir(dir) || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execl("/bin/echo", "echo", token, "two words", "quo\"te", (char *)NULL);
		_exit(127);
	}
	return pid;
}

VT_TEST(exec_row_through_sql)
{
	struct vg_store *store = NULL;
	struct vg_procmon *m = NULL;
	char *dir = vt_tmpdir(), token[64], sql[512], exe[4096], real[PATH_MAX];
	struct vt_rows *r;
	ssize_t n;
	pid_t pid;
	int st;

	VT_ASSERT_OK(vt_event_store("process_events", &store));
	VT_ASSERT_OK(vg_procmon_start("auto", NULL, store, &m));
	snprintf(token, sizeof(token), "vigil-%d", (int)getpid());
	pid = spawn_echo(dir, token);
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	VT_ASSERT_OK(vg_procmon_sync(m, 5000));
	snprintf(
	    sql, sizeof(sql),
	    "SELECT pid, path, cmdline, cwd, env, parent, parent_path, uid, syscall, mode, comm, "
	    "cgroup_path "
	    "FROM process_events WHERE cmdline LIKE '%%%s%%'",
	    token);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "pid")), pid);
	VT_ASSERT(realpath("/bin/echo", real));
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "path"), real);
	snprintf(sql, sizeof(sql), "echo %s two words quo\"te", token);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "cmdline"), sql);
	VT_ASSERT(realpath(dir, real));
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "cwd"), real);
	VT_ASSERT(vt_cell(r, 0, "env") == NULL); /* not captured by default */
	{
		/* The child's cgroup is ours (from its id, not from /proc/<pid>). */
		FILE *f = fopen("/proc/self/cgroup", "r");
		char line[4096], *cg = NULL;

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "0::", 3)) {
				line[strcspn(line, "\n")] = '\0';
				cg = line + 3;
				break;
			}
		if (f)
			fclose(f);
		VT_ASSERT(cg);
		VT_ASSERT_STR_EQ(vt_cell(r, 0, "cgroup_path"), cg);
	}
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "parent")), getpid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "parent_path"), exe);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "uid")), getuid());
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "syscall"), "execve");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "comm"), "echo");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "mode"), "0755");
	vt_rows_free(r);
	/* Fork rows are off by default. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM process_events WHERE pid = %d AND syscall = 'fork'",
		 (int)pid);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "0");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT publisher FROM osquery_events WHERE name = "
				   "'process_events'"),
			 "bpf");
	/* Its exit: a row of its own with the status and a lifetime. */
	snprintf(sql, sizeof(sql),
		 "SELECT exit_code || ' ' || (duration > 0) || ' ' || comm FROM process_events "
		 "WHERE pid = %d AND syscall = 'exit'",
		 (int)pid);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "0 1 echo");
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
		_exit(127);
	}
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	VT_ASSERT_OK(vg_procmon_sync(m, 5000));
	snprintf(
	    sql, sizeof(sql),
	    "SELECT x.exit_code || ' ' || e.path FROM process_events x JOIN process_events e "
	    "ON e.pid = x.pid AND e.syscall = 'execve' WHERE x.pid = %d AND x.syscall = 'exit'",
	    (int)pid);
	VT_ASSERT(realpath("/bin/sh", real));
	{
		const char *got = vt_scalar("%s", sql);

		VT_ASSERT(!strncmp(got, "3 ", 2));
		VT_ASSERT_STR_EQ(got + 2, real);
	}
	/* The same rows under osquery's old bpf_process_events. */
	snprintf(sql, sizeof(sql),
		 "SELECT path || ' ' || syscall || ' ' || parent || ' ' || (ntime > 0) FROM "
		 "bpf_process_events WHERE pid = %d AND syscall = 'execve'",
		 (int)pid);
	{
		char want[PATH_MAX + 64];

		snprintf(want, sizeof(want), "%s execve %d 1", real, (int)getpid());
		VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	}
	vg_procmon_stop(m);
	vt_event_store_close("process_events", store);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(env_and_fork_rows_when_asked)
{
	struct vg_process_options opt = { .forks = true, .args_max = 8192, .env_max = 4096 };
	struct vg_store *store = NULL;
	struct vg_procmon *m = NULL;
	char var[64], sql[512], want[2 * PATH_MAX + 128], exe[PATH_MAX];
	const char *const envp[] = { var, "OTHER=1", NULL };
	ssize_t n;
	pid_t pid;
	int st;

	VT_ASSERT_OK(vt_event_store("process_events", &store));
	VT_ASSERT_OK(vg_procmon_start("bpf", &opt, store, &m));
	snprintf(var, sizeof(var), "VIGIL_IT_%d=some value", (int)getpid());
	pid = fork();
	if (pid == 0) {
		execle("/bin/true", "true", "env-test", (char *)NULL, envp);
		_exit(127);
	}
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	VT_ASSERT_OK(vg_procmon_sync(m, 5000));
	/* env as osquery shows it: the variables joined with spaces. */
	snprintf(sql, sizeof(sql),
		 "SELECT env || '|' || env_count || '|' || overflows FROM process_events "
		 "WHERE pid = %d AND syscall = 'execve'",
		 (int)pid);
	snprintf(want, sizeof(want), "%s OTHER=1|2|", var);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	/* Its fork row: the child, the test as parent, the test binary as path. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(sql, sizeof(sql),
		 "SELECT parent || ' ' || path || ' ' || parent_path FROM process_events "
		 "WHERE pid = %d AND syscall = 'fork'",
		 (int)pid);
	snprintf(want, sizeof(want), "%d %s %s", (int)getpid(), exe, exe);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	/* The three rows of its life, in order. */
	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(syscall, ',') FROM (SELECT syscall FROM process_events "
		 "WHERE pid = %d ORDER BY time_ns)",
		 (int)pid);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "fork,execve,exit");
	vg_procmon_stop(m);
	vt_event_store_close("process_events", store);
}

/* Where cgroup2 is mounted, into @out; false if it is not. */
static bool cgroup2_mount(char *out, size_t size)
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *me;
	bool found = false;

	while (f && !found && (me = getmntent(f)))
		if (!strcmp(me->mnt_type, "cgroup2"))
			found = snprintf(out, size, "%s", me->mnt_dir) < (int)size;
	if (f)
		endmntent(f);
	return found;
}

VT_TEST(cgroup_path_of_a_child_in_its_own_cgroup)
{
	struct vg_store *store = NULL;
	struct vg_procmon *m = NULL;
	char root[PATH_MAX / 2], cg[PATH_MAX], procs[PATH_MAX + 16], sql[256], want[128];
	pid_t pid;
	int st;

	if (!cgroup2_mount(root, sizeof(root)))
		vt_skip("no cgroup2 mount");
	snprintf(cg, sizeof(cg), "%s/vigil-it-%d", root, (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	VT_ASSERT_OK(mkdir(cg, 0755));
	VT_ASSERT_OK(vt_event_store("process_events", &store));
	VT_ASSERT_OK(vg_procmon_start("bpf", NULL, store, &m));
	pid = fork();
	if (pid == 0) {
		FILE *f = fopen(procs, "w");

		if (!f || fprintf(f, "0\n") < 0 || fclose(f))
			_exit(126);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	VT_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	VT_ASSERT_OK(vg_procmon_sync(m, 5000));
	snprintf(sql, sizeof(sql),
		 "SELECT cgroup_path FROM process_events WHERE pid = %d AND syscall = 'execve'",
		 (int)pid);
	snprintf(want, sizeof(want), "/vigil-it-%d", (int)getpid());
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	vg_procmon_stop(m);
	vt_event_store_close("process_events", store);
	VT_ASSERT_OK(rmdir(cg));
}

/* The first value of @sql (printf-formatted) once it is not "", or "" after 5 s. */
static const char *wait_scalar(const char *sql)
{
	int64_t deadline = vg_mono_ns() + 5000000000LL;
	const char *v = vt_scalar("%s", sql);

	while (!*v && vg_mono_ns() < deadline) {
		usleep(20000);
		v = vt_scalar("%s", sql);
	}
	return v;
}

VT_TEST(exec_row_through_sql_audit)
{
	struct vg_store *store = NULL;
	struct vg_procmon *m = NULL;
	char *dir = vt_tmpdir(), token[64], sql[512], want[2 * 4096 + 600], exe[4096], echo[4096];
	ssize_t n;
	pid_t pid;
	int st;

	if (geteuid() != 0 || vg_publisher_audit.probe())
		vt_skip("needs root and kernel audit");
	VT_ASSERT_OK(vt_event_store("process_events", &store));
	VT_ASSERT_OK(vg_procmon_start("audit", NULL, store, &m));
	snprintf(token, sizeof(token), "vigil-audit-%d", (int)getpid());
	pid = spawn_echo(dir, token);
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* the kernel hands audit records over asynchronously: poll the table */
	snprintf(sql, sizeof(sql),
		 "SELECT pid || '|' || path || '|' || cmdline || '|' || parent || '|' || "
		 "parent_path || '|' || uid || '|' || syscall || '|' || mode || '|' || comm || '|' "
		 "|| cwd || '|' || overflows FROM process_events WHERE cmdline LIKE '%%%s%%'",
		 token);
	/* path: the executable as the kernel resolved it, as from eBPF */
	VT_ASSERT(realpath("/bin/echo", echo) != NULL);
	snprintf(want, sizeof(want),
		 "%d|%s|echo %s two words quo\"te|%d|%s|%d|execve|0755|echo|%s|", (int)pid, echo,
		 token, (int)getpid(), exe, (int)getuid(), dir);
	VT_ASSERT_STR_EQ(wait_scalar(sql), want);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM process_events WHERE cmdline LIKE '%%%s%%'", token);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "1");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT publisher FROM osquery_events WHERE name = "
				   "'process_events'"),
			 "audit");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT dropped_kernel FROM osquery_events WHERE name = "
				   "'audit' AND type = 'publisher'"),
			 "0");
	vg_procmon_stop(m);
	vt_event_store_close("process_events", store);
	vt_rmtree(dir);
	free(dir);
}
