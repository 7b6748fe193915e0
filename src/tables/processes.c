// SPDX-License-Identifier: Apache-2.0
/*
 * processes.c - the `processes` table: every process (thread group leader)
 * on the host, with osquery's columns plus Linux's cgroup_path.
 *
 * HOW IT WORKS: vg_procfs_walk() hands each process's /proc/<pid> directory
 * fd (or only the pids of `pid =`/IN) to ps_visit(), which reads only the
 * files the statement's columns need, each with one openat() + one read():
 *   stat     name, state, times, parent, pgroup, threads, nice, sizes
 *   status   uid/gid/euid/egid/suid/sgid (the Uid:/Gid: lines)
 *   cmdline  cmdline (NULs become spaces)
 *   exe, cwd, root   readlinkat(); on_disk comes from the exe link
 *   io       disk_bytes_read/written (read_bytes, write_bytes)
 *   cgroup   cgroup_path (the v2 "0::" line, else the first hierarchy)
 * So `SELECT pid, name FROM processes` costs one open, read and close of stat
 * per process. Boot time (for start_time) is read once per query.
 *
 * Values: sizes are bytes, user/system time milliseconds, start_time seconds
 * since the Epoch. A column whose file cannot be read (a kernel thread's exe,
 * another user's io) is -1 for numbers and "" for text, as osquery does; a
 * process whose stat is gone is left out. wired_size is 0: Linux does not
 * report unpageable memory per process.
 */
#include "vigil/table.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"
#include "vigil/strbuf.h"

#define CMDLINE_MAX_BYTES (1024u * 1024u)

enum {
	C_PID,
	C_NAME,
	C_PATH,
	C_CMDLINE,
	C_STATE,
	C_CWD,
	C_ROOT,
	C_UID,
	C_GID,
	C_EUID,
	C_EGID,
	C_SUID,
	C_SGID,
	C_ON_DISK,
	C_WIRED_SIZE,
	C_RESIDENT_SIZE,
	C_TOTAL_SIZE,
	C_USER_TIME,
	C_SYSTEM_TIME,
	C_DISK_BYTES_READ,
	C_DISK_BYTES_WRITTEN,
	C_START_TIME,
	C_PARENT,
	C_PGROUP,
	C_THREADS,
	C_NICE,
	C_CGROUP_PATH,
};

static const struct vg_column columns[] = {
	[C_PID] = { "pid", VG_TYPE_BIGINT, VG_COL_INDEX | VG_COL_OPTIMIZED,
		    "Process (or thread) ID" },
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "The process path or shorthand argv[0]" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Path to executed binary" },
	[C_CMDLINE] = { "cmdline", VG_TYPE_TEXT, 0, "Complete argv" },
	[C_STATE] = { "state", VG_TYPE_TEXT, 0, "Process state" },
	[C_CWD] = { "cwd", VG_TYPE_TEXT, 0, "Process current working directory" },
	[C_ROOT] = { "root", VG_TYPE_TEXT, 0, "Process virtual root directory" },
	[C_UID] = { "uid", VG_TYPE_BIGINT, 0, "Unsigned user ID" },
	[C_GID] = { "gid", VG_TYPE_BIGINT, 0, "Unsigned group ID" },
	[C_EUID] = { "euid", VG_TYPE_BIGINT, 0, "Unsigned effective user ID" },
	[C_EGID] = { "egid", VG_TYPE_BIGINT, 0, "Unsigned effective group ID" },
	[C_SUID] = { "suid", VG_TYPE_BIGINT, 0, "Unsigned saved user ID" },
	[C_SGID] = { "sgid", VG_TYPE_BIGINT, 0, "Unsigned saved group ID" },
	[C_ON_DISK] = { "on_disk", VG_TYPE_INTEGER, 0,
			"The process path exists yes=1, no=0, unknown=-1" },
	[C_WIRED_SIZE] = { "wired_size", VG_TYPE_BIGINT, 0,
			   "Bytes of unpageable memory used by process" },
	[C_RESIDENT_SIZE] = { "resident_size", VG_TYPE_BIGINT, 0,
			      "Bytes of private memory used by process" },
	[C_TOTAL_SIZE] = { "total_size", VG_TYPE_BIGINT, 0, "Total virtual memory size" },
	[C_USER_TIME] = { "user_time", VG_TYPE_BIGINT, 0,
			  "CPU time in milliseconds spent in user space" },
	[C_SYSTEM_TIME] = { "system_time", VG_TYPE_BIGINT, 0,
			    "CPU time in milliseconds spent in kernel space" },
	[C_DISK_BYTES_READ] = { "disk_bytes_read", VG_TYPE_BIGINT, 0, "Bytes read from disk" },
	[C_DISK_BYTES_WRITTEN] = { "disk_bytes_written", VG_TYPE_BIGINT, 0,
				   "Bytes written to disk" },
	[C_START_TIME] = { "start_time", VG_TYPE_BIGINT, 0,
			   "Process start time in seconds since Epoch, in case of error -1" },
	[C_PARENT] = { "parent", VG_TYPE_BIGINT, 0, "Process parent's PID" },
	[C_PGROUP] = { "pgroup", VG_TYPE_BIGINT, 0, "Process group" },
	[C_THREADS] = { "threads", VG_TYPE_INTEGER, 0, "Number of threads used by process" },
	[C_NICE] = { "nice", VG_TYPE_INTEGER, 0, "Process nice level (-20 to 20, default 0)" },
	[C_CGROUP_PATH] = { "cgroup_path", VG_TYPE_TEXT, 0,
			    "The full hierarchical path of the process's control group" },
};

/* Which files a statement needs. */
#define PS_STAT	   (1u << 0)
#define PS_STATUS  (1u << 1)
#define PS_CMDLINE (1u << 2)
#define PS_EXE	   (1u << 3)
#define PS_CWD	   (1u << 4)
#define PS_ROOT	   (1u << 5)
#define PS_IO	   (1u << 6)
#define PS_CGROUP  (1u << 7)

struct ps_ctx {
	struct vg_query *q;
	unsigned need; /* PS_* */
	int64_t hz;    /* clock ticks per second */
	int64_t page_bytes;
	int64_t btime;		  /* boot time, seconds since the Epoch, or -1 */
	struct vg_strbuf cmdline; /* reused across processes */
};

/* The fields of /proc/<pid>/stat used here (proc(5) numbering in comments). */
struct ps_stat {
	char comm[64]; /* (2) */
	char state[2]; /* (3) */
	int64_t f[22]; /* f[i] is field i + 3: ppid f[1], pgrp f[2], utime f[11], ... */
};

#define ST_PPID	     1
#define ST_PGRP	     2
#define ST_UTIME     11
#define ST_STIME     12
#define ST_NICE	     16
#define ST_THREADS   17
#define ST_STARTTIME 19
#define ST_VSIZE     20
#define ST_RSS	     21

/* Parses stat; the comm may hold spaces and ')', so it ends at the last ')'. */
static bool ps_parse_stat(char *buf, struct ps_stat *st)
{
	char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *p;
	size_t len;

	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return false;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, len);
	st->comm[len] = '\0';
	st->state[0] = close[2];
	st->state[1] = '\0';
	p = close + 3;
	for (size_t i = 1; i < VG_ARRAY_SIZE(st->f); i++) {
		char *end;

		st->f[i] = strtoll(p, &end, 10);
		if (end == p)
			return false;
		p = end;
	}
	return true;
}

static void ps_emit_stat(struct ps_ctx *c, const struct ps_stat *st)
{
	struct vg_query *q = c->q;

	vg_row_text(q, C_NAME, st->comm);
	vg_row_text(q, C_STATE, st->state);
	vg_row_int(q, C_WIRED_SIZE, 0);
	vg_row_int(q, C_RESIDENT_SIZE, st->f[ST_RSS] * c->page_bytes);
	vg_row_int(q, C_TOTAL_SIZE, st->f[ST_VSIZE]);
	vg_row_int(q, C_USER_TIME, st->f[ST_UTIME] * 1000 / c->hz);
	vg_row_int(q, C_SYSTEM_TIME, st->f[ST_STIME] * 1000 / c->hz);
	vg_row_int(q, C_START_TIME, c->btime < 0 ? -1 : c->btime + st->f[ST_STARTTIME] / c->hz);
	vg_row_int(q, C_PARENT, st->f[ST_PPID]);
	vg_row_int(q, C_PGROUP, st->f[ST_PGRP]);
	vg_row_int(q, C_THREADS, st->f[ST_THREADS]);
	vg_row_int(q, C_NICE, st->f[ST_NICE]);
}

/* Reads the 4 ids after "\n<key>" in status into @ids; false if absent. */
static bool ps_status_ids(const char *buf, const char *key, int64_t ids[4])
{
	const char *p = strstr(buf, key);

	if (!p)
		return false;
	p += strlen(key);
	for (int i = 0; i < 4; i++) {
		char *end;

		ids[i] = strtoll(p, &end, 10);
		if (end == p)
			return false;
		p = end;
	}
	return true;
}

/* The Uid:/Gid: lines (real, effective, saved, fs) of status. */
static void ps_emit_status(struct ps_ctx *c, int dirfd)
{
	struct vg_query *q = c->q;
	char buf[1024]; /* Uid and Gid sit in the first ~10 lines */
	int64_t uid[4] = { -1, -1, -1, -1 }, gid[4] = { -1, -1, -1, -1 };

	if (vg_procfs_read(dirfd, "status", buf, sizeof(buf)) > 0) {
		ps_status_ids(buf, "\nUid:", uid);
		ps_status_ids(buf, "\nGid:", gid);
	}
	vg_row_int(q, C_UID, uid[0]);
	vg_row_int(q, C_EUID, uid[1]);
	vg_row_int(q, C_SUID, uid[2]);
	vg_row_int(q, C_GID, gid[0]);
	vg_row_int(q, C_EGID, gid[1]);
	vg_row_int(q, C_SGID, gid[2]);
}

/* argv joined with spaces; a kernel thread has none (""). */
static void ps_emit_cmdline(struct ps_ctx *c, int dirfd)
{
	struct vg_strbuf *sb = &c->cmdline;
	int err = vg_procfs_read_args(dirfd, "cmdline", CMDLINE_MAX_BYTES, sb);

	if (err && err != -EFBIG)
		vg_strbuf_reset(sb);
	while (sb->len && sb->buf[sb->len - 1] == '\0')
		sb->len--;
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\0')
			sb->buf[i] = ' ';
	vg_row_textn(c->q, C_CMDLINE, sb->buf, sb->len);
}

/* The target of link @name into @buf ("" when unreadable); returns its length or -1. */
static ssize_t ps_link(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n = readlinkat(dirfd, name, buf, size - 1);

	buf[n < 0 ? 0 : n] = '\0';
	return n;
}

/* path and on_disk: the kernel marks an unlinked executable " (deleted)". */
static void ps_emit_exe(struct ps_ctx *c, int dirfd)
{
	static const char deleted[] = " (deleted)";
	char buf[PATH_MAX];
	ssize_t n = ps_link(dirfd, "exe", buf, sizeof(buf));
	int on_disk = -1;

	if (n > 0) {
		size_t len = (size_t)n, dl = sizeof(deleted) - 1;

		on_disk = !(len > dl && !memcmp(buf + len - dl, deleted, dl));
	}
	vg_row_text(c->q, C_PATH, buf);
	vg_row_int(c->q, C_ON_DISK, on_disk);
}

static void ps_emit_link(struct ps_ctx *c, int dirfd, const char *name, int col)
{
	char buf[PATH_MAX];

	ps_link(dirfd, name, buf, sizeof(buf));
	vg_row_text(c->q, col, buf);
}

/* read_bytes / write_bytes of io (only root or the owner may read it). */
static void ps_emit_io(struct ps_ctx *c, int dirfd)
{
	char buf[512];
	int64_t rd = -1, wr = -1;

	if (vg_procfs_read(dirfd, "io", buf, sizeof(buf)) > 0) {
		const char *p = strstr(buf, "\nread_bytes:");

		if (p)
			rd = strtoll(p + 12, NULL, 10);
		p = strstr(buf, "\nwrite_bytes:");
		if (p)
			wr = strtoll(p + 13, NULL, 10);
	}
	vg_row_int(c->q, C_DISK_BYTES_READ, rd);
	vg_row_int(c->q, C_DISK_BYTES_WRITTEN, wr);
}

/* The unified (v2) hierarchy's path, else the first line's ("id:controllers:path"). */
static void ps_emit_cgroup(struct ps_ctx *c, int dirfd)
{
	char buf[4096];
	const char *line = buf, *p, *eol;

	if (vg_procfs_read(dirfd, "cgroup", buf, sizeof(buf)) <= 0) {
		vg_row_text(c->q, C_CGROUP_PATH, "");
		return;
	}
	if (strncmp(buf, "0::", 3)) {
		p = strstr(buf, "\n0::");
		if (p)
			line = p + 1;
	}
	p = strchr(line, ':');
	p = p ? strchr(p + 1, ':') : NULL;
	if (!p) {
		vg_row_text(c->q, C_CGROUP_PATH, "");
		return;
	}
	eol = strchr(++p, '\n');
	vg_row_textn(c->q, C_CGROUP_PATH, p, eol ? (size_t)(eol - p) : strlen(p));
}

static int ps_visit(void *arg, pid_t pid, int dirfd)
{
	struct ps_ctx *c = arg;
	struct vg_query *q = c->q;
	struct ps_stat st;
	char buf[1024];

	if (c->need & PS_STAT) {
		if (vg_procfs_read(dirfd, "stat", buf, sizeof(buf)) <= 0 ||
		    !ps_parse_stat(buf, &st))
			return 0; /* exited meanwhile */
	}
	vg_row_begin(q);
	vg_row_int(q, C_PID, pid);
	if (c->need & PS_STAT)
		ps_emit_stat(c, &st);
	if (c->need & PS_STATUS)
		ps_emit_status(c, dirfd);
	if (c->need & PS_CMDLINE)
		ps_emit_cmdline(c, dirfd);
	if (c->need & PS_EXE)
		ps_emit_exe(c, dirfd);
	if (c->need & PS_CWD)
		ps_emit_link(c, dirfd, "cwd", C_CWD);
	if (c->need & PS_ROOT)
		ps_emit_link(c, dirfd, "root", C_ROOT);
	if (c->need & PS_IO)
		ps_emit_io(c, dirfd);
	if (c->need & PS_CGROUP)
		ps_emit_cgroup(c, dirfd);
	vg_row_end(q);
	return 0;
}

/* Boot time in seconds since the Epoch, from the btime line of /proc/stat, or -1. */
static int64_t ps_boot_time(void)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	int64_t btime = -1;
	const char *p;

	vg_read_file("/proc/stat", 1024 * 1024, false, &sb);
	p = strstr(sb.buf, "\nbtime ");
	if (p)
		btime = strtoll(p + 7, NULL, 10);
	vg_strbuf_release(&sb);
	return btime;
}

/* The PS_* files the statement's columns need. */
static unsigned ps_needs(const struct vg_query *q)
{
	static const struct {
		int col;
		unsigned need;
	} map[] = {
		{ C_NAME, PS_STAT },
		{ C_STATE, PS_STAT },
		{ C_WIRED_SIZE, PS_STAT },
		{ C_RESIDENT_SIZE, PS_STAT },
		{ C_TOTAL_SIZE, PS_STAT },
		{ C_USER_TIME, PS_STAT },
		{ C_SYSTEM_TIME, PS_STAT },
		{ C_START_TIME, PS_STAT },
		{ C_PARENT, PS_STAT },
		{ C_PGROUP, PS_STAT },
		{ C_THREADS, PS_STAT },
		{ C_NICE, PS_STAT },
		{ C_UID, PS_STATUS },
		{ C_GID, PS_STATUS },
		{ C_EUID, PS_STATUS },
		{ C_EGID, PS_STATUS },
		{ C_SUID, PS_STATUS },
		{ C_SGID, PS_STATUS },
		{ C_CMDLINE, PS_CMDLINE },
		{ C_PATH, PS_EXE },
		{ C_ON_DISK, PS_EXE },
		{ C_CWD, PS_CWD },
		{ C_ROOT, PS_ROOT },
		{ C_DISK_BYTES_READ, PS_IO },
		{ C_DISK_BYTES_WRITTEN, PS_IO },
		{ C_CGROUP_PATH, PS_CGROUP },
	};
	unsigned need = 0;

	for (size_t i = 0; i < VG_ARRAY_SIZE(map); i++)
		if (vg_query_col_used(q, map[i].col))
			need |= map[i].need;
	return need;
}

static int processes_generate(struct vg_query *q)
{
	struct ps_ctx c = { .q = q, .cmdline = VG_STRBUF_INIT };
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	int err;

	c.need = ps_needs(q);
	c.hz = hz > 0 ? hz : 100;
	c.page_bytes = page > 0 ? page : 4096;
	c.btime = vg_query_col_used(q, C_START_TIME) ? ps_boot_time() : -1;
	err = vg_procfs_walk(q, C_PID, ps_visit, &c);
	if (err)
		vg_query_error(q, "processes: cannot read /proc: %s", strerror(-err));
	vg_strbuf_release(&c.cmdline);
	return err;
}

const struct vg_table vg_table_processes = {
	.name = "processes",
	.description = "All running processes on the host system.",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 400,
	.est_cost = 400 * 40,
	.generate = processes_generate,
};
