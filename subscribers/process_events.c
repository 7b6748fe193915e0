// SPDX-License-Identifier: Apache-2.0
/*
 * process_events.c - the `process_events` event table: every exec, with
 * osquery's columns (Linux set) plus vigil's parent_path, cgroup_path,
 * tid, comm and time_ns, and the row builder for exec events.
 *
 * A row is made from what the kernel gave (path, argv, credentials,
 * parent, and from the eBPF publisher cwd, parent_path and env too), the
 * cgroup path of the exec's cgroup id (resolved by file handle on the
 * cgroup2 mount and cached, so neither a /proc read per exec nor a race
 * with a process that already exited), and the executable's mode, owner
 * and times from stat. Only when the publisher gives no parent_path or no
 * cgroup id does /proc fill them in, while the process still lives. cmdline
 * is argv joined with spaces, as osquery shows it; argv cut by the kernel
 * side is marked in `overflows` ("cmdline").
 *
 * When a process exits, a row with syscall 'exit' carries its exit_code and
 * duration (join on pid for the exec). A fork row (syscall 'fork') names
 * the new pid and its parent. cwd, env and parent_path come from the
 * publisher when it has them; env is "K=V" pairs joined with spaces, as
 * osquery shows it, and a cut environment is marked in `overflows` ("env").
 *
 * LIMITS: the cgroup cache holds 256 paths of up to 240 bytes (longer ones
 * are resolved each time); a cgroup renamed after it was cached shows its
 * old name until its slot is reused.
 */
#include "vigil/subscriber.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vigil/store.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

static const struct vg_column columns[] = {
	{ "pid", VG_TYPE_BIGINT, 0, "Process (or thread) ID" },
	{ "path", VG_TYPE_TEXT, 0, "Path of executed file" },
	{ "mode", VG_TYPE_TEXT, 0, "File mode permissions" },
	{ "cmdline", VG_TYPE_TEXT, 0, "Command line arguments (argv)" },
	{ "cmdline_size", VG_TYPE_BIGINT, VG_COL_HIDDEN, "Actual size (bytes) of command line" },
	{ "env", VG_TYPE_TEXT, VG_COL_HIDDEN, "Environment variables delimited by spaces" },
	{ "env_count", VG_TYPE_BIGINT, VG_COL_HIDDEN, "Number of environment variables" },
	{ "env_size", VG_TYPE_BIGINT, VG_COL_HIDDEN, "Actual size (bytes) of environment list" },
	{ "cwd", VG_TYPE_TEXT, 0, "The process current working directory" },
	{ "auid", VG_TYPE_BIGINT, 0, "Audit User ID at process start" },
	{ "uid", VG_TYPE_BIGINT, 0, "User ID at process start" },
	{ "euid", VG_TYPE_BIGINT, 0, "Effective user ID at process start" },
	{ "gid", VG_TYPE_BIGINT, 0, "Group ID at process start" },
	{ "egid", VG_TYPE_BIGINT, 0, "Effective group ID at process start" },
	{ "owner_uid", VG_TYPE_BIGINT, 0, "File owner user ID" },
	{ "owner_gid", VG_TYPE_BIGINT, 0, "File owner group ID" },
	{ "atime", VG_TYPE_BIGINT, 0, "File last access in UNIX time" },
	{ "mtime", VG_TYPE_BIGINT, 0, "File modification in UNIX time" },
	{ "ctime", VG_TYPE_BIGINT, 0, "File last metadata change in UNIX time" },
	{ "btime", VG_TYPE_BIGINT, 0, "File creation in UNIX time" },
	{ "overflows", VG_TYPE_TEXT, VG_COL_HIDDEN, "List of structures that overflowed" },
	{ "parent", VG_TYPE_BIGINT, 0, "Process parent's PID, or -1 if cannot be determined" },
	{ "time", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Time of execution in UNIX time" },
	{ "uptime", VG_TYPE_BIGINT, 0, "Time of execution in system uptime" },
	{ "eid", VG_TYPE_TEXT, VG_COL_HIDDEN, "Event ID" },
	{ "fsuid", VG_TYPE_BIGINT, 0, "Filesystem user ID at process start" },
	{ "suid", VG_TYPE_BIGINT, 0, "Saved user ID at process start" },
	{ "fsgid", VG_TYPE_BIGINT, 0, "Filesystem group ID at process start" },
	{ "sgid", VG_TYPE_BIGINT, 0, "Saved group ID at process start" },
	{ "syscall", VG_TYPE_TEXT, 0, "Syscall name: execve, execveat" },
	{ "parent_path", VG_TYPE_TEXT, 0, "Executable of the parent process" },
	{ "cgroup_path", VG_TYPE_TEXT, 0, "The process's cgroup (v2)" },
	{ "tid", VG_TYPE_BIGINT, 0, "Thread ID that called exec" },
	{ "comm", VG_TYPE_TEXT, 0, "Task name after exec" },
	{ "exit_code", VG_TYPE_BIGINT, 0,
	  "Exit rows (syscall 'exit'): the status, or 128 + the signal that ended it" },
	{ "duration", VG_TYPE_BIGINT, 0, "Exit rows: how long the process lived, in nanoseconds" },
	{ "time_ns", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Time of execution in nanoseconds" },
};

const struct vg_table vg_table_process_events = {
	.name = "process_events",
	.description = "Track time/action process executions",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_EVENT,
};

/* Payload columns (all but time, eid and time_ns), in order. */
enum {
	P_PID,
	P_PATH,
	P_MODE,
	P_CMDLINE,
	P_CMDLINE_SIZE,
	P_ENV,
	P_ENV_COUNT,
	P_ENV_SIZE,
	P_CWD,
	P_AUID,
	P_UID,
	P_EUID,
	P_GID,
	P_EGID,
	P_OWNER_UID,
	P_OWNER_GID,
	P_ATIME,
	P_MTIME,
	P_CTIME,
	P_BTIME,
	P_OVERFLOWS,
	P_PARENT,
	P_UPTIME,
	P_FSUID,
	P_SUID,
	P_FSGID,
	P_SGID,
	P_SYSCALL,
	P_PARENT_PATH,
	P_CGROUP_PATH,
	P_TID,
	P_COMM,
	P_EXIT_CODE,
	P_DURATION,
	P__COUNT,
};

static struct vg_value v_int(int64_t x)
{
	return (struct vg_value){ .type = VG_VAL_INT, .v.i = x };
}

static struct vg_value v_text(const char *s, size_t len)
{
	return (struct vg_value){ .type = VG_VAL_TEXT, .len = (uint32_t)len, .v.s = s };
}

/* readlink of /proc/<pid>/<what> into @out; false when the process is gone. */
static bool proc_link(int32_t pid, const char *what, struct vg_strbuf *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	return vg_readlink(path, out) == 0;
}

/* The cgroup v2 path of @pid ("0::/path"), into @out. */
static bool proc_cgroup(int32_t pid, struct vg_strbuf *out)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char path[64];
	const char *p;
	bool ok = false;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (vg_read_file(path, 65536, false, &sb) == 0 && (p = strstr(sb.buf, "0::"))) {
		size_t len = strcspn(p + 3, "\n");

		vg_strbuf_add(out, p + 3, len);
		ok = true;
	}
	vg_strbuf_release(&sb);
	return ok;
}

/*
 * cgroup id -> path, so that an exec costs no /proc read for its cgroup.
 * A cgroup v2 id is the kernfs id of its directory, which is also its file
 * handle (FILEID_KERNFS): open_by_handle_at() on the cgroup2 mount opens
 * it, even after the process is gone, and /proc/self/fd names it. Ids are
 * not reused while the system runs, so an entry only goes stale if the
 * cgroup is renamed (rare; it shows the old name until evicted). The cache
 * is direct-mapped and bounded; a miss that cannot be resolved this way
 * (no cgroup2 mount, no CAP_DAC_READ_SEARCH) falls back to
 * /proc/<pid>/cgroup and is not cached. Guarded by cg_lock.
 */
#define CG_SLOTS      256u
#define CG_PATH_MAX   240u
#define FILEID_KERNFS 0xfe

struct cg_slot {
	uint64_t id; /* 0: empty */
	uint16_t len;
	char path[CG_PATH_MAX];
};

static pthread_mutex_t cg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cg_slot cg_cache[CG_SLOTS];
static int cg_root_fd = -2;	/* the cgroup2 mount; -1: none, -2: not looked up */
static char cg_mount[PATH_MAX]; /* where it is mounted */
static size_t cg_mount_len;

/* Opens the cgroup2 mount named in /proc/self/mountinfo (once). */
static void cg_open_root(void)
{
	struct vg_strbuf mi = VG_STRBUF_INIT;
	char *line, *next;

	cg_root_fd = -1;
	if (vg_read_file("/proc/self/mountinfo", 1 << 20, false, &mi))
		goto out;
	for (line = mi.buf; line; line = next) {
		char *nl = strchr(line, '\n'), mnt[PATH_MAX], type[32];
		const char *dash;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		/* id parent major:minor root mountpoint options... - type source */
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash, " - %31s", type) != 1 || strcmp(type, "cgroup2") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || strchr(mnt, '\\'))
			continue;
		cg_root_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg_root_fd >= 0) {
			cg_mount_len = strlen(mnt);
			memcpy(cg_mount, mnt, cg_mount_len + 1);
			if (cg_mount_len == 1) /* mounted on / itself */
				cg_mount_len = 0;
		}
		break;
	}
out:
	vg_strbuf_release(&mi);
}

/* The path of cgroup @id below the cgroup2 mount, by its handle. */
static bool cg_resolve(uint64_t id, struct vg_strbuf *out)
{
	_Alignas(struct file_handle) char buf[sizeof(struct file_handle) + sizeof(id)];
	struct file_handle *fh = (struct file_handle *)buf;
	struct vg_strbuf link = VG_STRBUF_INIT;
	char fd_path[64];
	bool ok = false;
	int fd;

	if (cg_root_fd == -2)
		cg_open_root();
	if (cg_root_fd < 0)
		return false;
	fh->handle_bytes = sizeof(id);
	fh->handle_type = FILEID_KERNFS;
	memcpy(fh->f_handle, &id, sizeof(id));
	fd = open_by_handle_at(cg_root_fd, fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
	if (vg_readlink(fd_path, &link) == 0 && link.len >= cg_mount_len &&
	    !memcmp(link.buf, cg_mount, cg_mount_len) &&
	    (link.len == cg_mount_len || link.buf[cg_mount_len] == '/')) {
		if (link.len == cg_mount_len)
			vg_strbuf_addch(out, '/');
		else
			vg_strbuf_add(out, link.buf + cg_mount_len, link.len - cg_mount_len);
		ok = true;
	}
	vg_strbuf_release(&link);
	close(fd);
	return ok;
}

/* The cgroup path of an exec (its cgroup @id, else /proc/<pid>/cgroup), into @out. */
static bool cgroup_path(uint64_t id, int32_t pid, struct vg_strbuf *out)
{
	struct cg_slot *slot = &cg_cache[(id ^ (id >> 17)) % CG_SLOTS];
	bool ok = false;

	if (id) {
		pthread_mutex_lock(&cg_lock);
		if (slot->id == id) {
			vg_strbuf_add(out, slot->path, slot->len);
			ok = true;
		} else if (cg_resolve(id, out)) {
			ok = true;
			if (out->len <= CG_PATH_MAX) {
				slot->id = id;
				slot->len = (uint16_t)out->len;
				memcpy(slot->path, out->buf, out->len);
			}
		}
		pthread_mutex_unlock(&cg_lock);
	}
	return ok || proc_cgroup(pid, out);
}

/* An exit or fork row: who, and for an exit how it ended and how long it
 * lived (the process is gone); no path or argv. */
static int append_lifecycle(struct vg_store *store, const struct vg_process_event *ev)
{
	struct vg_value v[P__COUNT];
	struct timespec up;
	bool is_exit = !strcmp(ev->syscall, "exit");

	for (size_t i = 0; i < P__COUNT; i++)
		v[i] = (struct vg_value){ .type = VG_VAL_NULL };
	v[P_PID] = v_int(ev->pid);
	if (ev->path && ev->path_len)
		v[P_PATH] = v_text(ev->path, ev->path_len);
	if (ev->cwd)
		v[P_CWD] = v_text(ev->cwd, ev->cwd_len);
	v[P_UID] = v_int(ev->uid);
	if (!is_exit) {
		v[P_AUID] = v_int(ev->auid);
		v[P_EUID] = v_int(ev->euid);
		v[P_GID] = v_int(ev->gid);
		v[P_EGID] = v_int(ev->egid);
	}
	v[P_PARENT] = v_int(ev->ppid > 0 ? ev->ppid : -1);
	clock_gettime(CLOCK_BOOTTIME, &up);
	v[P_UPTIME] = v_int(up.tv_sec);
	v[P_SYSCALL] = v_text(ev->syscall, strlen(ev->syscall));
	if (ev->parent_path)
		v[P_PARENT_PATH] = v_text(ev->parent_path, ev->parent_path_len);
	v[P_TID] = v_int(ev->tid);
	v[P_COMM] = v_text(ev->comm, strlen(ev->comm));
	if (is_exit) {
		v[P_EXIT_CODE] = v_int(ev->exit_code);
		v[P_DURATION] = v_int(ev->duration_ns);
	}
	return vg_store_append(store, ev->time_ns, v, P__COUNT, NULL);
}

int vg_process_events_append(struct vg_store *store, const struct vg_process_event *ev)
{
	struct vg_strbuf cmd = VG_STRBUF_INIT, ppath = VG_STRBUF_INIT, cg = VG_STRBUF_INIT;
	struct vg_strbuf env = VG_STRBUF_INIT;
	struct vg_value v[P__COUNT];
	struct timespec up;
	struct stat st;
	char mode[8];
	int err;

	if (!strcmp(ev->syscall, "exit") || !strcmp(ev->syscall, "fork"))
		return append_lifecycle(store, ev);
	for (size_t i = 0; i < P__COUNT; i++)
		v[i] = (struct vg_value){ .type = VG_VAL_NULL };
	/* argv joined with spaces, as osquery's cmdline. */
	for (size_t i = 0; i < ev->args_len; i++)
		vg_strbuf_addch(&cmd, ev->args[i] ? ev->args[i] : ' ');
	v[P_PID] = v_int(ev->pid);
	v[P_PATH] = v_text(ev->path, ev->path_len);
	v[P_CMDLINE] = v_text(cmd.buf, cmd.len);
	v[P_CMDLINE_SIZE] = v_int((int64_t)ev->args_len);
	if (ev->env) {
		size_t n = ev->env_len;

		if (n && !ev->env[n - 1])
			n--; /* the last variable's NUL */
		for (size_t i = 0; i < n; i++)
			vg_strbuf_addch(&env, ev->env[i] ? ev->env[i] : ' ');
		v[P_ENV] = v_text(env.buf, env.len);
		v[P_ENV_COUNT] = v_int(ev->env_count);
		v[P_ENV_SIZE] = v_int((int64_t)ev->env_len);
	}
	/* Only the publisher's cwd: /proc/<pid>/cwd read now may already be a
	 * later cd (a shell's), and a wrong cwd is worse than none. */
	if (ev->cwd)
		v[P_CWD] = v_text(ev->cwd, ev->cwd_len);
	v[P_AUID] = v_int(ev->auid);
	v[P_UID] = v_int(ev->uid);
	v[P_EUID] = v_int(ev->euid);
	v[P_GID] = v_int(ev->gid);
	v[P_EGID] = v_int(ev->egid);
	if (stat(ev->path, &st) == 0) {
		vg_mode_octal(st.st_mode, mode);
		v[P_MODE] = v_text(mode, strlen(mode));
		v[P_OWNER_UID] = v_int(st.st_uid);
		v[P_OWNER_GID] = v_int(st.st_gid);
		v[P_ATIME] = v_int(st.st_atim.tv_sec);
		v[P_MTIME] = v_int(st.st_mtim.tv_sec);
		v[P_CTIME] = v_int(st.st_ctim.tv_sec);
		v[P_BTIME] = v_int(0);
	}
	if (ev->args_cut && ev->env_cut)
		v[P_OVERFLOWS] = v_text("cmdline,env", 11);
	else if (ev->args_cut)
		v[P_OVERFLOWS] = v_text("cmdline", 7);
	else
		v[P_OVERFLOWS] = ev->env_cut ? v_text("env", 3) : v_text("", 0);
	v[P_PARENT] = v_int(ev->ppid > 0 ? ev->ppid : -1);
	clock_gettime(CLOCK_BOOTTIME, &up);
	v[P_UPTIME] = v_int(up.tv_sec);
	v[P_FSUID] = v_int(ev->fsuid);
	v[P_SUID] = v_int(ev->suid);
	v[P_FSGID] = v_int(ev->fsgid);
	v[P_SGID] = v_int(ev->sgid);
	v[P_SYSCALL] = v_text(ev->syscall, strlen(ev->syscall));
	if (ev->parent_path)
		v[P_PARENT_PATH] = v_text(ev->parent_path, ev->parent_path_len);
	else if (ev->ppid > 0 && proc_link(ev->ppid, "exe", &ppath))
		v[P_PARENT_PATH] = v_text(ppath.buf, ppath.len);
	if (cgroup_path(ev->cgroup_id, ev->pid, &cg))
		v[P_CGROUP_PATH] = v_text(cg.buf, cg.len);
	v[P_TID] = v_int(ev->tid);
	v[P_COMM] = v_text(ev->comm, strlen(ev->comm));
	err = vg_store_append(store, ev->time_ns, v, P__COUNT, NULL);
	vg_strbuf_release(&cmd);
	vg_strbuf_release(&ppath);
	vg_strbuf_release(&cg);
	vg_strbuf_release(&env);
	return err;
}
