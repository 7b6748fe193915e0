// SPDX-License-Identifier: Apache-2.0
/*
 * fan_floor - the least any fanotify monitor can cost: the mark vigil puts
 * on a directory (FAN_REPORT_DFID_NAME_TARGET, the same event mask) and a
 * reader that reads the events and drops them, with no path lookup, no
 * rows, no output. The FIM benchmark runs it beside vigil, so the slowdown
 * it causes tells what part of vigil's is the kernel's own.
 *
 *   fan_floor DIR   (until SIGTERM; prints "events: N" at exit)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/fanotify.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static char buf[64 * 1024];
	unsigned long long events = 0;
	struct sigaction sa = { .sa_handler = on_term };
	uint64_t mask = FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB |
			FAN_ONDIR | FAN_RENAME | FAN_EVENT_ON_CHILD;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fan_floor DIR\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = fanotify_init(
	    FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME_TARGET, O_RDONLY);
	if (fd < 0 || fanotify_mark(fd, FAN_MARK_ADD, mask, AT_FDCWD, argv[1])) {
		perror("fan_floor: fanotify");
		return 1;
	}
	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		usleep(1000); /* let a burst gather, as vigil does */
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < n;) {
				const struct fanotify_event_metadata *m = (const void *)(buf + off);

				events++;
				off += m->event_len;
			}
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	printf("events: %llu\n", events);
	return 0;
}
