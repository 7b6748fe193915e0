// SPDX-License-Identifier: Apache-2.0
/*
 * pubreader.h - the thread that reads a publisher: polls its fd and calls
 * a drain function when it is readable, until stopped. Shared by file
 * monitoring (fim.c) and process auditing (procmon.c).
 */
#ifndef VIGIL_PUBREADER_H
#define VIGIL_PUBREADER_H

#include <stdint.h>

struct vg_pub_reader;

/* Drains what is readable; a negative errno other than -EAGAIN/-EINTR ends the thread. */
typedef int vg_pub_drain_fn(void *arg);

/*
 * Starts a thread named @name (at most 15 bytes, shown by top -H) polling
 * @fd. When it is readable the thread waits @gather_ns (so a burst is
 * drained in one go; 0: at once) and calls @fn(@arg). Returns 0 and *@out,
 * or a negative errno.
 */
int vg_pub_reader_start(const char *name, int fd, int64_t gather_ns, vg_pub_drain_fn *fn, void *arg,
			struct vg_pub_reader **out);

/* Stops and joins the thread, and frees. NULL-safe. */
void vg_pub_reader_stop(struct vg_pub_reader *r);

#endif
