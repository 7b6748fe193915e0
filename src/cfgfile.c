// SPDX-License-Identifier: Apache-2.0
/*
 * cfgfile.c - reading configuration files for the tables (see cfgfile.h).
 *
 * HOW IT WORKS: a file is opened O_NONBLOCK|O_CLOEXEC|O_NOCTTY (plus
 * O_NOFOLLOW on request), checked to be a regular file with fstat() and read
 * into a strbuf up to a cap. Parsers then split that private copy in place,
 * so a line costs no allocation. The namespace roots walk the `=` values of
 * a pid column and point paths under /proc/<pid>/root, which the kernel
 * resolves inside that process's mount namespace and chroot.
 *
 * LIMITS: a file longer than the cap is cut (the caller gets -EFBIG and
 * should drop the last, partial line).
 */
#include "cfgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

/* Reads @fd to its end or to @max_bytes into @out; -EFBIG past the cap. */
static int cfg_read_fd(int fd, size_t max_bytes, struct vg_strbuf *out)
{
	size_t got = 0;

	for (;;) {
		size_t want = 65536;
		ssize_t n;

		if (want > max_bytes - got + 1)
			want = max_bytes - got + 1;
		vg_strbuf_grow(out, want);
		n = read(fd, out->buf + out->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (got + (size_t)n > max_bytes) {
			out->len += max_bytes - got;
			out->buf[out->len] = '\0';
			return -EFBIG;
		}
		got += (size_t)n;
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
	}
}

int vg_cfg_read(int dirfd, const char *path, bool nofollow, size_t max_bytes, struct vg_strbuf *out)
{
	return vg_cfg_read_st(dirfd, path, nofollow, max_bytes, out, NULL);
}

int vg_cfg_read_st(int dirfd, const char *path, bool nofollow, size_t max_bytes,
		   struct vg_strbuf *out, struct stat *st_out)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0);
	struct stat st;
	int fd = -1, err;

	fd = openat(dirfd, path, flags);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (st_out)
		*st_out = st;
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	err = cfg_read_fd(fd, max_bytes, out);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

char *vg_cfg_next_line(char **cursor)
{
	char *line = *cursor, *nl;
	size_t len;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
		len = (size_t)(nl - line);
	} else {
		len = strlen(line);
		*cursor = line + len;
	}
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	return line;
}

static bool cfg_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

char *vg_cfg_trim(char *s)
{
	size_t len;

	while (cfg_is_blank(*s))
		s++;
	len = strlen(s);
	while (len && (cfg_is_blank(s[len - 1]) || s[len - 1] == '\r' || s[len - 1] == '\n' ||
		       s[len - 1] == '\v' || s[len - 1] == '\f'))
		s[--len] = '\0';
	return s;
}

char *vg_cfg_token(char **s)
{
	char *p = *s, *tok;

	while (cfg_is_blank(*p))
		p++;
	if (!*p) {
		*s = p;
		return NULL;
	}
	tok = p;
	while (*p && !cfg_is_blank(*p))
		p++;
	if (*p)
		*p++ = '\0';
	while (cfg_is_blank(*p))
		p++;
	*s = p;
	return tok;
}

bool vg_cfg_next_id(const struct vg_query *q, int col, size_t *pos, uint32_t *id)
{
	const char *v;

	while ((v = vg_query_next_eq(q, col, pos))) {
		int64_t n;

		if (vg_parse_i64(v, &n) && n >= 0 && n <= UINT32_MAX) {
			*id = (uint32_t)n;
			return true;
		}
	}
	return false;
}

bool vg_cfg_has_eq(const struct vg_query *q, int col)
{
	size_t n;
	const struct vg_constraint *c = vg_query_constraints(q, &n);

	for (size_t i = 0; i < n; i++)
		if (c[i].col == col && c[i].op == VG_OP_EQ)
			return true;
	return false;
}

bool vg_cfg_next_root(const struct vg_query *q, int col, struct vg_cfg_root *root)
{
	const char *v;
	bool first = !root->started;

	root->started = true;
	if (!vg_cfg_has_eq(q, col)) {
		root->pid = 0;
		root->path[0] = '\0';
		return first;
	}
	while ((v = vg_query_next_eq(q, col, &root->pos))) {
		int64_t pid;

		if (!vg_parse_i64(v, &pid) || pid <= 0 || pid > INT32_MAX)
			continue;
		root->pid = pid;
		snprintf(root->path, sizeof(root->path), "/proc/%lld/root", (long long)pid);
		return true;
	}
	return false;
}
