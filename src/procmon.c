// SPDX-License-Identifier: Apache-2.0
/*
 * procmon.c - process auditing at run time (see procmon.h).
 *
 * HOW IT WORKS: a reader thread polls the publisher's fd and drains it; the
 * sink makes each exec, fork and exit a row at once (what the kernel gave,
 * plus a stat of the executable just mapped and the cgroup's path, both
 * from memory) and tells the pid map (src/pidmap.h) who runs what, so
 * file_events can name a writer that has exited since. A file_events
 * worker that misses a pid asks the map to catch up, which drains here.
 *
 * The publisher is eBPF (publishers/bpf.c) or, where it cannot load, Linux
 * audit (publishers/audit.c): "auto" tries them in that order and keeps
 * why eBPF did not run, for osquery_events' note.
 */
#include "procmon.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidmap.h"
#include "pubreader.h"
#include "util.h"
#include "vigil/event.h"
#include "vigil/events.h"
#include "vigil/log.h"
#include "vigil/publisher.h"
#include "vigil/strbuf.h"
#include "vigil/subscriber.h"

struct vg_procmon {
	const struct vg_publisher_ops *pub;
	void *pub_state;
	struct vg_sink sink;
	struct vg_store *store;
	struct vg_pub_reader *reader;
	struct vg_process_options opt; /* what the publisher captures */
	char why[160];		       /* why a preferred publisher did not run ("": it did) */
	pthread_mutex_t lock;	       /* held by the reader while it drains; sync waits on it */
	unsigned errors;
};

/*
 * A fork by a process the pid map does not know (it started before
 * auditing): the parent is alive (it is forking), so /proc tells its exe
 * once, and its children after it are known.
 */
static void remember_parent(const struct vg_process_event *ev)
{
	struct vg_strbuf exe = VG_STRBUF_INIT;
	char link[64];

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)ev->ppid);
	if (vg_readlink(link, &exe) == 0) {
		vg_pidmap_exec(ev->ppid, exe.buf, exe.len, ev->uid, 0);
		vg_pidmap_fork(ev->pid, ev->ppid, ev->time_ns);
	}
	vg_strbuf_release(&exe);
}

/* Tells the pid map (file_events' attribution of writers gone since). */
static void remember(const struct vg_process_event *ev)
{
	if (!strcmp(ev->syscall, "exit")) {
		vg_pidmap_exit(ev->pid, ev->time_ns);
	} else if (!strcmp(ev->syscall, "fork")) {
		if (ev->path_len && ev->path[0] == '/') /* the record names its exe */
			vg_pidmap_exec(ev->pid, ev->path, ev->path_len, ev->uid, ev->time_ns);
		else if (!vg_pidmap_fork(ev->pid, ev->ppid, ev->time_ns))
			remember_parent(ev);
	} else if (ev->path_len && ev->path[0] == '/') {
		vg_pidmap_exec(ev->pid, ev->path, ev->path_len, ev->uid, ev->time_ns);
	} else if (ev->path_len && ev->cwd) { /* relative to the cwd it ran in */
		struct vg_strbuf sb = VG_STRBUF_INIT;

		vg_strbuf_add(&sb, ev->cwd, ev->cwd_len);
		vg_strbuf_addch(&sb, '/');
		vg_strbuf_add(&sb, ev->path, ev->path_len);
		vg_pidmap_exec(ev->pid, sb.buf, sb.len, ev->uid, ev->time_ns);
		vg_strbuf_release(&sb);
	}
}

static void on_process_event(void *ctx, const struct vg_process_event *ev)
{
	struct vg_procmon *m = ctx;
	int err;

	remember(ev);
	err = vg_process_events_append(m->store, ev);

	if (err && !m->errors++)
		vg_log(VG_LOG_ERROR, "procmon: cannot store an exec of %s: %s", ev->path,
		       strerror(-err));
}

/* The reader's drain (pubreader.c); sync waits on the lock for one in progress. */
static int procmon_drain(void *arg)
{
	struct vg_procmon *m = arg;
	int rc;

	pthread_mutex_lock(&m->lock);
	rc = m->pub->drain(m->pub_state, 4096);
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* The pid map's catch-up (a file_events worker missed a pid): take in what is queued. */
static void procmon_catch_up(void *arg)
{
	struct vg_procmon *m = arg;

	procmon_drain(m);
}

static void publisher_status(void *ctx, struct vg_events_publisher_status *ps)
{
	struct vg_procmon *m = ctx;
	struct vg_publisher_stats st;

	pthread_mutex_lock(&m->lock);
	m->pub->stats(m->pub_state, &st);
	pthread_mutex_unlock(&m->lock);
	ps->name = m->pub->name;
	ps->events = st.received;
	ps->dropped_kernel = st.dropped_kernel;
	ps->watches = st.watches;
	ps->overflows = st.overflows;
	ps->note = m->why[0] ? m->why : NULL;
}

/* Starts @pub into @m (m->pub set on success). */
static int procmon_start_one(struct vg_procmon *m, const struct vg_publisher_ops *pub,
			     const struct vg_watch_set *ws)
{
	int err = pub->probe();

	if (!err)
		err = pub->start(ws, &m->sink, &m->pub_state);
	if (!err)
		m->pub = pub;
	return err;
}

int vg_procmon_start(const char *publisher, const struct vg_process_options *opt,
		     struct vg_store *store, struct vg_procmon **out)
{
	struct vg_watch_set ws = { .watches = NULL };
	bool is_auto = !strcmp(publisher, "auto");
	struct vg_procmon *m;
	int err;

	if (!is_auto && strcmp(publisher, "bpf") && strcmp(publisher, "audit")) {
		vg_log(VG_LOG_ERROR,
		       "procmon: --process_events_publisher=%s is not available (auto, bpf, audit)",
		       publisher);
		return -ENOSYS;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->store = store;
	m->sink = (struct vg_sink){ .process_event = on_process_event, .ctx = m };
	if (opt) {
		m->opt = *opt;
		ws.process = &m->opt;
	}
	err = -ENOSYS;
	if (is_auto || !strcmp(publisher, "bpf"))
		err = procmon_start_one(m, &vg_publisher_bpf, &ws);
	if (err && is_auto) {
		snprintf(m->why, sizeof(m->why), "bpf did not load: %s", strerror(-err));
		vg_log(VG_LOG_WARN, "procmon: eBPF cannot run here (%s); using the audit fallback",
		       strerror(-err));
	}
	if (err && (is_auto || !strcmp(publisher, "audit")))
		err = procmon_start_one(m, &vg_publisher_audit, &ws);
	if (err) {
		vg_log(VG_LOG_ERROR, "procmon: no process publisher could start (%s): %s",
		       publisher, strerror(-err));
		vg_procmon_stop(m);
		return err;
	}
	/* No gathering: /proc must be read while a short-lived process lives. */
	err = vg_pub_reader_start("vg-proc-reader", m->pub->fd(m->pub_state), 0, procmon_drain, m,
				  &m->reader);
	if (err) {
		vg_procmon_stop(m);
		return err;
	}
	vg_events_set_publisher("process_events", publisher_status, m);
	vg_pidmap_set_catch_up(procmon_catch_up, m);
	*out = m;
	return 0;
}

int vg_procmon_sync(struct vg_procmon *m, int timeout_ms)
{
	int64_t deadline = vg_mono_ns() + (int64_t)timeout_ms * 1000000;
	struct pollfd p = { .fd = m->pub->fd(m->pub_state), .events = POLLIN };

	while (vg_mono_ns() < deadline) {
		if (poll(&p, 1, 0) == 0) {
			pthread_mutex_lock(&m->lock); /* a drain in progress finishes */
			pthread_mutex_unlock(&m->lock);
			if (poll(&p, 1, 0) == 0)
				return 0;
		}
		usleep(1000);
	}
	return -ETIMEDOUT;
}

void vg_procmon_stop(struct vg_procmon *m)
{
	if (!m)
		return;
	vg_events_set_publisher("process_events", NULL, NULL);
	vg_pidmap_set_catch_up(NULL, NULL);
	vg_pub_reader_stop(m->reader);
	if (m->pub)
		m->pub->stop(m->pub_state);
	vg_pidmap_clear();
	pthread_mutex_destroy(&m->lock);
	free(m);
}
