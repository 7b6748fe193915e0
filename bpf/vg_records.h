// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * vg_records.h - the records the eBPF programs (bpf/) send to vigil
 * (publishers/bpf.c) through the BPF ring buffer. Plain data only: __u8..
 * __u64 and fixed char arrays, largest fields first, explicit padding. To
 * change a layout, add a new kind; never edit one in place.
 *
 * Fixed-size records (exit, tick) are reserved and submitted in place.
 * Variable-length ones (exec2, fork) are built in a per-CPU scratch value
 * and sent with bpf_ringbuf_output(): only hdr.size bytes travel, that is
 * the fixed part up to `data` plus the bytes of data in use. Each string in
 * data is described by a struct vg_rec_str; paths there end with a NUL that
 * len does not count, argv and the environment are raw NUL-separated bytes.
 */
#ifndef VIGIL_BPF_RECORDS_H
#define VIGIL_BPF_RECORDS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Kind 1 (a fixed-size exec record) is retired: never reuse it. */
#define VG_REC_EXIT  2u /* a process (thread group leader) exited: struct vg_rec_exit */
#define VG_REC_EXEC2 3u /* a successful execve/execveat: struct vg_rec_exec2 (variable) */
#define VG_REC_FORK  4u /* a new process (not a thread): struct vg_rec_fork (variable) */
#define VG_REC_TICK  5u /* no payload: wakes the reader for records sent without a wakeup */

#define VG_REC_ARGS_MAX	    8192u  /* argv kept: up to this less one byte (power of two) */
#define VG_REC_ENV_MAX	    8192u  /* environment kept: up to this less one byte (power of two) */
#define VG_REC_FULLPATH_MAX 4096u  /* a path built from the dentry walk, with its NUL */
#define VG_REC_DATA_MAX	    32768u /* data bytes of an exec2 (3 paths, argv, env fit) */

/* vg_rec_exec2.flags and vg_rec_fork.flags */
#define VG_REC_F_ARGS_CUT   (1u << 0) /* argv was longer than what was kept */
#define VG_REC_F_ENV_CUT    (1u << 1) /* the environment was longer than what was kept */
#define VG_REC_F_CWD_CUT    (1u << 2) /* cwd not known: too deep or long; cwd.len is 0 */
#define VG_REC_F_PATH_GIVEN (1u << 3) /* path is the name exec was given: the exe walk was cut */
#define VG_REC_F_PPATH_CUT  (1u << 4) /* parent_path not known (cut, or no mm); len is 0 */

struct vg_rec_hdr {
	__u32 kind;    /* VG_REC_* */
	__u32 size;    /* bytes of the whole record */
	__u64 time_ns; /* bpf_ktime_get_boot_ns() */
};

/* Bytes at data + off; len excludes the NUL that ends a path. */
struct vg_rec_str {
	__u16 off;
	__u16 len;
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

/*
 * An exec. path is the executable's absolute path (bprm->file, as
 * /proc/<pid>/exe shows it: symlinks resolved, the interpreter for a
 * script), or with VG_REC_F_PATH_GIVEN the name exec was given. cwd and
 * parent_path (the parent's exe) are absolute paths in the task's mount
 * namespace. hdr.size is offsetof(data) plus the data bytes in use.
 */
struct vg_rec_exec2 {
	struct vg_rec_hdr hdr;
	__u64 cgroup_id;
	__u32 pid, tid, ppid;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 auid;  /* loginuid, (__u32)-1 when unset */
	__u32 argc;  /* arguments counted by the kernel */
	__u32 flags; /* VG_REC_F_* */
	struct vg_rec_str path, cwd, parent_path, args, env;
	__u32 pad;
	char comm[16];
	char data[VG_REC_DATA_MAX];
};

/* A new process: pid is the child, ppid its parent; path is the executable it
 * runs (its parent's). hdr.size is offsetof(data) plus path.len + 1. */
struct vg_rec_fork {
	struct vg_rec_hdr hdr;
	__u64 start_ns; /* the child's start, on the boot clock */
	__u32 pid, ppid;
	__u32 uid, euid, gid, egid;
	__u32 auid;
	__u32 flags; /* VG_REC_F_PPATH_CUT: path not known */
	struct vg_rec_str path;
	__u32 pad;
	char comm[16];
	char data[VG_REC_FULLPATH_MAX];
};

#endif
