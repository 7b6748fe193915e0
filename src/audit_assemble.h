// SPDX-License-Identifier: Apache-2.0
/*
 * audit_assemble.h - turns the text records of the Linux audit stream into
 * process events (one per successful exec, and one per fork when asked).
 *
 * The kernel writes one syscall event as several records that share an
 * "audit(SECONDS.MILLIS:SERIAL):" header: SYSCALL, then EXECVE (argv, over
 * several records when long), CWD, one PATH per file looked up (item 0 is
 * the executable), PROCTITLE, and EOE, which ends it. Records of different
 * events may interleave. The assembler keys pending events by serial and
 * hands each finished one to a callback.
 *
 * Pure: no I/O, no clock (the caller passes a monotonic time), no globals;
 * the audit publisher, its unit test and its fuzz target feed it the same
 * way. One assembler belongs to one thread.
 */
#ifndef VIGIL_AUDIT_ASSEMBLE_H
#define VIGIL_AUDIT_ASSEMBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/event.h"

struct vg_audit_asm;

#define VG_AUDIT_ASM_PENDING	256	   /* default max_pending */
#define VG_AUDIT_ASM_TIMEOUT_NS 1000000000 /* default timeout_ns */

struct vg_audit_asm_options {
	uint32_t args_max;    /* bytes of argv (NUL-separated) kept per exec */
	bool forks;	      /* fork, vfork and clone become "fork" events */
	uint32_t max_pending; /* events assembled at once; 0: VG_AUDIT_ASM_PENDING */
	int64_t timeout_ns;   /* an event without its EOE is flushed this late; 0: default */
};

/* An assembled event. Every pointer (in ev too) is callback-scoped. */
struct vg_audit_event {
	struct vg_process_event ev;
	uint64_t serial;	      /* the audit serial number */
	int64_t mode;		      /* PATH item 0: the executable's st_mode; -1: unknown */
	int64_t owner_uid, owner_gid; /* PATH item 0: its owner; -1: unknown */
	bool is_complete;	      /* ended by its EOE, not by a timeout or the limit */
};

typedef void vg_audit_emit_fn(void *ctx, const struct vg_audit_event *ae);

struct vg_audit_asm_stats {
	uint64_t records;    /* records fed */
	uint64_t emitted;    /* events handed to the callback */
	uint64_t failed;     /* execs (or forks) that failed: no event, as osquery */
	uint64_t incomplete; /* events flushed before their EOE (timeout, limit) */
	uint64_t discarded;  /* exec or fork events that lacked a record they need */
	uint64_t malformed;  /* records without a readable "audit(...):" header */
};

/*
 * Makes an assembler with options @o (copied) that calls @fn(@ctx, event)
 * for each event. Returns 0 and *@out, or -ENOMEM / -EINVAL.
 */
int vg_audit_asm_new(const struct vg_audit_asm_options *o, vg_audit_emit_fn *fn, void *ctx,
		     struct vg_audit_asm **out);

/* Frees @a; pending events are dropped, not emitted. NULL-safe. */
void vg_audit_asm_free(struct vg_audit_asm *a);

/*
 * Feeds one record: @type is its netlink message type (AUDIT_SYSCALL, ...),
 * @text its payload ("audit(...): name=value ..."), @len bytes that need not
 * be NUL-terminated. @now_ns is a monotonic time, for the timeout. Records
 * of other types are ignored. May call the callback (an EOE, or the pending
 * limit reached).
 */
void vg_audit_asm_feed(struct vg_audit_asm *a, int type, const char *text, size_t len,
		       int64_t now_ns);

/* Ends pending events older than the timeout at @now_ns, or all when @all. */
void vg_audit_asm_flush(struct vg_audit_asm *a, int64_t now_ns, bool all);

void vg_audit_asm_stats(const struct vg_audit_asm *a, struct vg_audit_asm_stats *st);

#endif
