// SPDX-License-Identifier: Apache-2.0
/*
 * exec_storm - the process benchmark's load: W spawners each fork+exec
 * /bin/true N times as fast as they can. Prints `execs_per_s: X` and
 * `seconds: S`.
 *
 * Usage: exec_storm N [SPAWNERS]
 */
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spawner(long n)
{
	static char name[] = "true";
	char *const argv[] = { name, NULL };

	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;

		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0 ||
		    waitpid(pid, &st, 0) != pid)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	int w = argc > 2 ? atoi(argv[2]) : 1, failed = 0;
	double t0 = now_s(), t1;

	for (int i = 0; i < w; i++)
		if (fork() == 0)
			_exit(spawner(n));
	for (int i = 0; i < w; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed = 1;
	}
	t1 = now_s();
	printf("execs_per_s: %.0f\nseconds: %.3f\n", (double)(n * w) / (t1 - t0), t1 - t0);
	return failed;
}
