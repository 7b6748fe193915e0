// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * vg_records.h - the records the eBPF programs (bpf/) send to vigil
 * (publishers/bpf.c) through the BPF ring buffer. Plain data only: __u8..
 * __u64 and fixed char arrays, largest fields first, explicit padding. To
 * change a layout, add a new kind; never edit one in place.
 */
#ifndef VIGIL_BPF_RECORDS_H
#define VIGIL_BPF_RECORDS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VG_REC_EXEC 1u /* a successful execve/execveat: struct vg_rec_exec */
#define VG_REC_EXIT 2u /* a process (thread group leader) exited: struct vg_rec_exit */

#define VG_REC_ARGS_MAX 8192u /* argv kept: up to this less one byte (power of two) */
#define VG_REC_PATH_MAX 512u  /* bytes of the executed path kept */

struct vg_rec_hdr {
	__u32 kind;    /* VG_REC_* */
	__u32 size;    /* bytes of the whole record */
	__u64 time_ns; /* bpf_ktime_get_boot_ns() */
};

struct vg_rec_exec {
	struct vg_rec_hdr hdr;
	__u64 cgroup_id;
	__u32 pid, tid, ppid;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 auid;	/* loginuid, (__u32)-1 when unset */
	__u32 args_len; /* bytes of args used */
	__u32 args_cut; /* 1 when argv was longer than VG_REC_ARGS_MAX */
	__u32 argc;	/* arguments counted by the kernel */
	__u32 pad;
	char comm[16];
	char path[VG_REC_PATH_MAX];
	char args[VG_REC_ARGS_MAX];
};

struct vg_rec_exit {
	struct vg_rec_hdr hdr;
	__u64 start_ns; /* task start, on the boot clock like hdr.time_ns */
	__u32 pid, tid, ppid;
	__u32 exit_code; /* as wait(2) reports it: status << 8 | signal */
	__u32 uid;
	__u32 pad;
	char comm[16];
};

#endif
