// SPDX-License-Identifier: Apache-2.0
/*
 * bpf.c - process events from eBPF: the first choice for process_events.
 *
 * HOW IT WORKS: the CO-RE program of bpf/process.bpf.c (compiled against
 * the running kernel's BTF and embedded as a libbpf skeleton) sends one
 * record per successful exec through a BPF ring buffer. The ring buffer's
 * epoll fd is the publisher's fd; drain() consumes what is there and hands
 * each record, as a struct vg_process_event, to the sink. The kernel's
 * boot-clock timestamps become wall-clock time with the offset measured at
 * start. Load-time knobs are set in the skeleton's read-only data before
 * load; records the program could not reserve are counted in a per-CPU map
 * and reported as dropped_kernel.
 *
 * LIMITS: exec and exit records (no fork records yet); argv past
 * VG_REC_ARGS_MAX bytes is cut and marked; the cwd is not in the record.
 */
#include "vigil/publisher.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "process.skel.h"
#include "vg_records.h"
#include "vigil/event.h"
#include "vigil/log.h"

_Static_assert(sizeof(struct vg_rec_hdr) == 16, "vg_rec_hdr layout");
_Static_assert(sizeof(struct vg_rec_exit) == 16 + 8 + 4 * 6 + 16, "vg_rec_exit layout");
_Static_assert(sizeof(struct vg_rec_exec) ==
		   16 + 8 + 4 * 16 + 16 + VG_REC_PATH_MAX + VG_REC_ARGS_MAX,
	       "vg_rec_exec layout");

struct bpf_pub {
	struct process_bpf *skel;
	struct ring_buffer *rb;
	const struct vg_sink *sink;
	int64_t boot_to_real_ns; /* add to a boot-clock time for wall-clock time */
	uint64_t received;
};

static int bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static int bpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	if (level == LIBBPF_DEBUG && !vg_log_enabled(VG_LOG_DEBUG))
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	vg_log(level == LIBBPF_WARN ? VG_LOG_WARN : VG_LOG_DEBUG, "bpf: libbpf: %s", msg);
	return 0;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bpf_probe(void)
{
	struct process_bpf *skel;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		vg_log(VG_LOG_INFO, "bpf: the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return -ENOSYS;
	}
	libbpf_set_print(bpf_print);
	skel = process_bpf__open_and_load();
	if (!skel) {
		err = errno ? -errno : -ENOSYS;
		vg_log(VG_LOG_INFO, "bpf: cannot load the exec program: %s", strerror(-err));
		return err == -EPERM || err == -EACCES ? -EPERM : -ENOSYS;
	}
	process_bpf__destroy(skel);
	return 0;
}

/* An exit record: a process event without path or argv. */
static void bpf_exit(struct bpf_pub *b, const struct vg_rec_exit *r)
{
	struct vg_process_event ev;
	char comm[sizeof(r->comm) + 1];
	unsigned sig = r->exit_code & 0x7f;

	memcpy(comm, r->comm, sizeof(r->comm));
	comm[sizeof(r->comm)] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.time_ns = (int64_t)r->hdr.time_ns + b->boot_to_real_ns;
	ev.pid = (int32_t)r->pid;
	ev.tid = (int32_t)r->tid;
	ev.ppid = (int32_t)r->ppid;
	ev.uid = ev.euid = ev.suid = ev.fsuid = r->uid;
	ev.gid = ev.egid = ev.sgid = ev.fsgid = -1;
	ev.auid = -1;
	ev.path = "";
	ev.args = "";
	ev.comm = comm;
	ev.syscall = "exit";
	/* As a shell reports it: the status, or 128 + the signal that killed it. */
	ev.exit_code = sig ? 128 + sig : (r->exit_code >> 8) & 0xff;
	ev.duration_ns = r->hdr.time_ns > r->start_ns ? (int64_t)(r->hdr.time_ns - r->start_ns) : 0;
	b->received++;
	if (b->sink->process_event)
		b->sink->process_event(b->sink->ctx, &ev);
}

/* One ring-buffer record: exec and exit records become process events. */
static int bpf_record(void *ctx, void *data, size_t size)
{
	struct bpf_pub *b = ctx;
	const struct vg_rec_exec *r = data;
	struct vg_process_event ev;
	char comm[sizeof(r->comm) + 1];
	size_t args_len;

	if (size >= sizeof(struct vg_rec_exit) && r->hdr.kind == VG_REC_EXIT) {
		bpf_exit(b, data);
		return 0;
	}
	if (size < sizeof(struct vg_rec_hdr) || r->hdr.kind != VG_REC_EXEC || size < sizeof(*r))
		return 0; /* a kind this build does not know */
	args_len = r->args_len <= sizeof(r->args) ? r->args_len : sizeof(r->args);
	if (args_len && r->args[args_len - 1] == '\0') /* the last argument's NUL only */
		args_len--;
	memcpy(comm, r->comm, sizeof(r->comm));
	comm[sizeof(r->comm)] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.time_ns = (int64_t)r->hdr.time_ns + b->boot_to_real_ns;
	ev.pid = (int32_t)r->pid;
	ev.tid = (int32_t)r->tid;
	ev.ppid = (int32_t)r->ppid;
	ev.uid = r->uid;
	ev.euid = r->euid;
	ev.suid = r->suid;
	ev.fsuid = r->fsuid;
	ev.gid = r->gid;
	ev.egid = r->egid;
	ev.sgid = r->sgid;
	ev.fsgid = r->fsgid;
	ev.auid = r->auid == UINT32_MAX ? -1 : (int64_t)r->auid;
	ev.path = r->path;
	ev.path_len = strnlen(r->path, sizeof(r->path));
	ev.args = r->args;
	ev.args_len = args_len;
	ev.argc = r->argc;
	ev.args_cut = r->args_cut != 0;
	ev.comm = comm;
	ev.cgroup_id = r->cgroup_id;
	ev.syscall = "execve";
	ev.exit_code = -1;
	ev.duration_ns = -1;
	b->received++;
	if (b->sink->process_event)
		b->sink->process_event(b->sink->ctx, &ev);
	return 0;
}

static void bpf_stop(void *state)
{
	struct bpf_pub *b = state;

	if (!b)
		return;
	ring_buffer__free(b->rb);
	process_bpf__destroy(b->skel);
	free(b);
}

static int bpf_start(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state)
{
	struct bpf_pub *b = calloc(1, sizeof(*b));
	int err;

	(void)ws;
	if (!b)
		return -ENOMEM;
	libbpf_set_print(bpf_print);
	b->sink = sink;
	b->skel = process_bpf__open();
	if (!b->skel) {
		err = errno ? -errno : -ENOSYS;
		goto fail;
	}
	b->skel->rodata->args_max = VG_REC_ARGS_MAX;
	err = process_bpf__load(b->skel);
	if (!err)
		err = process_bpf__attach(b->skel);
	if (err)
		goto fail;
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), bpf_record, b, NULL);
	if (!b->rb) {
		err = errno ? -errno : -ENOMEM;
		goto fail;
	}
	b->boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	*state = b;
	return 0;
fail:
	vg_log(VG_LOG_ERROR, "bpf: cannot start the exec program: %s", strerror(-err));
	bpf_stop(b);
	return err;
}

static int bpf_fd(void *state)
{
	return ring_buffer__epoll_fd(((struct bpf_pub *)state)->rb);
}

static int bpf_drain(void *state, unsigned budget)
{
	struct bpf_pub *b = state;
	int n;

	(void)budget; /* consume() takes what is there; records are bounded by the ring */
	n = ring_buffer__consume(b->rb);
	return n;
}

static int bpf_update(void *state, const struct vg_watch_set *ws)
{
	(void)state;
	(void)ws;
	return 0; /* exec tracing has no watches */
}

/* Records the kernel side could not reserve, summed over CPUs. */
static uint64_t bpf_drops(struct bpf_pub *b)
{
	int n_cpus = libbpf_num_possible_cpus();
	uint64_t *per_cpu, total = 0;
	uint32_t zero = 0;

	if (n_cpus <= 0)
		return 0;
	per_cpu = calloc((size_t)n_cpus, sizeof(*per_cpu));
	if (per_cpu && bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.drops), &zero, per_cpu) == 0)
		for (int i = 0; i < n_cpus; i++)
			total += per_cpu[i];
	free(per_cpu);
	return total;
}

static void bpf_stats(void *state, struct vg_publisher_stats *st)
{
	struct bpf_pub *b = state;

	memset(st, 0, sizeof(*st));
	st->received = b->received;
	st->dropped_kernel = bpf_drops(b);
	st->watches = 1;
}

const struct vg_publisher_ops vg_publisher_bpf = {
	.name = "bpf",
	.probe = bpf_probe,
	.start = bpf_start,
	.fd = bpf_fd,
	.drain = bpf_drain,
	.update = bpf_update,
	.stop = bpf_stop,
	.stats = bpf_stats,
};
