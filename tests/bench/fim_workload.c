// SPDX-License-Identifier: Apache-2.0
/*
 * fim_workload - the FIM benchmark's writer: W processes each make N files
 * in DIR, each created, written (4 KiB), closed, renamed and unlinked, as
 * fast as they can. Prints `ops_per_s: X` (files per second, all writers)
 * and `events: Y` (inotify-level events generated: 6 per file).
 *
 * Usage: fim_workload DIR N [WRITERS]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int writer(const char *dir, long n, int id)
{
	static char block[4096];
	char a[4096], b[4096];

	memset(block, 'v', sizeof(block));
	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(a, sizeof(a), "%s/w%d-f%ld", dir, id, i);
		snprintf(b, sizeof(b), "%s/w%d-g%ld", dir, id, i);
		fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			return 1;
		close(fd);
		if (rename(a, b) || unlink(b))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n;
	int writers, failed = 0;
	double t0, t1;

	if (argc < 3) {
		fprintf(stderr, "usage: fim_workload DIR N [WRITERS]\n");
		return 2;
	}
	n = atol(argv[2]);
	writers = argc > 3 ? atoi(argv[3]) : 1;
	t0 = now_s();
	for (int w = 0; w < writers; w++)
		if (fork() == 0)
			_exit(writer(argv[1], n, w));
	for (int w = 0; w < writers; w++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed = 1;
	}
	t1 = now_s();
	printf("ops_per_s: %.0f\nevents: %ld\nseconds: %.3f\n", (double)(n * writers) / (t1 - t0),
	       n * writers * 6, t1 - t0);
	return failed;
}
