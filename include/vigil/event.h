// SPDX-License-Identifier: Apache-2.0
/*
 * event.h - normalized events, as publishers hand them to subscribers.
 *
 * Every pointer in an event is callback-scoped: it dies when the sink
 * callback returns, so a subscriber copies what it keeps.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* File actions, with osquery's names (vg_file_action_name()). */
enum vg_file_action {
	VG_FILE_CREATED = 1,
	VG_FILE_UPDATED,
	VG_FILE_DELETED,
	VG_FILE_MOVED_FROM,
	VG_FILE_MOVED_TO,
	VG_FILE_ATTRIBUTES_MODIFIED,
	VG_FILE_OPENED,
	VG_FILE_ACCESSED,
};

/* What an UPDATED event saw, for coalescing write bursts. */
#define VG_FILE_EV_WRITE (1u << 0) /* content written, the file may still be open */
#define VG_FILE_EV_CLOSE (1u << 1) /* closed after writing: the content is final */

struct vg_file_event {
	int64_t time_ns; /* when the publisher read it (CLOCK_REALTIME) */
	enum vg_file_action action;
	unsigned flags;	  /* VG_FILE_EV_* (UPDATED) */
	uint32_t cookie;  /* pairs MOVED_FROM with MOVED_TO (0: none) */
	const char *path; /* absolute path of the file (any bytes but NUL) */
	size_t path_len;
	const char *old_path; /* MOVED_TO: the path it came from, when known; else NULL */
	size_t old_path_len;
	int32_t pid; /* the process that caused it, -1 when the kernel does not say */
	bool is_dir; /* the object is a directory */
};

/* osquery's action name ("CREATED", ...). */
const char *vg_file_action_name(enum vg_file_action a);

/* A program started (exec), as the kernel saw it. Pointers are callback-scoped. */
struct vg_process_event {
	int64_t time_ns; /* CLOCK_REALTIME of the exec */
	int32_t pid, tid, ppid;
	int64_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	int64_t auid; /* login uid, -1 when unset */
	/* The executable, absolute and resolved as /proc/<pid>/exe shows it (as
	 * osquery's audit `exe`); the name exec was given when that is unknown. */
	const char *path;
	size_t path_len;
	const char *args; /* argv, NUL-separated */
	size_t args_len;
	uint32_t argc;	  /* arguments the kernel counted */
	bool args_cut;	  /* argv was longer than what was kept */
	const char *comm; /* the task's name (NUL-terminated) */
	uint64_t cgroup_id;
	const char *cwd; /* the working directory at exec, NULL when not known */
	size_t cwd_len;
	const char *env; /* environment, NUL-separated "K=V"; NULL when not captured */
	size_t env_len;
	uint32_t env_count;	 /* variables in env (after a cut: those kept) */
	bool env_cut;		 /* the environment was longer than what was kept */
	const char *parent_path; /* the parent's executable, NULL: subscriber looks it up */
	size_t parent_path_len;
	/* "execve", "execveat", "fork" (a new process: no path or args; parent
	 * is ppid), or "exit" (no path or args). */
	const char *syscall;
	int64_t exit_code;   /* exit: the status (or 128 + signal), else -1 */
	int64_t duration_ns; /* exit: how long the process lived, else -1 */
};

/* Receives events from a publisher, on the publisher's thread. */
struct vg_sink {
	void (*file_event)(void *ctx, const struct vg_file_event *ev);
	void (*process_event)(void *ctx, const struct vg_process_event *ev);
	/* The kernel dropped events (queue overflow): what changed meanwhile is unknown. */
	void (*overflow)(void *ctx, const char *publisher);
	void *ctx;
};

#endif
