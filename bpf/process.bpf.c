// SPDX-License-Identifier: GPL-2.0
/*
 * process.bpf.c - exec events for vigil's process_events.
 *
 * On sched_process_exec (a BTF raw tracepoint, so only successful execs),
 * one fixed-size record goes to the ring buffer (and one small one when a
 * process exits, with its exit status and start time): the new image's path
 * (bprm->filename), argv read from the new mm (arg_start..arg_end, cut at
 * VG_REC_ARGS_MAX with args_cut set), credentials, parent, cgroup and
 * loginuid. A failed reservation bumps a per-CPU drop counter that user
 * space reads into its stats: no silent loss.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "vg_records.h"

char LICENSE[] SEC("license") = "GPL";

/* Load-time knob: bytes of argv to keep (at most VG_REC_ARGS_MAX). */
const volatile __u32 args_max = VG_REC_ARGS_MAX;

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

static void count_drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &zero);

	if (n)
		(*n)++;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct vg_rec_exec *r;
	unsigned long start, end;
	__u32 len, cap = args_max;
	const char *filename;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop();
		return 0;
	}
	r->hdr.kind = VG_REC_EXEC;
	r->hdr.size = sizeof(*r);
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
	r->pad = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	filename = BPF_CORE_READ(bprm, filename);
	if (bpf_probe_read_kernel_str(r->path, sizeof(r->path), filename) < 0)
		r->path[0] = '\0';
	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	len = end > start ? (__u32)(end - start) : 0;
	/* At most VG_REC_ARGS_MAX - 1 bytes, so the mask below keeps the
	 * verifier sure of the bound (it cannot follow the comparison). */
	if (cap > VG_REC_ARGS_MAX - 1)
		cap = VG_REC_ARGS_MAX - 1;
	r->args_cut = len > cap;
	if (len > cap)
		len = cap;
	barrier_var(len); /* keep the compiler from dropping the mask as redundant */
	len &= VG_REC_ARGS_MAX - 1;
	r->args_len = 0;
	if (len > 0 && bpf_probe_read_user(r->args, len, (const void *)start) == 0)
		r->args_len = len;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_exit, struct task_struct *p)
{
	struct vg_rec_exit *r;

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
	bpf_ringbuf_submit(r, 0);
	return 0;
}
