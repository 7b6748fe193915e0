// SPDX-License-Identifier: Apache-2.0
/*
 * process_events through SQL on the real kernel, from the eBPF publisher
 * and from the audit one: a child of the test execs /bin/echo with unique
 * and awkward arguments in a directory of its own, and the row has the
 * right path, cmdline, parent (the test), parent_path, uid and syscall
 * (and, from audit, the cwd).
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procmon.h"
#include "util.h"
#include "vigil/events.h"
#include "vigil/publisher.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

VT_TEST(exec_row_through_sql)
{
	const struct vg_table *t = vg_registry_find("process_events");
	struct vg_store_options so = {
		.name = "process_events",
		.n_columns = vg_events_payload_columns(t),
		.schema_hash = vg_events_schema_hash(t),
	};
	struct vg_store *store = NULL;
	struct vg_procmon *m = NULL;
	char *dir = vt_tmpdir(), token[64], sql[512], exe[4096];
	struct vt_rows *r;
	ssize_t n;
	pid_t pid;
	int st;

	VT_ASSERT_OK(vg_store_open(&so, &store));
	VT_ASSERT_OK(vg_events_bind("process_events", store));
	VT_ASSERT_OK(vg_procmon_start("auto", NULL, store, &m));
	snprintf(token, sizeof(token), "vigil-%d", (int)getpid());
	pid = fork();
	if (pid == 0) {
		if (chdir(dir) || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execl("/bin/echo", "echo", token, "two words", "quo\"te", (char *)NULL);
		_exit(127);
	}
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	VT_ASSERT_OK(vg_procmon_sync(m, 5000));
	snprintf(sql, sizeof(sql),
		 "SELECT pid, path, cmdline, parent, parent_path, uid, syscall, mode, comm "
		 "FROM process_events WHERE cmdline LIKE '%%%s%%'",
		 token);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "pid")), pid);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "path"), "/bin/echo");
	snprintf(sql, sizeof(sql), "echo %s two words quo\"te", token);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "cmdline"), sql);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "parent")), getpid());
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "parent_path"), exe);
	VT_ASSERT_EQ(atoll(vt_cell(r, 0, "uid")), getuid());
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "syscall"), "execve");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "comm"), "echo");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "mode"), "0755");
	vt_rows_free(r);
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
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "3 /bin/sh");
	/* The same rows under osquery's old bpf_process_events. */
	snprintf(sql, sizeof(sql),
		 "SELECT path || ' ' || syscall || ' ' || parent || ' ' || (ntime > 0) FROM "
		 "bpf_process_events WHERE pid = %d AND syscall = 'execve'",
		 (int)pid);
	{
		char want[128];

		snprintf(want, sizeof(want), "/bin/sh execve %d 1", (int)getpid());
		VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	}
	vg_procmon_stop(m);
	vg_events_unbind("process_events");
	vg_store_close(store);
	vt_rmtree(dir);
	free(dir);
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
	const struct vg_table *t = vg_registry_find("process_events");
	struct vg_store_options so = {
		.name = "process_events",
		.n_columns = vg_events_payload_columns(t),
		.schema_hash = vg_events_schema_hash(t),
	};
	struct vg_store *store = NULL;
	struct vg_procmon *m = NULL;
	char *dir = vt_tmpdir(), token[64], sql[512], want[4096 + 600], exe[4096];
	ssize_t n;
	pid_t pid;
	int st;

	if (geteuid() != 0 || vg_publisher_audit.probe())
		vt_skip("needs root and kernel audit");
	VT_ASSERT_OK(vg_store_open(&so, &store));
	VT_ASSERT_OK(vg_events_bind("process_events", store));
	VT_ASSERT_OK(vg_procmon_start("audit", NULL, store, &m));
	snprintf(token, sizeof(token), "vigil-audit-%d", (int)getpid());
	pid = fork();
	if (pid == 0) {
		if (chdir(dir) || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execl("/bin/echo", "echo", token, "two words", "quo\"te", (char *)NULL);
		_exit(127);
	}
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* the kernel hands audit records over asynchronously: poll the table */
	snprintf(sql, sizeof(sql),
		 "SELECT pid || '|' || path || '|' || cmdline || '|' || parent || '|' || "
		 "parent_path || '|' || uid || '|' || syscall || '|' || mode || '|' || comm || '|' "
		 "|| cwd || '|' || overflows FROM process_events WHERE cmdline LIKE '%%%s%%'",
		 token);
	snprintf(want, sizeof(want),
		 "%d|/bin/echo|echo %s two words quo\"te|%d|%s|%d|execve|0755|echo|%s|", (int)pid,
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
	vg_events_unbind("process_events");
	vg_store_close(store);
	vt_rmtree(dir);
	free(dir);
}
