// SPDX-License-Identifier: Apache-2.0
/*
 * pubreader.c - a publisher's reading thread (see pubreader.h): poll on
 * the publisher's fd and an eventfd that stop() writes to.
 */
#include "pubreader.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct vg_pub_reader {
	int fd, stop_fd;
	int64_t gather_ns;
	vg_pub_drain_fn *fn;
	void *arg;
	pthread_t thread;
};

static void *reader_main(void *arg)
{
	struct vg_pub_reader *r = arg;
	struct pollfd p[2] = { { .fd = r->fd, .events = POLLIN },
			       { .fd = r->stop_fd, .events = POLLIN } };

	for (;;) {
		int rc = poll(p, 2, 1000);

		if (rc < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (rc <= 0 || !p[0].revents)
			continue;
		if (r->gather_ns > 0) {
			struct timespec ts = { .tv_sec = r->gather_ns / 1000000000,
					       .tv_nsec = r->gather_ns % 1000000000 };

			nanosleep(&ts, NULL);
		}
		rc = r->fn(r->arg);
		if (rc < 0 && rc != -EAGAIN && rc != -EINTR)
			break;
	}
	return NULL;
}

int vg_pub_reader_start(const char *name, int fd, int64_t gather_ns, vg_pub_drain_fn *fn, void *arg,
			struct vg_pub_reader **out)
{
	struct vg_pub_reader *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->fd = fd;
	r->gather_ns = gather_ns;
	r->fn = fn;
	r->arg = arg;
	r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->stop_fd < 0) {
		err = -errno;
		free(r);
		return err;
	}
	err = -pthread_create(&r->thread, NULL, reader_main, r);
	if (err) {
		close(r->stop_fd);
		free(r);
		return err;
	}
	pthread_setname_np(r->thread, name); /* for top -H and perf */
	*out = r;
	return 0;
}

void vg_pub_reader_stop(struct vg_pub_reader *r)
{
	uint64_t one = 1;

	if (!r)
		return;
	/* An eventfd write of 1 cannot fail short of a counter overflow. */
	if (write(r->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	pthread_join(r->thread, NULL);
	close(r->stop_fd);
	free(r);
}
