// SPDX-License-Identifier: Apache-2.0
/*
 * procfs.c - /proc helpers for the process tables (see procfs.h).
 *
 * HOW IT WORKS: a walk opens /proc once, then each selected process's
 * directory with O_PATH (no permission check, one syscall) and hands that fd
 * to the table, which reads only the files its used columns need with
 * openat(). Pushed-down pids skip readdir entirely.
 */
#include "procfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

/* ---- selecting processes ---- */

bool vg_procfs_is_filtered(const struct vg_query *q, int pid_col)
{
	size_t n;
	const struct vg_constraint *c = vg_query_constraints(q, &n);

	for (size_t i = 0; i < n; i++)
		if (c[i].col == pid_col && c[i].op == VG_OP_EQ)
			return true;
	return false;
}

/* The pid a constraint value names, or 0 if it names none. */
static pid_t pfs_value_pid(const struct vg_constraint *c)
{
	int64_t v = 0;

	if (c->is_null)
		return 0;
	if (!vg_parse_i64(c->text, &v)) {
		/* 12.0 compares equal to 12 in SQL; 'abc' reads as 0.0. */
		if (c->d != c->d || c->d < INT_MIN || c->d > INT_MAX ||
		    c->d != (double)(int64_t)c->d)
			return 0;
		v = (int64_t)c->d;
	}
	if (v < INT_MIN || v > INT_MAX || v == 0)
		return 0;
	return (pid_t)v;
}

bool vg_procfs_selects(const struct vg_query *q, int pid_col, pid_t pid)
{
	size_t n;
	const struct vg_constraint *c = vg_query_constraints(q, &n);
	bool filtered = false;

	for (size_t i = 0; i < n; i++) {
		if (c[i].col != pid_col || c[i].op != VG_OP_EQ)
			continue;
		filtered = true;
		if (pfs_value_pid(&c[i]) == pid)
			return true;
	}
	return !filtered;
}

static int pfs_pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* The positive pids of the `=`/IN constraints, sorted and unique (heap, caller frees). */
static int pfs_collect_pids(const struct vg_query *q, int pid_col, pid_t **out, size_t *n_out)
{
	size_t n_cons, n = 0, k = 0;
	const struct vg_constraint *c = vg_query_constraints(q, &n_cons);
	pid_t *pids = calloc(n_cons ? n_cons : 1, sizeof(*pids));

	if (!pids)
		return -ENOMEM;
	for (size_t i = 0; i < n_cons; i++) {
		pid_t pid;

		if (c[i].col != pid_col || c[i].op != VG_OP_EQ)
			continue;
		pid = pfs_value_pid(&c[i]);
		if (pid > 0)
			pids[n++] = pid;
	}
	qsort(pids, n, sizeof(*pids), pfs_pid_cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || pids[k - 1] != pids[i])
			pids[k++] = pids[i];
	*out = pids;
	*n_out = k;
	return 0;
}

/* Opens /proc/<pid> relative to @proc_fd and calls @fn; a vanished process is skipped. */
static int pfs_visit(int proc_fd, pid_t pid, vg_procfs_pid_fn *fn, void *ctx)
{
	char name[16];
	int fd, ret;

	snprintf(name, sizeof(name), "%d", (int)pid);
	fd = openat(proc_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	ret = fn(ctx, pid, fd);
	close(fd);
	return ret;
}

int vg_procfs_walk(const struct vg_query *q, int pid_col, vg_procfs_pid_fn *fn, void *ctx)
{
	pid_t *pids = NULL;
	size_t n_pids = 0;
	int proc_fd = -1;
	DIR *dir = NULL;
	struct dirent *de;
	int err;

	proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0) {
		err = -errno;
		goto out;
	}
	if (q && vg_procfs_is_filtered(q, pid_col)) {
		err = pfs_collect_pids(q, pid_col, &pids, &n_pids);
		for (size_t i = 0; !err && i < n_pids; i++)
			err = pfs_visit(proc_fd, pids[i], fn, ctx);
		goto out;
	}
	dir = fdopendir(proc_fd);
	if (!dir) {
		err = -errno;
		goto out;
	}
	proc_fd = -1; /* owned by dir now */
	err = 0;
	while (!err && (de = readdir(dir))) {
		int64_t pid;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || !vg_parse_i64(de->d_name, &pid) ||
		    pid > INT_MAX)
			continue;
		err = pfs_visit(dirfd(dir), (pid_t)pid, fn, ctx);
	}
out:
	if (dir)
		closedir(dir);
	if (proc_fd >= 0)
		close(proc_fd);
	free(pids);
	return err;
}

/* ---- reading files ---- */

ssize_t vg_procfs_read(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, size - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return n;
}

int vg_procfs_read_args(int dirfd, const char *name, size_t max_bytes, struct vg_strbuf *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t chunk = 4096;
	int err = 0;

	vg_strbuf_reset(out);
	if (fd < 0)
		return -errno;
	for (;;) {
		size_t want;
		ssize_t n;

		vg_strbuf_grow(out, chunk);
		want = out->alloc - out->len - 1;
		if (want > max_bytes - out->len + 1)
			want = max_bytes - out->len + 1;
		n = read(fd, out->buf + out->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		out->len += (size_t)n;
		if (out->len > max_bytes) {
			out->len = max_bytes;
			err = -EFBIG;
		}
		out->buf[out->len] = '\0';
		if (err || (size_t)n < want)
			break;
		if (chunk < 1024 * 1024)
			chunk *= 4;
	}
	close(fd);
	return err;
}

int vg_procfs_fds(int pid_dirfd, vg_procfs_fd_fn *fn, void *ctx)
{
	int fd = -1, err = 0;
	DIR *dir = NULL;
	struct dirent *de;
	char link[PATH_MAX];

	fd = openat(pid_dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	dir = fdopendir(fd);
	if (!dir) {
		err = -errno;
		goto out;
	}
	fd = -1; /* owned by dir now */
	while (!err && (de = readdir(dir))) {
		int64_t num;
		ssize_t n;

		if (!vg_parse_i64(de->d_name, &num) || num < 0 || num > INT_MAX)
			continue;
		n = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue; /* closed meanwhile */
		link[n] = '\0';
		err = fn(ctx, (int)num, link, (size_t)n);
	}
out:
	if (dir)
		closedir(dir);
	if (fd >= 0)
		close(fd);
	return err;
}
