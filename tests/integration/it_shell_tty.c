// SPDX-License-Identifier: Apache-2.0
/*
 * The interactive shell on a real terminal (a pty): the prompt, a statement
 * typed over two lines, the Up arrow recalling it from history, and the
 * history file written at exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vigil/strbuf.h"
#include "vt.h"

/* Reads from @fd into @sb until @needle appears @count times or 5 s pass. */
static bool wait_for(int fd, struct vg_strbuf *sb, const char *needle, int count)
{
	time_t deadline = time(NULL) + 5;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		const char *s = sb->buf;
		int seen = 0;
		char buf[4096];
		ssize_t n;

		while ((s = strstr(s, needle))) {
			seen++;
			s += strlen(needle);
		}
		if (seen >= count)
			return true;
		if (time(NULL) > deadline)
			return false;
		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		vg_strbuf_add(sb, buf, (size_t)n);
	}
}

static void type(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
}

VT_TEST(interactive_prompt_and_history)
{
	struct vg_strbuf sb = VG_STRBUF_INIT, hist = VG_STRBUF_INIT;
	char *home = vt_tmpdir(), path[600];
	const char *bin = getenv("VIGIL_BIN");
	int master = -1, status = 0;
	pid_t pid;

	pid = forkpty(&master, NULL, NULL, NULL);
	VT_ASSERT(pid >= 0);
	if (pid == 0) {
		setenv("HOME", home, 1);
		setenv("TERM", "dumb", 1);
		execl(bin ? bin : "./vigil", "vigil", (char *)NULL);
		_exit(127);
	}
	VT_ASSERT(wait_for(master, &sb, "vigil> ", 1));
	type(master, "select 40 + 2\r");
	VT_ASSERT(wait_for(master, &sb, "...> ", 1));
	type(master, "as answer;\r");
	VT_ASSERT(wait_for(master, &sb, "| 42     |", 1));
	/* Up arrow: the whole statement comes back as one history entry. */
	type(master, "\x1b[A\r");
	VT_ASSERT(wait_for(master, &sb, "| 42     |", 2));
	type(master, ".quit\r");
	VT_ASSERT(waitpid(pid, &status, 0) == pid);
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(path, sizeof(path), "%s/.vigil_history", home);
	VT_ASSERT_OK(vg_read_file(path, 0, false, &hist));
	VT_ASSERT_CONTAINS(hist.buf, "select\\04040\\040+\\0402\\040as\\040answer;");
	close(master);
	vg_strbuf_release(&sb);
	vg_strbuf_release(&hist);
	vt_rmtree(home);
	free(home);
}
