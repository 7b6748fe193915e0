// SPDX-License-Identifier: Apache-2.0
/*
 * The audit process publisher on the real kernel (as root): a child execs
 * /bin/echo in a directory of its own with arguments of each hard kind, and
 * the event has its exact path, argv, cwd, parent and uid; a 100 KB argv
 * arrives cut and marked; an exec that fails (ENOENT) is no event; a fork
 * row names the child. The publisher's rules (key vigil_exec) are in place
 * while it runs and gone after stop, and after `vigil` is stopped by
 * SIGTERM or SIGINT; rules a killed run left (SIGKILL, or added by hand)
 * are removed at the next start. With auditd owning the audit socket, the
 * publisher leaves it alone and still gets the events, through the
 * multicast group (skipped if auditd cannot run here).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_ctl.h"
#include "util.h"
#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vt.h"

struct seen {
	int32_t pid, ppid;
	int64_t uid;
	char path[512], cwd[512], syscall[16];
	char args[9000];
	size_t args_len;
	uint32_t argc;
	bool cut;
};

/* @path with symlinks resolved, as the kernel's exe shows it (a static buffer). */
static const char *resolved(const char *path)
{
	static char buf[PATH_MAX];

	return realpath(path, buf) ? buf : path;
}

static struct seen seen[64];
static size_t n_seen;
static pid_t wanted[4]; /* keep only these pids' events, and their children's */
static void *live;	/* a publisher a failed test left running */

static void on_process(void *ctx, const struct vg_process_event *ev)
{
	struct seen *s;
	bool want = false;

	(void)ctx;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		want |= wanted[i] && (ev->pid == wanted[i] || ev->ppid == wanted[i]);
	if (!want || n_seen == sizeof(seen) / sizeof(seen[0]))
		return;
	s = &seen[n_seen++];
	s->pid = ev->pid;
	s->ppid = ev->ppid;
	s->uid = ev->uid;
	snprintf(s->path, sizeof(s->path), "%.*s", (int)ev->path_len, ev->path);
	snprintf(s->cwd, sizeof(s->cwd), "%.*s", (int)ev->cwd_len, ev->cwd ? ev->cwd : "");
	snprintf(s->syscall, sizeof(s->syscall), "%s", ev->syscall);
	s->args_len = ev->args_len < sizeof(s->args) ? ev->args_len : sizeof(s->args);
	memcpy(s->args, ev->args, s->args_len);
	s->argc = ev->argc;
	s->cut = ev->args_cut;
}

static const struct vg_sink sink = { .process_event = on_process };

/* The event of @pid (or, if @pid is 0, of a child of @ppid) with syscall @sc, or NULL. */
static const struct seen *find_of(pid_t pid, pid_t ppid, const char *sc)
{
	for (size_t i = 0; i < n_seen; i++)
		if ((pid ? seen[i].pid == pid : seen[i].ppid == ppid) &&
		    !strcmp(seen[i].syscall, sc))
			return &seen[i];
	return NULL;
}

static const struct seen *find(pid_t pid, const char *sc)
{
	return find_of(pid, 0, sc);
}

/* Starts the publisher for a test (stopping what a failed one left). */
static int start(const struct vg_watch_set *ws, void **state)
{
	int err;

	vg_publisher_audit.stop(live);
	live = NULL;
	memset(wanted, 0, sizeof(wanted));
	n_seen = 0;
	err = vg_publisher_audit.start(ws, &sink, state);
	if (!err)
		live = *state;
	return err;
}

static void stop(void *state)
{
	vg_publisher_audit.stop(state);
	live = NULL;
}

/* Drains @state until find_of(@pid, @ppid, @sc) or 5 s pass. */
static bool wait_for_of(void *state, pid_t pid, pid_t ppid, const char *sc)
{
	int64_t deadline = vg_mono_ns() + 5000000000LL;
	struct pollfd p = { .fd = vg_publisher_audit.fd(state), .events = POLLIN };

	while (!find_of(pid, ppid, sc) && vg_mono_ns() < deadline) {
		poll(&p, 1, 100);
		vg_publisher_audit.drain(state, 1024);
	}
	return find_of(pid, ppid, sc) != NULL;
}

static bool wait_for(void *state, pid_t pid, const char *sc)
{
	return wait_for_of(state, pid, 0, sc);
}

/* Forks a child that chdirs to @dir (NULL: stays) and execs @argv; returns its pid, reaped. */
static pid_t run(const char *dir, const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if ((dir && chdir(dir)) || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return pid;
}

/* Rules in force that carry key @key (auditctl -l). */
static int rules_with(const char *key)
{
	char *out = vt_shell_output("auditctl -l");
	char needle[64];
	int n = 0;

	snprintf(needle, sizeof(needle), "key=%s", key);
	for (const char *p = out; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(out);
	return n;
}

/* The rules one start adds: exec rules for b64 and, on x86_64, b32. */
static int exec_rules_expected(void)
{
	int m[2];

	return (int)vg_audit_machines(m);
}

static struct vg_audit_status status_now(void)
{
	struct vg_audit_status st = { 0 };
	int fd = -1;

	if (vg_audit_ctl_open(&fd) == 0) {
		vg_audit_ctl_status(fd, &st);
		close(fd);
	}
	return st;
}

static void need_audit(void)
{
	if (geteuid() != 0)
		vt_skip("needs root");
	if (vg_publisher_audit.probe())
		vt_skip("no kernel audit here");
}

VT_TEST(exec_with_hard_arguments_and_failed_exec)
{
	struct vg_audit_status before = status_now();
	struct vg_publisher_stats ps;
	void *state = NULL;
	char token[64], *dir = vt_tmpdir(), missing[128];
	const char *const argv[] = { "/bin/echo", token,      "with space", "quote\"and'",
				     "new\nline", "\xff\xfe", "",	    NULL };
	const char *const bad[] = { missing, NULL };
	const char *const marker[] = { "/bin/true", token, NULL };
	const struct seen *s;
	char expect[256];
	size_t expect_len = 0;
	pid_t pid, bad_pid, marker_pid;

	need_audit();
	VT_ASSERT_OK(start(NULL, &state));
	VT_ASSERT_EQ(rules_with("vigil_exec"), exec_rules_expected());
	snprintf(token, sizeof(token), "vigil-audit-%d", (int)getpid());
	snprintf(missing, sizeof(missing), "/nonexistent/vigil-%d", (int)getpid());
	for (int i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]);

		memcpy(expect + expect_len, argv[i], l + 1);
		expect_len += l + 1;
	}
	expect_len--; /* the last NUL */
	pid = wanted[0] = run(dir, argv);
	VT_ASSERT(wait_for(state, pid, "execve"));
	s = find(pid, "execve");
	VT_ASSERT(s);
	VT_ASSERT_STR_EQ(s->path, resolved("/bin/echo"));
	VT_ASSERT_STR_EQ(s->cwd, dir);
	VT_ASSERT_EQ(s->ppid, getpid());
	VT_ASSERT_EQ(s->uid, getuid());
	VT_ASSERT_EQ(s->argc, 7);
	VT_ASSERT(!s->cut);
	VT_ASSERT_EQ(s->args_len, expect_len);
	VT_ASSERT(memcmp(s->args, expect, expect_len) == 0);
	/* a failed exec, then a marker: once the marker is in, the failure had its chance */
	bad_pid = wanted[1] = run(NULL, bad);
	marker_pid = wanted[2] = run(NULL, marker);
	VT_ASSERT(wait_for(state, marker_pid, "execve"));
	VT_ASSERT(find(bad_pid, "execve") == NULL);
	vg_publisher_audit.stats(state, &ps);
	VT_ASSERT(ps.received >= 2);
	VT_ASSERT_EQ(ps.dropped_kernel, 0);
	stop(state);
	VT_ASSERT_EQ(rules_with("vigil_exec"), 0);
	/* the state it found is back */
	VT_ASSERT_EQ(status_now().enabled, before.enabled);
	VT_ASSERT_EQ(status_now().pid, before.pid);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(long_argv_is_cut_and_fork_rows)
{
	struct vg_process_options opt = { .forks = true, .args_max = 4096 };
	struct vg_watch_set ws = { .process = &opt };
	char *big = malloc(100 * 1024 + 1);
	const char *const argv[] = { "/bin/true", big, NULL };
	/* sh forks for the first command: the kernel does not audit the audit
	 * daemon's own calls (the test is it), so the fork has to be the child's */
	const char *const sh[] = { "/bin/sh", "-c", "/bin/true fork-row; :", NULL };
	const struct seen *s, *e;
	void *state = NULL;
	pid_t pid;

	need_audit();
	VT_ASSERT(big);
	memset(big, 'a', 100 * 1024);
	big[100 * 1024] = '\0';
	VT_ASSERT_OK(start(&ws, &state));
	VT_ASSERT_EQ(rules_with("vigil_fork"), exec_rules_expected());
	pid = wanted[0] = run(NULL, argv);
	VT_ASSERT(wait_for(state, pid, "execve"));
	s = find(pid, "execve");
	VT_ASSERT(s);
	VT_ASSERT(s->cut);
	VT_ASSERT_EQ(s->args_len, 4096);
	VT_ASSERT_EQ(s->argc, 2);
	VT_ASSERT(memcmp(s->args, "/bin/true\0aaaa", 14) == 0);
	pid = wanted[1] = run(NULL, sh);
	VT_ASSERT(wait_for_of(state, 0, pid, "fork"));
	s = find_of(0, pid, "fork");
	VT_ASSERT(s);
	VT_ASSERT(s->pid > 0);
	VT_ASSERT(s->args_len == 0);
	VT_ASSERT(wait_for(state, s->pid, "execve"));
	e = find(s->pid, "execve");
	VT_ASSERT(e);
	VT_ASSERT_EQ(e->ppid, pid);
	VT_ASSERT_STR_EQ(e->path, resolved("/bin/true"));
	stop(state);
	VT_ASSERT_EQ(rules_with("vigil_fork"), 0);
	VT_ASSERT_EQ(rules_with("vigil_exec"), 0);
	free(big);
}

VT_TEST(rules_left_by_a_dead_run_are_removed_at_start)
{
	void *state = NULL;

	need_audit();
	/* as a killed run leaves them, plus one of its fork rules */
	VT_ASSERT_EQ(system("auditctl -a always,exit -F arch=b64 -S execve -k vigil_exec "
			    ">/dev/null && auditctl -a always,exit -F arch=b64 -S execve -S "
			    "execveat -F success=1 -k vigil_exec >/dev/null && auditctl -a "
			    "always,exit -F arch=b64 -S fork -k vigil_fork >/dev/null"),
		     0);
	VT_ASSERT_EQ(rules_with("vigil_exec"), 2);
	VT_ASSERT_OK(start(NULL, &state));
	VT_ASSERT_EQ(rules_with("vigil_exec"), exec_rules_expected());
	VT_ASSERT_EQ(rules_with("vigil_fork"), 0);
	stop(state);
	VT_ASSERT_EQ(rules_with("vigil_exec"), 0);
}

/* Starts `vigil --follow` on the audit publisher; its pid once its rules are in. */
static pid_t start_vigil(void)
{
	const char *bin = getenv("VIGIL_BIN");
	int64_t deadline = vg_mono_ns() + 10000000000LL;
	pid_t pid;

	if (!bin)
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execl(bin, "vigil", "--disable_events=false", "--disable_audit=false",
		      "--process_events_publisher=audit", "--follow",
		      "SELECT pid FROM process_events WHERE pid = 0", (char *)NULL);
		_exit(127);
	}
	while (rules_with("vigil_exec") == 0 && vg_mono_ns() < deadline)
		usleep(20000);
	return pid;
}

VT_TEST(vigil_stopped_by_signals_removes_its_rules)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	struct vg_audit_status before;
	void *state = NULL;
	char cmd[128];
	pid_t pid;
	int st;

	need_audit();
	before = status_now();
	for (size_t i = 0; i < 2; i++) {
		pid = start_vigil();
		VT_ASSERT(pid > 0);
		VT_ASSERT_EQ(rules_with("vigil_exec"), exec_rules_expected());
		kill(pid, sigs[i]);
		VT_ASSERT(waitpid(pid, &st, 0) == pid);
		VT_ASSERT(WIFEXITED(st));
		VT_ASSERT_EQ(rules_with("vigil_exec"), 0);
	}
	/* SIGKILL: no cleanup, so the rules stay until the next start */
	pid = start_vigil();
	VT_ASSERT(pid > 0);
	kill(pid, SIGKILL);
	VT_ASSERT(waitpid(pid, &st, 0) == pid);
	VT_ASSERT_EQ(rules_with("vigil_exec"), exec_rules_expected());
	VT_ASSERT_OK(start(NULL, &state));
	VT_ASSERT_EQ(rules_with("vigil_exec"), exec_rules_expected());
	stop(state);
	VT_ASSERT_EQ(rules_with("vigil_exec"), 0);
	/* the killed run could not restore what it changed: the test does */
	snprintf(cmd, sizeof(cmd), "auditctl -e %u -b %u >/dev/null", before.enabled,
		 before.backlog_limit);
	VT_ASSERT_EQ(system(cmd), 0);
}

/* Writes an auditd.conf for a private auditd logging under @dir. */
static int write_auditd_conf(const char *dir)
{
	char path[512], conf[2048];
	int n;

	snprintf(path, sizeof(path), "%s/plugins", dir);
	if (mkdir(path, 0700) < 0)
		return -errno;
	n = snprintf(conf, sizeof(conf),
		     "local_events = yes\nwrite_logs = yes\nlog_file = %s/audit.log\n"
		     "log_format = RAW\nflush = NONE\nfreq = 0\nmax_log_file = 100\n"
		     "num_logs = 0\nmax_log_file_action = IGNORE\nspace_left = 2\n"
		     "space_left_action = IGNORE\nadmin_space_left = 1\n"
		     "admin_space_left_action = IGNORE\ndisk_full_action = IGNORE\n"
		     "disk_error_action = IGNORE\nplugin_dir = %s/plugins\nq_depth = 2000\n"
		     "overflow_action = IGNORE\nend_of_event_timeout = 2\n",
		     dir, dir);
	snprintf(path, sizeof(path), "%s/auditd.conf", dir);
	if (vt_write_file(path, conf, (size_t)n))
		return -EIO;
	return chmod(path, 0600) < 0 ? -errno : 0;
}

VT_TEST(with_auditd_running_reads_the_multicast_copy)
{
	struct vg_audit_status before, st;
	char *dir = vt_tmpdir(), token[64];
	const char *const argv[] = { "/bin/echo", token, NULL };
	const struct seen *s;
	void *state = NULL;
	int64_t deadline;
	pid_t auditd, pid;
	int wst;

	need_audit();
	before = status_now();
	if (access("/usr/sbin/auditd", X_OK) != 0 && access("/sbin/auditd", X_OK) != 0)
		vt_skip("no auditd binary (apt-get install auditd)");
	if (before.pid)
		vt_skip("an audit daemon already runs");
	VT_ASSERT_OK(write_auditd_conf(dir));
	auditd = fork();
	if (auditd == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execlp("auditd", "auditd", "-n", "-c", dir, (char *)NULL);
		_exit(127);
	}
	deadline = vg_mono_ns() + 5000000000LL;
	while ((st = status_now()).pid != (uint32_t)auditd && vg_mono_ns() < deadline)
		usleep(20000);
	if (st.pid != (uint32_t)auditd) {
		kill(auditd, SIGTERM);
		waitpid(auditd, &wst, 0);
		vt_rmtree(dir);
		free(dir);
		vt_skip("auditd does not run here");
	}
	VT_ASSERT_OK(start(NULL, &state));
	VT_ASSERT_EQ(status_now().pid, auditd); /* not taken from it */
	VT_ASSERT_EQ(rules_with("vigil_exec"), exec_rules_expected());
	snprintf(token, sizeof(token), "vigil-mc-%d", (int)getpid());
	pid = wanted[0] = run(dir, argv);
	VT_ASSERT(wait_for(state, pid, "execve"));
	s = find(pid, "execve");
	VT_ASSERT(s);
	VT_ASSERT_STR_EQ(s->path, resolved("/bin/echo"));
	VT_ASSERT_STR_EQ(s->cwd, dir);
	stop(state);
	VT_ASSERT_EQ(status_now().pid, auditd);
	VT_ASSERT_EQ(rules_with("vigil_exec"), 0);
	kill(auditd, SIGTERM);
	VT_ASSERT(waitpid(auditd, &wst, 0) == auditd);
	/* auditd leaves auditing on: put back what the test found */
	if (status_now().enabled != before.enabled)
		VT_ASSERT_EQ(system(before.enabled ? "auditctl -e 1 >/dev/null"
						   : "auditctl -e 0 >/dev/null"),
			     0);
	vt_rmtree(dir);
	free(dir);
}
