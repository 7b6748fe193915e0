// SPDX-License-Identifier: Apache-2.0
/*
 * The eBPF process publisher on the real kernel:
 *  - a child execs /bin/echo with arguments of each hard kind (spaces,
 *    quotes, a newline, invalid UTF-8, an empty one), and the record that
 *    comes back has its path (the executable, symlinks resolved), exact
 *    argv, pid, parent, uid, the test binary as parent_path and the test's
 *    cwd; a 100 KB argv arrives cut and marked; nothing is dropped;
 *  - a child that chdir()s and execs at once has that cwd, in a directory
 *    of the root filesystem, under /dev/shm (another mount) and under a
 *    tmpfs the test mounts on a directory (two mount crossings); a cwd
 *    deeper than the walk goes is NULL, not a wrong suffix;
 *  - the environment arrives with env_max > 0 (its count, a cut when it is
 *    longer), and not at all with env_max = 0;
 *  - with forks on, a fork makes a fork record (child pid, the test as
 *    parent, the test binary as path); with forks off it makes none;
 *  - records sent without a ring-buffer wakeup still wake a reader blocked
 *    in poll() within 50 ms (the BPF wakeup timer).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vt.h"

struct seen {
	int64_t time_ns;
	int32_t pid, ppid;
	int64_t uid;
	char syscall[16];
	char path[512];
	char args[9000];
	size_t args_len;
	uint32_t argc;
	bool cut;
	char comm[17];
	bool has_cwd, has_ppath, has_env;
	char cwd[PATH_MAX];
	char ppath[PATH_MAX];
	char env[9000];
	size_t env_len;
	uint32_t env_count;
	bool env_cut;
};

static struct seen seen[256];
static size_t n_seen;
static pid_t wanted; /* keep only this child's events */

static void on_process(void *ctx, const struct vg_process_event *ev)
{
	struct seen *s;

	(void)ctx;
	if (ev->pid != wanted || !strcmp(ev->syscall, "exit") ||
	    n_seen == sizeof(seen) / sizeof(seen[0]))
		return;
	s = &seen[n_seen++];
	memset(s, 0, sizeof(*s));
	s->time_ns = ev->time_ns;
	s->pid = ev->pid;
	s->ppid = ev->ppid;
	s->uid = ev->uid;
	snprintf(s->syscall, sizeof(s->syscall), "%s", ev->syscall);
	snprintf(s->path, sizeof(s->path), "%.*s", (int)ev->path_len, ev->path);
	s->args_len = ev->args_len < sizeof(s->args) ? ev->args_len : sizeof(s->args);
	memcpy(s->args, ev->args, s->args_len);
	s->argc = ev->argc;
	s->cut = ev->args_cut;
	snprintf(s->comm, sizeof(s->comm), "%s", ev->comm);
	s->has_cwd = ev->cwd != NULL;
	if (ev->cwd)
		snprintf(s->cwd, sizeof(s->cwd), "%.*s", (int)ev->cwd_len, ev->cwd);
	s->has_ppath = ev->parent_path != NULL;
	if (ev->parent_path)
		snprintf(s->ppath, sizeof(s->ppath), "%.*s", (int)ev->parent_path_len,
			 ev->parent_path);
	s->has_env = ev->env != NULL;
	if (ev->env) {
		s->env_len = ev->env_len < sizeof(s->env) ? ev->env_len : sizeof(s->env);
		memcpy(s->env, ev->env, s->env_len);
		s->env_count = ev->env_count;
		s->env_cut = ev->env_cut;
	}
}

static const struct vg_sink sink = { .process_event = on_process };

/* Drains until an event of @syscall from the wanted child shows, or 5 s pass. */
static const struct seen *catch_event(void *state, const char *syscall)
{
	int64_t deadline = vg_mono_ns() + 5000000000LL;
	struct pollfd p = { .fd = vg_publisher_bpf.fd(state), .events = POLLIN };

	for (;;) {
		for (size_t i = 0; i < n_seen; i++)
			if (!strcmp(seen[i].syscall, syscall))
				return &seen[i];
		if (vg_mono_ns() >= deadline)
			return NULL;
		poll(&p, 1, 100);
		vg_publisher_bpf.drain(state, 1024);
	}
}

/* Runs @argv with @envp (NULL: ours) in a child that first changes to @dir
 * (NULL: stays), stdout to /dev/null; returns its exec event. */
static const struct seen *run_in(void *state, const char *dir, const char *const argv[],
				 const char *const envp[])
{
	extern char **environ;
	int status;

	n_seen = 0;
	wanted = fork();
	if (wanted == 0) {
		if ((dir && chdir(dir)) || !freopen("/dev/null", "w", stdout))
			_exit(126);
		execve(argv[0], (char *const *)(uintptr_t)argv,
		       envp ? (char *const *)(uintptr_t)envp : environ);
		_exit(127);
	}
	waitpid(wanted, &status, 0);
	return catch_event(state, "execve");
}

static const struct seen *run_and_catch(void *state, const char *const argv[])
{
	return run_in(state, NULL, argv, NULL);
}

static void self_exe(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);

	out[n > 0 ? n : 0] = '\0';
}

VT_TEST(exec_with_hard_arguments)
{
	void *state = NULL;
	char token[64], exe[PATH_MAX], here[PATH_MAX], echo[PATH_MAX];
	const char *const argv[] = { "/bin/echo", token,      "with space", "quote\"and'",
				     "new\nline", "\xff\xfe", "",	    NULL };
	const struct seen *s;
	char expect[256];
	size_t expect_len;

	VT_ASSERT_EQ(vg_publisher_bpf.probe(), 0);
	VT_ASSERT_OK(vg_publisher_bpf.start(NULL, &sink, &state));
	snprintf(token, sizeof(token), "vigil-bpf-%d", (int)getpid());
	/* argv as the kernel stores it: each argument and its NUL; the final NUL trimmed. */
	expect_len = 0;
	for (int i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]);

		memcpy(expect + expect_len, argv[i], l + 1);
		expect_len += l + 1;
	}
	expect_len--;
	s = run_and_catch(state, argv);
	VT_ASSERT(s);
	/* The executable itself, as /proc/<pid>/exe shows it (/bin may be a link). */
	VT_ASSERT(realpath("/bin/echo", echo));
	VT_ASSERT_STR_EQ(s->path, echo);
	VT_ASSERT_EQ(s->pid, wanted);
	VT_ASSERT_EQ(s->ppid, getpid());
	VT_ASSERT_EQ(s->uid, getuid());
	VT_ASSERT_EQ(s->argc, 7);
	VT_ASSERT(!s->cut);
	VT_ASSERT_EQ(s->args_len, expect_len);
	VT_ASSERT(memcmp(s->args, expect, expect_len) == 0);
	VT_ASSERT_STR_EQ(s->comm, "echo");
	self_exe(exe, sizeof(exe));
	VT_ASSERT(s->has_ppath);
	VT_ASSERT_STR_EQ(s->ppath, exe);
	VT_ASSERT(getcwd(here, sizeof(here)));
	VT_ASSERT(s->has_cwd);
	VT_ASSERT_STR_EQ(s->cwd, here);
	VT_ASSERT(!s->has_env); /* env_max is 0 by default */
	vg_publisher_bpf.stop(state);
}

VT_TEST(long_argv_is_cut_and_marked)
{
	void *state = NULL;
	char *big = malloc(100 * 1024 + 1);
	const char *const argv[] = { "/bin/true", big, NULL };
	struct vg_publisher_stats st;
	const struct seen *s;

	VT_ASSERT(big);
	memset(big, 'a', 100 * 1024);
	big[100 * 1024] = '\0';
	VT_ASSERT_OK(vg_publisher_bpf.start(NULL, &sink, &state));
	s = run_and_catch(state, argv);
	VT_ASSERT(s);
	VT_ASSERT(s->cut);
	VT_ASSERT(s->args_len >= 8000);
	VT_ASSERT(memcmp(s->args, "/bin/true\0aaaa", 14) == 0);
	vg_publisher_bpf.stats(state, &st);
	VT_ASSERT_EQ(st.dropped_kernel, 0);
	VT_ASSERT(st.received >= 1);
	vg_publisher_bpf.stop(state);
	free(big);
}

/* The cwd of a child that changes to @dir and execs at once is @dir. */
static void expect_cwd(void *state, const char *dir)
{
	const char *const argv[] = { "/bin/echo", "cwd", NULL };
	char real[PATH_MAX];
	const struct seen *s;

	VT_ASSERT(realpath(dir, real));
	s = run_in(state, dir, argv, NULL);
	VT_ASSERT(s);
	VT_ASSERT(s->has_cwd);
	VT_ASSERT_STR_EQ(s->cwd, real);
}

VT_TEST(cwd_of_a_child_that_chdirs_then_execs)
{
	void *state = NULL;
	char *dir = vt_tmpdir(), shm[] = "/dev/shm/vigil-cwd-XXXXXX";
	char mnt[PATH_MAX / 2], deep[PATH_MAX], name[64];
	bool mounted = false;
	int fd;

	VT_ASSERT_OK(vg_publisher_bpf.start(NULL, &sink, &state));
	/* A directory of the root filesystem, with an awkward name. */
	snprintf(deep, sizeof(deep), "%s/with space\nand newline", dir);
	VT_ASSERT_OK(mkdir(deep, 0700));
	expect_cwd(state, deep);
	/* /dev/shm: a tmpfs mounted on a directory of devtmpfs. */
	if (mkdtemp(shm)) {
		expect_cwd(state, shm);
		rmdir(shm);
	}
	/* A tmpfs of our own on a directory of ours: the walk crosses it. */
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	VT_ASSERT_OK(mkdir(mnt, 0700));
	if (mount("vigil-test", mnt, "tmpfs", 0, "size=1m") == 0) {
		mounted = true;
		snprintf(deep, sizeof(deep), "%s/inner", mnt);
		VT_ASSERT_OK(mkdir(deep, 0700));
		expect_cwd(state, deep);
		expect_cwd(state, mnt); /* the root of a mount */
	}
	expect_cwd(state, "/");
	/* Deeper than the walk goes (64 steps): no cwd rather than a suffix. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	VT_ASSERT(fd >= 0);
	for (int i = 0; i < 70; i++) {
		int next;

		snprintf(name, sizeof(name), "d%d", i);
		VT_ASSERT_OK(mkdirat(fd, name, 0700));
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
		VT_ASSERT(fd >= 0);
	}
	snprintf(deep, sizeof(deep), "/proc/self/fd/%d", fd);
	{
		const char *const argv[] = { "/bin/echo", "deep", NULL };
		char real[PATH_MAX];
		const struct seen *s;

		VT_ASSERT(realpath(deep, real));
		s = run_in(state, real, argv, NULL);
		VT_ASSERT(s);
		VT_ASSERT(!s->has_cwd);
	}
	close(fd);
	if (mounted)
		VT_ASSERT_OK(umount(mnt));
	vg_publisher_bpf.stop(state);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(environment_with_env_max)
{
	struct vg_process_options opt = { .args_max = 8192, .env_max = 4096 };
	struct vg_watch_set ws = { .process = &opt };
	const char *const argv[] = { "/bin/true", NULL };
	char var[64], expect[128], big[200];
	const char *const envp[] = { var, "B=2", "EMPTY=", NULL };
	const char *const big_envp[] = { var, big, NULL };
	void *state = NULL;
	const struct seen *s;
	size_t len;

	snprintf(var, sizeof(var), "VIGIL_ENV_%d=value %d", (int)getpid(), (int)getpid());
	len = (size_t)snprintf(expect, sizeof(expect), "%s%cB=2%cEMPTY=%c", var, 0, 0, 0);
	VT_ASSERT_OK(vg_publisher_bpf.start(&ws, &sink, &state));
	s = run_in(state, NULL, argv, envp);
	VT_ASSERT(s);
	VT_ASSERT(s->has_env);
	VT_ASSERT_EQ(s->env_count, 3);
	VT_ASSERT(!s->env_cut);
	VT_ASSERT_EQ(s->env_len, len);
	VT_ASSERT(memcmp(s->env, expect, len) == 0);
	vg_publisher_bpf.stop(state);

	/* A small env_max: cut and marked; the count is of whole variables kept. */
	opt.env_max = (uint32_t)strlen(var) + 1 + 10;
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "BIG=", 4);
	big[sizeof(big) - 1] = '\0';
	VT_ASSERT_OK(vg_publisher_bpf.start(&ws, &sink, &state));
	s = run_in(state, NULL, argv, big_envp);
	VT_ASSERT(s);
	VT_ASSERT(s->has_env);
	VT_ASSERT(s->env_cut);
	VT_ASSERT_EQ(s->env_len, opt.env_max);
	VT_ASSERT_EQ(s->env_count, 1);
	VT_ASSERT(memcmp(s->env, var, strlen(var) + 1) == 0);
	vg_publisher_bpf.stop(state);

	/* env_max 0: no environment at all. */
	opt.env_max = 0;
	VT_ASSERT_OK(vg_publisher_bpf.start(&ws, &sink, &state));
	s = run_in(state, NULL, argv, envp);
	VT_ASSERT(s);
	VT_ASSERT(!s->has_env);
	vg_publisher_bpf.stop(state);
}

/* Forks a child that exits at once; returns its fork event, if any. */
static const struct seen *fork_and_catch(void *state, int64_t wait_ns)
{
	int64_t deadline = vg_mono_ns() + wait_ns;
	struct pollfd p = { .fd = vg_publisher_bpf.fd(state), .events = POLLIN };
	int status;

	n_seen = 0;
	wanted = fork();
	if (wanted == 0)
		_exit(0);
	waitpid(wanted, &status, 0);
	while (vg_mono_ns() < deadline) {
		for (size_t i = 0; i < n_seen; i++)
			if (!strcmp(seen[i].syscall, "fork"))
				return &seen[i];
		poll(&p, 1, 50);
		vg_publisher_bpf.drain(state, 1024);
	}
	return NULL;
}

VT_TEST(fork_records_only_when_asked)
{
	struct vg_process_options opt = { .forks = true, .args_max = 8192 };
	struct vg_watch_set ws = { .process = &opt };
	void *state = NULL;
	const struct seen *s;
	char exe[PATH_MAX];

	self_exe(exe, sizeof(exe));
	VT_ASSERT_OK(vg_publisher_bpf.start(&ws, &sink, &state));
	s = fork_and_catch(state, 5000000000LL);
	VT_ASSERT(s);
	VT_ASSERT_EQ(s->pid, wanted);
	VT_ASSERT_EQ(s->ppid, getpid());
	VT_ASSERT_EQ(s->uid, getuid());
	VT_ASSERT_STR_EQ(s->path, exe);
	VT_ASSERT_STR_EQ(s->ppath, exe);
	vg_publisher_bpf.stop(state);

	/* Off: the program is not even loaded; the exit shows, no fork does. */
	opt.forks = false;
	VT_ASSERT_OK(vg_publisher_bpf.start(&ws, &sink, &state));
	VT_ASSERT(!fork_and_catch(state, 300000000LL));
	vg_publisher_bpf.stop(state);
}

VT_TEST(reader_in_poll_wakes_soon_after_an_exec)
{
	struct pollfd p = { .events = POLLIN };
	int64_t deadline, latency_ns = -1;
	void *state = NULL;
	int status;

	VT_ASSERT_OK(vg_publisher_bpf.start(NULL, &sink, &state));
	p.fd = vg_publisher_bpf.fd(state);
	while (poll(&p, 1, 0) > 0) /* start from an empty ring */
		vg_publisher_bpf.drain(state, 4096);
	n_seen = 0;
	wanted = fork();
	if (wanted == 0) {
		usleep(100 * 1000); /* let the parent block in poll() first */
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	deadline = vg_mono_ns() + 5000000000LL;
	while (latency_ns < 0 && vg_mono_ns() < deadline) {
		struct timespec now;

		if (poll(&p, 1, 3000) <= 0)
			break;
		clock_gettime(CLOCK_REALTIME, &now);
		vg_publisher_bpf.drain(state, 4096);
		for (size_t i = 0; i < n_seen; i++)
			if (!strcmp(seen[i].syscall, "execve"))
				latency_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec -
					     seen[i].time_ns;
	}
	waitpid(wanted, &status, 0);
	VT_ASSERT(latency_ns >= 0);
	VT_ASSERT(latency_ns < 50 * 1000000LL);
	vg_publisher_bpf.stop(state);
}
