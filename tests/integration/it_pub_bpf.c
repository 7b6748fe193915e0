// SPDX-License-Identifier: Apache-2.0
/*
 * The eBPF exec publisher on the real kernel: a child execs /bin/echo with
 * arguments of each hard kind (spaces, quotes, a newline, invalid UTF-8,
 * an empty one), and the record that comes back has its path, exact argv,
 * pid, parent and uid; a 100 KB argv arrives cut and marked; nothing is
 * dropped.
 */
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vt.h"

struct seen {
	int32_t pid, ppid;
	int64_t uid;
	char path[512];
	char args[9000];
	size_t args_len;
	uint32_t argc;
	bool cut;
	char comm[17];
};

static struct seen seen[256];
static size_t n_seen;
static pid_t wanted; /* keep only this child's execs */

static void on_process(void *ctx, const struct vg_process_event *ev)
{
	struct seen *s;

	(void)ctx;
	if (ev->pid != wanted || n_seen == sizeof(seen) / sizeof(seen[0]))
		return;
	s = &seen[n_seen++];
	s->pid = ev->pid;
	s->ppid = ev->ppid;
	s->uid = ev->uid;
	snprintf(s->path, sizeof(s->path), "%.*s", (int)ev->path_len, ev->path);
	s->args_len = ev->args_len < sizeof(s->args) ? ev->args_len : sizeof(s->args);
	memcpy(s->args, ev->args, s->args_len);
	s->argc = ev->argc;
	s->cut = ev->args_cut;
	snprintf(s->comm, sizeof(s->comm), "%s", ev->comm);
}

static const struct vg_sink sink = { .process_event = on_process };

/* Runs @argv in a child (stdout to /dev/null) and drains until its exec shows. */
static bool run_and_catch(void *state, const char *const argv[])
{
	int64_t deadline = vg_mono_ns() + 5000000000LL;
	struct pollfd p = { .fd = vg_publisher_bpf.fd(state), .events = POLLIN };
	int status;

	n_seen = 0;
	wanted = fork();
	if (wanted == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	waitpid(wanted, &status, 0);
	while (!n_seen && vg_mono_ns() < deadline) {
		poll(&p, 1, 100);
		vg_publisher_bpf.drain(state, 1024);
	}
	return n_seen > 0;
}

VT_TEST(exec_with_hard_arguments)
{
	void *state = NULL;
	char token[64];
	const char *const argv[] = { "/bin/echo", token,      "with space", "quote\"and'",
				     "new\nline", "\xff\xfe", "",	    NULL };
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
	VT_ASSERT(run_and_catch(state, argv));
	VT_ASSERT_STR_EQ(seen[0].path, "/bin/echo");
	VT_ASSERT_EQ(seen[0].pid, wanted);
	VT_ASSERT_EQ(seen[0].ppid, getpid());
	VT_ASSERT_EQ(seen[0].uid, getuid());
	VT_ASSERT_EQ(seen[0].argc, 7);
	VT_ASSERT(!seen[0].cut);
	VT_ASSERT_EQ(seen[0].args_len, expect_len);
	VT_ASSERT(memcmp(seen[0].args, expect, expect_len) == 0);
	VT_ASSERT_STR_EQ(seen[0].comm, "echo");
	vg_publisher_bpf.stop(state);
}

VT_TEST(long_argv_is_cut_and_marked)
{
	void *state = NULL;
	char *big = malloc(100 * 1024 + 1);
	const char *const argv[] = { "/bin/true", big, NULL };
	struct vg_publisher_stats st;

	VT_ASSERT(big);
	memset(big, 'a', 100 * 1024);
	big[100 * 1024] = '\0';
	VT_ASSERT_OK(vg_publisher_bpf.start(NULL, &sink, &state));
	VT_ASSERT(run_and_catch(state, argv));
	VT_ASSERT(seen[0].cut);
	VT_ASSERT(seen[0].args_len >= 8000);
	VT_ASSERT(memcmp(seen[0].args, "/bin/true\0aaaa", 14) == 0);
	vg_publisher_bpf.stats(state, &st);
	VT_ASSERT_EQ(st.dropped_kernel, 0);
	VT_ASSERT(st.received >= 1);
	vg_publisher_bpf.stop(state);
	free(big);
}
