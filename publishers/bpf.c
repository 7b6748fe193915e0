// SPDX-License-Identifier: Apache-2.0
/*
 * bpf.c - process events from eBPF: the first choice for process_events.
 *
 * HOW IT WORKS: the CO-RE programs of bpf/process.bpf.c (compiled against
 * the running kernel's BTF and embedded as a libbpf skeleton) send one
 * record per successful exec, per process exit and, when options.forks
 * asks for them, per new process, through a BPF ring buffer. The exec
 * record carries the executable's absolute path, the cwd and the parent's
 * executable, built in the kernel from dentries (no /proc reads here, so
 * nothing races with a process that exits at once), argv and, when
 * options.env_max > 0, the environment. The ring buffer map's fd is the
 * publisher's fd (poll() on it sees pending data); drain() consumes what
 * is there and hands each record, as a struct vg_process_event, to the
 * sink. Records are sent without a wakeup and a BPF timer wakes the reader
 * within VG_BPF_WAKEUP_DELAY_NS (see process.bpf.c), so a storm of execs
 * is read in batches. The kernel's boot-clock timestamps become wall-clock
 * time with the offset measured at start.
 *
 * Load-time knobs (args_max, env_max) go into the skeleton's read-only
 * data before load; the fork program's autoload is cleared when fork rows
 * are off, so they cost nothing then. Records the programs could not send
 * are counted in a per-CPU map and reported as dropped_kernel; records of
 * a size or kind this build does not read are counted, the first logged.
 *
 * LIMITS: argv and env past VG_REC_ARGS_MAX / VG_REC_ENV_MAX bytes are cut
 * and marked; a path deeper than 64 steps or longer than 4095 bytes is
 * left out (cwd and parent_path NULL; path falls back to the name exec was
 * given); paths are as the process's mount namespace sees them.
 */
#include "vigil/publisher.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
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
_Static_assert(sizeof(struct vg_rec_str) == 4, "vg_rec_str layout");
_Static_assert(offsetof(struct vg_rec_exec2, data) == 16 + 8 + 4 * 14 + 4 * 5 + 4 + 16,
	       "vg_rec_exec2 layout");
_Static_assert(sizeof(struct vg_rec_exec2) == 120 + VG_REC_DATA_MAX, "vg_rec_exec2 size");
_Static_assert(offsetof(struct vg_rec_fork, data) == 16 + 8 + 4 * 8 + 4 + 4 + 16,
	       "vg_rec_fork layout");
_Static_assert(sizeof(struct vg_rec_fork) == 80 + VG_REC_FULLPATH_MAX, "vg_rec_fork size");
/* Three whole paths, argv and env fit in data: the BPF side relies on it. */
_Static_assert(3 * VG_REC_FULLPATH_MAX + VG_REC_ARGS_MAX + VG_REC_ENV_MAX <= VG_REC_DATA_MAX,
	       "vg_rec_exec2 data");

/*
 * Ring-buffer wakeups: records are sent without waking the reader, and a
 * BPF timer wakes it at most this long after the first of them (or at once
 * when this many bytes are pending). An exec storm then costs the reader a
 * wakeup per batch instead of one per exec, and a row still shows within
 * about 10 ms.
 */
#define VG_BPF_WAKEUP_DELAY_NS (10 * 1000 * 1000)
#define VG_BPF_WAKEUP_BYTES    (512 * 1024)

struct bpf_pub {
	struct process_bpf *skel;
	struct ring_buffer *rb;
	const struct vg_sink *sink;
	int64_t boot_to_real_ns; /* add to a boot-clock time for wall-clock time */
	uint32_t env_max;	 /* 0: the environment is not captured */
	uint64_t received;
	uint64_t malformed; /* records of a wrong size or kind (a build mismatch) */
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

/*
 * Starts @ev for a record of @time_ns (boot clock) whose task was named
 * @rcomm: the comm copied into @comm (NUL-terminated), no path or argv yet,
 * no exit code or lifetime.
 */
static void ev_init(const struct bpf_pub *b, struct vg_process_event *ev, uint64_t time_ns,
		    const char rcomm[16], char comm[17])
{
	memcpy(comm, rcomm, 16);
	comm[16] = '\0';
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = (int64_t)time_ns + b->boot_to_real_ns;
	ev->path = "";
	ev->args = "";
	ev->comm = comm;
	ev->exit_code = -1;
	ev->duration_ns = -1;
}

/* Hands @ev to the sink. */
static void ev_send(struct bpf_pub *b, const struct vg_process_event *ev)
{
	b->received++;
	if (b->sink->process_event)
		b->sink->process_event(b->sink->ctx, ev);
}

/* An exit record: a process event without path or argv. */
static void bpf_exit(struct bpf_pub *b, const struct vg_rec_exit *r)
{
	struct vg_process_event ev;
	char comm[sizeof(r->comm) + 1];
	unsigned sig = r->exit_code & 0x7f;

	ev_init(b, &ev, r->hdr.time_ns, r->comm, comm);
	ev.pid = (int32_t)r->pid;
	ev.tid = (int32_t)r->tid;
	ev.ppid = (int32_t)r->ppid;
	ev.uid = ev.euid = ev.suid = ev.fsuid = r->uid;
	ev.gid = ev.egid = ev.sgid = ev.fsgid = -1;
	ev.auid = -1;
	ev.syscall = "exit";
	/* As a shell reports it: the status, or 128 + the signal that killed it. */
	ev.exit_code = sig ? 128 + sig : (r->exit_code >> 8) & 0xff;
	ev.duration_ns = r->hdr.time_ns > r->start_ns ? (int64_t)(r->hdr.time_ns - r->start_ns) : 0;
	ev_send(b, &ev);
}

/* A string of a variable record: true if @s lies in the @n data bytes (and,
 * for a path, is followed by its NUL); *@out points at it. */
static bool rec_str(const char *data, size_t n, struct vg_rec_str s, bool is_path, const char **out)
{
	size_t end = (size_t)s.off + s.len;

	if (end > n || (is_path && (end == n || data[end] != '\0')))
		return false;
	*out = data + s.off;
	return true;
}

/* An exec2 record: the exec with its paths, argv and environment. */
static void bpf_exec(struct bpf_pub *b, const struct vg_rec_exec2 *r, size_t size)
{
	size_t n = size - offsetof(struct vg_rec_exec2, data);
	const char *path, *cwd, *ppath, *args, *env;
	struct vg_process_event ev;
	char comm[sizeof(r->comm) + 1];
	size_t args_len = r->args.len;

	if (!rec_str(r->data, n, r->path, true, &path) ||
	    !rec_str(r->data, n, r->args, false, &args) ||
	    !rec_str(r->data, n, r->env, false, &env)) {
		if (!b->malformed++)
			vg_log(VG_LOG_WARN, "bpf: an exec record of pid %u is malformed", r->pid);
		return;
	}
	if ((r->flags & VG_REC_F_CWD_CUT) || !rec_str(r->data, n, r->cwd, true, &cwd))
		cwd = NULL;
	if ((r->flags & VG_REC_F_PPATH_CUT) || !rec_str(r->data, n, r->parent_path, true, &ppath))
		ppath = NULL;
	if (args_len && args[args_len - 1] == '\0') /* the last argument's NUL only */
		args_len--;
	ev_init(b, &ev, r->hdr.time_ns, r->comm, comm);
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
	ev.path = path;
	ev.path_len = r->path.len;
	ev.args = args;
	ev.args_len = args_len;
	ev.argc = r->argc;
	ev.args_cut = (r->flags & VG_REC_F_ARGS_CUT) != 0;
	ev.cgroup_id = r->cgroup_id;
	if (cwd) {
		ev.cwd = cwd;
		ev.cwd_len = r->cwd.len;
	}
	if (b->env_max) {
		ev.env = env;
		ev.env_len = r->env.len;
		for (size_t i = 0; i < ev.env_len; i++)
			ev.env_count += env[i] == '\0';
		ev.env_cut = (r->flags & VG_REC_F_ENV_CUT) != 0;
	}
	if (ppath) {
		ev.parent_path = ppath;
		ev.parent_path_len = r->parent_path.len;
	}
	ev.syscall = "execve";
	ev_send(b, &ev);
}

/* A fork record: a new process, running its parent's executable. */
static void bpf_fork(struct bpf_pub *b, const struct vg_rec_fork *r, size_t size)
{
	size_t n = size - offsetof(struct vg_rec_fork, data);
	struct vg_process_event ev;
	char comm[sizeof(r->comm) + 1];
	const char *path = NULL;

	if (!(r->flags & VG_REC_F_PPATH_CUT) && !rec_str(r->data, n, r->path, true, &path))
		path = NULL;
	ev_init(b, &ev, r->hdr.time_ns, r->comm, comm);
	ev.pid = ev.tid = (int32_t)r->pid;
	ev.ppid = (int32_t)r->ppid;
	ev.uid = ev.suid = ev.fsuid = r->uid;
	ev.euid = r->euid;
	ev.gid = ev.sgid = ev.fsgid = r->gid;
	ev.egid = r->egid;
	ev.auid = r->auid == UINT32_MAX ? -1 : (int64_t)r->auid;
	if (path) { /* the child runs what its parent runs */
		ev.path = ev.parent_path = path;
		ev.path_len = ev.parent_path_len = r->path.len;
	}
	ev.syscall = "fork";
	ev_send(b, &ev);
}

/* One ring-buffer record, by kind; a short or unknown one is counted. */
static int bpf_record(void *ctx, void *data, size_t size)
{
	struct bpf_pub *b = ctx;
	const struct vg_rec_hdr *h = data;

	if (size < sizeof(*h) || h->size != size) {
		if (!b->malformed++)
			vg_log(VG_LOG_WARN, "bpf: a record of %zu bytes does not say so", size);
		return 0;
	}
	switch (h->kind) {
	case VG_REC_EXEC2:
		if (size < offsetof(struct vg_rec_exec2, data) ||
		    size > sizeof(struct vg_rec_exec2))
			break;
		bpf_exec(b, data, size);
		return 0;
	case VG_REC_FORK:
		if (size < offsetof(struct vg_rec_fork, data) || size > sizeof(struct vg_rec_fork))
			break;
		bpf_fork(b, data, size);
		return 0;
	case VG_REC_EXIT:
		if (size != sizeof(struct vg_rec_exit))
			break;
		bpf_exit(b, data);
		return 0;
	case VG_REC_TICK:
		return 0;
	}
	if (!b->malformed++)
		vg_log(VG_LOG_WARN,
		       "bpf: a record of kind %u and %zu bytes is not one this build reads",
		       h->kind, size);
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

/* Opens and loads the program with @opt's knobs (NULL: the defaults). */
static int bpf_load(const struct vg_process_options *opt, struct process_bpf **out)
{
	struct process_bpf *skel;
	int n_cpus = libbpf_num_possible_cpus(), err;

	if (n_cpus <= 0)
		return n_cpus < 0 ? n_cpus : -EINVAL;
	skel = process_bpf__open();
	if (!skel)
		return errno ? -errno : -ENOSYS;
	err = bpf_map__set_max_entries(skel->maps.scratch, (uint32_t)n_cpus);
	if (err)
		goto out;
	skel->rodata->args_max = opt ? opt->args_max : VG_REC_ARGS_MAX;
	skel->rodata->env_max = opt ? opt->env_max : 0;
	/* Fork rows cost nothing when not asked for: the program is not loaded. */
	skel->rodata->wakeup_delay_ns = VG_BPF_WAKEUP_DELAY_NS;
	skel->rodata->wakeup_bytes = VG_BPF_WAKEUP_BYTES;
	err = bpf_program__set_autoload(skel->progs.vg_fork, opt && opt->forks);
	if (err)
		goto out;
	err = process_bpf__load(skel);
	if (err)
		goto out;
	*out = skel;
	skel = NULL;
out:
	process_bpf__destroy(skel);
	return err;
}

static int bpf_probe(void)
{
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		vg_log(VG_LOG_INFO, "bpf: the kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return -ENOSYS;
	}
	/* A ring buffer map is cheap to make and needs what the program needs
	 * (CAP_BPF, 5.8+); loading the program itself is start()'s, once. */
	libbpf_set_print(bpf_print);
	err = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (err <= 0) {
		err = err ? err : -EOPNOTSUPP;
		vg_log(VG_LOG_INFO, "bpf: no BPF ring buffer here: %s", strerror(-err));
		return err == -EPERM || err == -EACCES ? -EPERM : -ENOSYS;
	}
	return 0;
}

static int bpf_start(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state)
{
	const struct vg_process_options *opt = ws ? ws->process : NULL;
	struct bpf_pub *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	libbpf_set_print(bpf_print);
	b->sink = sink;
	b->env_max = opt ? opt->env_max : 0;
	err = bpf_load(opt, &b->skel);
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

/* The ring buffer map's own fd, not libbpf's epoll fd: poll() on it looks
 * at the data pending, so it is readable even for records that were sent
 * without a wakeup (an epoll fd only learns of data through wakeups). */
static int bpf_fd(void *state)
{
	return bpf_map__fd(((struct bpf_pub *)state)->skel->maps.events);
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
