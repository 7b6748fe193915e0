// SPDX-License-Identifier: Apache-2.0
/*
 * The main job as README runs it: `vigil --follow --json` on a config, with
 * file events on. Real files are made and the JSON Lines it prints are read
 * back as a consumer would; SIGHUP after the config changed moves the
 * watches without a restart; SIGTERM ends it cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vt.h"

struct follower {
	pid_t pid;
	int out; /* vigil's stdout */
	char buf[1 << 16];
	size_t len;
};

static bool start(struct follower *f, const char *conf, const char *db)
{
	const char *bin = getenv("VIGIL_BIN");
	int p[2];

	if (!bin || pipe(p))
		return false;
	f->len = 0;
	f->pid = fork();
	if (f->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed test leaves no vigil behind */
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execl(bin, bin, "--config_path", conf, "--database_path", db,
		      "--disable_events=false", "--enable_file_events", "--follow", "--json",
		      "SELECT action, target_path FROM file_events", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f->out = p[0];
	return f->pid > 0;
}

/* Reads vigil's output until it holds @needle or @ms pass; whether it does. */
static bool wait_for(struct follower *f, const char *needle, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = f->out, .events = POLLIN };
		ssize_t n;
		long spent;

		f->buf[f->len] = '\0';
		if (strstr(f->buf, needle))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= ms || poll(&p, 1, (int)(ms - spent)) <= 0)
			return false;
		n = read(f->out, f->buf + f->len, sizeof(f->buf) - 1 - f->len);
		if (n <= 0)
			return false;
		f->len += (size_t)n;
	}
}

static void write_conf(const char *conf, const char *watched)
{
	char text[1024];
	int n =
	    snprintf(text, sizeof(text), "{\"file_paths\": {\"data\": [\"%s/%%%%\"]}}\n", watched);

	VT_ASSERT_OK(vt_write_file(conf, text, (size_t)n));
}

/*
 * Makes files @prefix-0, @prefix-1... in @dir until vigil prints the row of
 * one (its watch may still be settling); whether it did.
 */
static bool touch_until_seen(struct follower *f, const char *dir, const char *prefix)
{
	char path[600], needle[700];

	for (int i = 0; i < 20; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s-%d", dir, prefix, i) >=
		    sizeof(path))
			return false;
		snprintf(needle, sizeof(needle), "\"target_path\":\"%s\"", path);
		if (vt_write_file(path, "x", 1))
			return false;
		if (wait_for(f, needle, 500))
			return true;
	}
	return false;
}

VT_TEST(follow_prints_rows_reloads_and_stops)
{
	char *top = vt_tmpdir(), a[256], b[256], conf[300], db[300], path[600], needle[700];
	struct follower f;
	int status = -1;

	snprintf(a, sizeof(a), "%s/a", top);
	snprintf(b, sizeof(b), "%s/b", top);
	snprintf(conf, sizeof(conf), "%s/vigil.conf", top);
	snprintf(db, sizeof(db), "%s/db", top);
	VT_ASSERT(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0);
	write_conf(conf, a);
	VT_ASSERT(start(&f, conf, db));
	VT_ASSERT(touch_until_seen(&f, a, "probe"));
	/* A row per change, as one JSON object per line. */
	snprintf(path, sizeof(path), "%s/first", a);
	VT_ASSERT_OK(vt_write_file(path, "x", 1));
	snprintf(needle, sizeof(needle), "{\"action\":\"CREATED\",\"target_path\":\"%s\"}\n", path);
	VT_ASSERT(wait_for(&f, needle, 5000));
	/* b is not watched yet. */
	snprintf(path, sizeof(path), "%s/early", b);
	VT_ASSERT_OK(vt_write_file(path, "x", 1));
	snprintf(needle, sizeof(needle), "\"target_path\":\"%s\"", path);
	VT_ASSERT(!wait_for(&f, needle, 700));
	/* The config now names b instead of a: SIGHUP applies it in place. */
	write_conf(conf, b);
	VT_ASSERT(kill(f.pid, SIGHUP) == 0);
	VT_ASSERT(touch_until_seen(&f, b, "after-reload"));
	f.len = 0;
	snprintf(path, sizeof(path), "%s/after", a);
	VT_ASSERT_OK(vt_write_file(path, "x", 1));
	snprintf(needle, sizeof(needle), "\"target_path\":\"%s\"", path);
	VT_ASSERT(!wait_for(&f, needle, 700));
	/* SIGTERM: a clean exit, promptly. */
	VT_ASSERT(kill(f.pid, SIGTERM) == 0);
	VT_ASSERT(waitpid(f.pid, &status, 0) == f.pid);
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(f.out);
	vt_rmtree(top);
	free(top);
}
