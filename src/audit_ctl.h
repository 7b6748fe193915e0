// SPDX-License-Identifier: Apache-2.0
/*
 * audit_ctl.h - the control side of Linux audit, over libaudit's netlink
 * socket: the status (who owns the audit socket, enabled, backlog, lost),
 * becoming and ceasing to be the audit daemon, and syscall rules that carry
 * a key, so vigil's own rules can be added, removed exactly, and found again
 * after a crash. Used by the audit publisher (publishers/audit.c).
 *
 * Every call takes a socket from vg_audit_ctl_open() and waits at most about
 * a second for the kernel's answer. A socket is used by one thread at a time.
 */
#ifndef VIGIL_AUDIT_CTL_H
#define VIGIL_AUDIT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audit_rule_data;

/* What AUDIT_GET reports (the fields vigil uses). */
struct vg_audit_status {
	uint32_t enabled; /* 0 off, 1 on, 2 locked (no changes until reboot) */
	uint32_t pid;	  /* the audit daemon, 0: none */
	uint32_t backlog_limit;
	uint32_t lost;	  /* records the kernel dropped since boot (or a reset) */
	uint32_t backlog; /* records queued now */
};

/* A NETLINK_AUDIT socket (CLOEXEC, blocking) into *@fd. Returns 0 or -errno. */
int vg_audit_ctl_open(int *fd);

int vg_audit_ctl_status(int fd, struct vg_audit_status *st);

/*
 * Makes the process the audit daemon: records are then sent to socket @fd.
 * -EEXIST: a live daemon has it. Pass @pid 0 to give it up (from any socket
 * of the process that holds it).
 */
int vg_audit_ctl_set_pid(int fd, uint32_t pid);
int vg_audit_ctl_set_enabled(int fd, uint32_t enabled);
int vg_audit_ctl_set_backlog_limit(int fd, uint32_t limit);

/*
 * A syscall exit rule (heap, free()) for the architecture @machine
 * (libaudit's MACH_*) on the syscalls named in @syscalls (NULL-terminated;
 * names the architecture lacks are left out) that succeeded, tagged with
 * @key. NULL when none of the names exists there (or -ENOMEM).
 */
struct audit_rule_data *vg_audit_rule_new(int machine, const char *const *syscalls,
					  const char *key);

int vg_audit_ctl_add_rule(int fd, struct audit_rule_data *r);
int vg_audit_ctl_del_rule(int fd, struct audit_rule_data *r);

/* Deletes every rule carrying key @key. Returns how many, or -errno. */
int vg_audit_ctl_purge_key(int fd, const char *key);

/* The machines to audit here: the native one, and i386 on x86_64. Returns how many (<= 2). */
size_t vg_audit_machines(int machines[2]);

#endif
