// SPDX-License-Identifier: GPL-2.0
/*
 * process.bpf.c - exec, exit and fork events for vigil's process_events.
 *
 * On sched_process_exec (a BTF raw tracepoint, so only successful execs)
 * one variable-length exec2 record is built in a per-CPU scratch value and
 * sent with bpf_ringbuf_output(): credentials, parent, cgroup, loginuid,
 * argv from the new mm (arg_start..arg_end, cut at args_max), the
 * environment (env_start..env_end, cut at env_max; none when env_max is 0),
 * and three paths built here from dentries, so that user space never reads
 * /proc for them (a short-lived process or parent is gone by then, and a
 * shell's later cd would give a wrong answer):
 *   - path: the executable (bprm->file), what /proc/<pid>/exe shows;
 *   - cwd: the task's fs->pwd at exec;
 *   - parent_path: real_parent->mm->exe_file.
 * A process's exit sends a small fixed record; with the fork program loaded
 * (user space sets its autoload only when fork rows are asked for), each
 * new process (not a thread) sends a fork record with its exe path.
 *
 * HOW PATHS ARE BUILT: from the dentry up, each name is written backwards
 * into a scratch buffer, crossing to the parent mount (struct mount, found
 * with container_of from the vfsmount) at a mount's root, until the root
 * mount of the mount namespace (mnt_parent == itself). The walk is a
 * bpf_loop() of at most VG_WALK_STEPS steps (names and mount crossings);
 * a deeper path, or one longer than VG_REC_FULLPATH_MAX - 1, is not sent
 * (a cut flag is set and user space shows NULL: a suffix would look like a
 * right answer). The path is the one d_absolute_path() would give: chroot
 * is not applied, a process in another mount namespace gets its own view,
 * a deleted directory keeps its last name (no " (deleted)"), and names are
 * read without the rename lock (a rename racing the exec can tear one).
 *
 * WAKEUPS: a record is sent without waking the reader (BPF_RB_NO_WAKEUP)
 * unless wakeup_bytes are pending; a BPF timer armed by the first such
 * record fires after wakeup_delay_ns and sends a tick record with a forced
 * wakeup if anything is still unread. An exec storm thus wakes the reader
 * about 1/wakeup_delay_ns times a second instead of once per exec, and no
 * record waits longer than wakeup_delay_ns. The armed flag is changed under
 * a bpf_spin_lock, after the record is committed, so a record is never left
 * without a timer (see arm_tick() and tick_fire()).
 *
 * A failed reservation or output bumps a per-CPU drop counter that user
 * space reads into its stats: no silent loss.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "vg_records.h"

char LICENSE[] SEC("license") = "GPL";

#define VG_WALK_STEPS 64u   /* names and mount crossings walked per path */
#define VG_NAME_MAX   255u  /* longest dentry name (NAME_MAX) */
#define VG_WALK_BUF   4096u /* = VG_REC_FULLPATH_MAX: the walk's buffer, a power of two */

/* Not in vmlinux.h (uapi macros). */
#define VG_CLOCK_MONOTONIC 1
#define VG_EBUSY	   16

/* Load-time knobs (set by user space before load). */
const volatile __u32 args_max = VG_REC_ARGS_MAX - 1;	 /* bytes of argv kept */
const volatile __u32 env_max = 0;			 /* bytes of the environment kept */
const volatile __u64 wakeup_delay_ns = 10 * 1000 * 1000; /* 0: wake for every record */
const volatile __u64 wakeup_bytes = 512 * 1024;		 /* pending bytes that wake at once */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * Per-CPU scratch, indexed by CPU number (user space sizes the map to the
 * possible CPUs; a per-CPU array value cannot exceed 32 KiB). The programs
 * run with preemption off and do not nest, so a CPU's value is theirs for
 * the run. slack only makes the masked offsets provably in bounds for the
 * verifier; the logic never writes there.
 */
struct scratch {
	union {
		struct vg_rec_exec2 exec;
		struct vg_rec_fork fork;
	};
	char slack[VG_REC_ARGS_MAX];
	char walk[VG_WALK_BUF + VG_NAME_MAX + 1]; /* a path being built backwards */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs before load */
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* The wakeup timer and its state (see WAKEUPS above). */
struct tick {
	struct bpf_timer timer;
	struct bpf_spin_lock lock;
	__u32 armed;  /* a timer is pending or about to be; under lock */
	__u32 inited; /* bpf_timer_init() done */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tick);
} ticks SEC(".maps");

static void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);

	if (n)
		(*n)++;
}

/* Runs wakeup_delay_ns after it was armed: wakes the reader if records
 * wait. Armed is cleared before the ring is looked at, so a record
 * committed after that look finds the flag clear and arms a new timer. */
static int tick_fire(void *map, __u32 *key, struct tick *t)
{
	struct vg_rec_hdr *r;
	bool rearm = false;

	bpf_spin_lock(&t->lock);
	t->armed = 0;
	bpf_spin_unlock(&t->lock);
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) == 0)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (r) {
		r->kind = VG_REC_TICK;
		r->size = sizeof(*r);
		r->time_ns = bpf_ktime_get_boot_ns();
		bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
		return 0;
	}
	/* The ring is full: the reader was woken when it passed wakeup_bytes;
	 * look again later rather than leave records unannounced. */
	bpf_spin_lock(&t->lock);
	if (!t->armed) {
		t->armed = 1;
		rearm = true;
	}
	bpf_spin_unlock(&t->lock);
	if (rearm)
		bpf_timer_start(&t->timer, wakeup_delay_ns, 0);
	return 0;
}

/* Called after a record went out without a wakeup: makes sure a timer will
 * announce it. Returns false if no timer can, and the caller must wake. */
static bool arm_tick(void)
{
	__u32 zero = 0;
	struct tick *t = bpf_map_lookup_elem(&ticks, &zero);
	bool start = false;

	if (!t)
		return false;
	bpf_spin_lock(&t->lock);
	if (!t->armed) {
		t->armed = 1;
		start = true;
	}
	bpf_spin_unlock(&t->lock);
	if (!start)
		return true;
	if (!t->inited) {
		long err = bpf_timer_init(&t->timer, &ticks, VG_CLOCK_MONOTONIC);

		if (err && err != -VG_EBUSY)
			goto fail;
		if (bpf_timer_set_callback(&t->timer, tick_fire))
			goto fail;
		t->inited = 1;
	}
	if (bpf_timer_start(&t->timer, wakeup_delay_ns, 0) == 0)
		return true;
fail:
	bpf_spin_lock(&t->lock);
	t->armed = 0;
	bpf_spin_unlock(&t->lock);
	return false;
}

/* Ring buffer flags for the next record: wake now only when much is pending. */
static __u64 send_flags(void)
{
	if (!wakeup_delay_ns)
		return 0; /* the ring buffer's own rule: wake when the reader caught up */
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* After a record was sent with @flags. */
static void sent(__u64 flags)
{
	struct vg_rec_hdr *r;

	if (flags != BPF_RB_NO_WAKEUP || arm_tick())
		return;
	/* No timer: announce it now with a tick. */
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return;
	r->kind = VG_REC_TICK;
	r->size = sizeof(*r);
	r->time_ns = bpf_ktime_get_boot_ns();
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
}

/*
 * Sends the record @r built in scratch memory: its first @used bytes (at
 * most @max, the kind's largest), counting a drop when the ring is full.
 */
static __always_inline void output(void *r, __u64 used, __u64 max)
{
	__u64 flags;

	if (used > max)
		used = max;
	((struct vg_rec_hdr *)r)->size = (__u32)used;
	flags = send_flags();
	if (bpf_ringbuf_output(&events, r, used, flags)) {
		count_drop();
		return;
	}
	sent(flags);
}

static struct scratch *scratch_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* One path walk: the state bpf_loop() hands to walk_step(). */
struct walk {
	char *buf;		 /* struct scratch.walk */
	struct dentry *dentry;	 /* next name to add */
	struct mount *mnt;	 /* the mount dentry is in */
	struct dentry *mnt_root; /* mnt's root dentry */
	__u32 off;		 /* the path built so far starts at buf[off] */
	__u32 done;		 /* reached the namespace root: the path is whole */
};

/* One step up: a name, or a crossing from a mount's root to its mountpoint.
 * Three or four reads of kernel memory per name. */
static long walk_step(__u64 i, void *ctx)
{
	struct walk *w = ctx;
	struct dentry *d = w->dentry, *parent;
	struct mount *m = w->mnt, *up;
	struct qstr name;
	__u32 len, off;

	if (d == w->mnt_root) {
		up = BPF_CORE_READ(m, mnt_parent);
		if (!up || up == m) {
			w->done = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = up;
		w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) { /* a filesystem root that is no mount's root */
		w->done = 1;
		return 1;
	}
	if (BPF_CORE_READ_INTO(&name, d, d_name))
		return 1;
	len = name.len;
	off = w->off;
	if (len == 0 || len > VG_NAME_MAX || len + 1 > off)
		return 1; /* too long: done stays 0 */
	off -= len;
	/* The masks only show the verifier what the check above ensures. */
	bpf_probe_read_kernel(w->buf + (off & (VG_WALK_BUF - 1)), len & VG_NAME_MAX, name.name);
	off--;
	w->buf[off & (VG_WALK_BUF - 1)] = '/';
	w->off = off;
	w->dentry = parent;
	return 0;
}

/*
 * Appends the absolute path of @p (a struct path) at data + *@pos with a NUL
 * and describes it in @out. Returns false (and adds nothing) when @p is
 * NULL or the walk was cut.
 */
static __always_inline bool put_path(struct scratch *s, char *data, __u32 *pos,
				     struct vg_rec_str *out, const struct path *p)
{
	struct walk w = { .buf = s->walk, .off = VG_WALK_BUF - 1 };
	struct vfsmount *vm;
	__u32 len;

	out->off = 0;
	out->len = 0;
	if (!p)
		return false;
	w.dentry = BPF_CORE_READ(p, dentry);
	vm = BPF_CORE_READ(p, mnt);
	if (!w.dentry || !vm)
		return false;
	w.mnt = (struct mount *)((char *)vm - bpf_core_field_offset(struct mount, mnt));
	w.mnt_root = BPF_CORE_READ(vm, mnt_root);
	s->walk[VG_WALK_BUF - 1] = '\0';
	bpf_loop(VG_WALK_STEPS, walk_step, &w, 0);
	if (!w.done)
		return false;
	if (w.off == VG_WALK_BUF - 1) { /* the root itself */
		w.off--;
		s->walk[VG_WALK_BUF - 2] = '/';
	}
	len = VG_WALK_BUF - 1 - w.off;
	if (len > VG_WALK_BUF - 1)
		return false;
	bpf_probe_read_kernel(data + (*pos & (VG_REC_DATA_MAX - 1)),
			      (len + 1) & (2 * VG_WALK_BUF - 1),
			      s->walk + (w.off & (VG_WALK_BUF - 1)));
	out->off = *pos;
	out->len = len;
	*pos += len + 1;
	return true;
}

/*
 * Appends up to @cap bytes of user memory [@start, @end) at data + *@pos
 * (no NUL added). Returns true if the range was longer than what was kept.
 * @mask is the field's power-of-two maximum less one; cap < mask + 1.
 */
static __always_inline bool put_user(char *data, __u32 *pos, struct vg_rec_str *out,
				     unsigned long start, unsigned long end, __u32 cap, __u32 mask)
{
	__u32 len = end > start ? (__u32)(end - start) : 0;
	bool cut = len > cap;

	out->off = *pos;
	out->len = 0;
	if (cut)
		len = cap;
	barrier_var(len); /* keep the compiler from dropping the mask as redundant */
	len &= mask;
	if (len && bpf_probe_read_user(data + (*pos & (VG_REC_DATA_MAX - 1)), len,
				       (const void *)start) == 0) {
		out->len = len;
		*pos += len;
	}
	return cut;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s = scratch_get();
	struct vg_rec_exec2 *r;
	struct task_struct *parent;
	struct file *exe;
	__u32 pos = 0, cap;
	char *data;

	if (!s)
		return 0;
	r = &s->exec;
	data = r->data;
	r->hdr.kind = VG_REC_EXEC2;
	r->hdr.time_ns = bpf_ktime_get_boot_ns();
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->pid = BPF_CORE_READ(p, tgid);
	r->tid = BPF_CORE_READ(p, pid);
	r->ppid = BPF_CORE_READ(p, real_parent, tgid);
	r->uid = BPF_CORE_READ(p, cred, uid.val);
	r->euid = BPF_CORE_READ(p, cred, euid.val);
	r->suid = BPF_CORE_READ(p, cred, suid.val);
	r->fsuid = BPF_CORE_READ(p, cred, fsuid.val);
	r->gid = BPF_CORE_READ(p, cred, gid.val);
	r->egid = BPF_CORE_READ(p, cred, egid.val);
	r->sgid = BPF_CORE_READ(p, cred, sgid.val);
	r->fsgid = BPF_CORE_READ(p, cred, fsgid.val);
	r->auid = BPF_CORE_READ(p, loginuid.val);
	r->argc = BPF_CORE_READ(bprm, argc);
	r->flags = 0;
	r->pad = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));

	/* Paths first: each takes at most VG_REC_FULLPATH_MAX bytes, so with
	 * argv and env after them pos stays below VG_REC_DATA_MAX. */
	exe = BPF_CORE_READ(bprm, file);
	if (!exe || !put_path(s, data, &pos, &r->path, &exe->f_path)) {
		const char *given = BPF_CORE_READ(bprm, filename);
		long n = bpf_probe_read_kernel_str(data + (pos & (VG_REC_DATA_MAX - 1)),
						   VG_REC_FULLPATH_MAX, given);

		r->flags |= VG_REC_F_PATH_GIVEN;
		r->path.off = pos;
		r->path.len = 0;
		if (n > 0 && n <= VG_REC_FULLPATH_MAX) {
			r->path.len = n - 1;
			pos += n;
		} else { /* an empty path, still with its NUL */
			data[pos & (VG_REC_DATA_MAX - 1)] = '\0';
			pos++;
		}
	}
	if (!put_path(s, data, &pos, &r->cwd, &BPF_CORE_READ(p, fs)->pwd))
		r->flags |= VG_REC_F_CWD_CUT;
	parent = BPF_CORE_READ(p, real_parent);
	exe = BPF_CORE_READ(parent, mm, exe_file);
	if (!exe || !put_path(s, data, &pos, &r->parent_path, &exe->f_path))
		r->flags |= VG_REC_F_PPATH_CUT;

	cap = args_max < VG_REC_ARGS_MAX - 1 ? args_max : VG_REC_ARGS_MAX - 1;
	if (put_user(data, &pos, &r->args, BPF_CORE_READ(p, mm, arg_start),
		     BPF_CORE_READ(p, mm, arg_end), cap, VG_REC_ARGS_MAX - 1))
		r->flags |= VG_REC_F_ARGS_CUT;
	r->env.off = pos;
	r->env.len = 0;
	if (env_max) {
		cap = env_max < VG_REC_ENV_MAX - 1 ? env_max : VG_REC_ENV_MAX - 1;
		if (put_user(data, &pos, &r->env, BPF_CORE_READ(p, mm, env_start),
			     BPF_CORE_READ(p, mm, env_end), cap, VG_REC_ENV_MAX - 1))
			r->flags |= VG_REC_F_ENV_CUT;
	}

	output(r, __builtin_offsetof(struct vg_rec_exec2, data) + pos, sizeof(*r));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_exit, struct task_struct *p)
{
	struct vg_rec_exit *r;
	__u64 flags;

	/* One record per process: when its thread group leader goes. */
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop();
		return 0;
	}
	r->hdr.kind = VG_REC_EXIT;
	r->hdr.size = sizeof(*r);
	r->hdr.time_ns = bpf_ktime_get_boot_ns();
	r->start_ns = BPF_CORE_READ(p, start_boottime);
	r->pid = BPF_CORE_READ(p, tgid);
	r->tid = BPF_CORE_READ(p, pid);
	r->ppid = BPF_CORE_READ(p, real_parent, tgid);
	r->exit_code = (__u32)BPF_CORE_READ(p, exit_code);
	r->uid = BPF_CORE_READ(p, cred, uid.val);
	r->pad = 0;
	BPF_CORE_READ_STR_INTO(&r->comm, p, comm);
	flags = send_flags();
	bpf_ringbuf_submit(r, flags);
	sent(flags);
	return 0;
}

/* Loaded only when fork rows are asked for (user space clears autoload). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_fork, struct task_struct *parent, struct task_struct *child)
{
	struct scratch *s;
	struct vg_rec_fork *r;
	struct file *exe;
	__u32 pos = 0;

	/* A new thread of an existing process is not a new process. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	s = scratch_get();
	if (!s)
		return 0;
	r = &s->fork;
	r->hdr.kind = VG_REC_FORK;
	r->hdr.time_ns = bpf_ktime_get_boot_ns();
	r->start_ns = BPF_CORE_READ(child, start_boottime);
	r->pid = BPF_CORE_READ(child, tgid);
	r->ppid = BPF_CORE_READ(child, real_parent, tgid);
	r->uid = BPF_CORE_READ(child, cred, uid.val);
	r->euid = BPF_CORE_READ(child, cred, euid.val);
	r->gid = BPF_CORE_READ(child, cred, gid.val);
	r->egid = BPF_CORE_READ(child, cred, egid.val);
	r->auid = BPF_CORE_READ(child, loginuid.val);
	r->flags = 0;
	r->pad = 0;
	BPF_CORE_READ_STR_INTO(&r->comm, child, comm);
	/* The child shares or copied its parent's mm: the same exe_file. */
	exe = BPF_CORE_READ(child, mm, exe_file);
	if (!exe || !put_path(s, r->data, &pos, &r->path, &exe->f_path))
		r->flags |= VG_REC_F_PPATH_CUT;
	output(r, __builtin_offsetof(struct vg_rec_fork, data) + pos, sizeof(*r));
	return 0;
}
