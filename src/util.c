// SPDX-License-Identifier: Apache-2.0
/*
 * util.c - small shared helpers (see util.h).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vigil/strbuf.h"

int vg_read_fd(int fd, size_t max_bytes, struct vg_strbuf *out)
{
	size_t got = 0;

	for (;;) {
		size_t want = 16384;
		ssize_t n;

		if (max_bytes && want > max_bytes - got + 1)
			want = max_bytes - got + 1;
		vg_strbuf_grow(out, want);
		n = read(fd, out->buf + out->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		if (max_bytes && got + (size_t)n > max_bytes) {
			size_t keep = max_bytes - got;

			out->len += keep;
			out->buf[out->len] = '\0';
			return -EFBIG;
		}
		got += (size_t)n;
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
	}
}

int vg_read_file_at(int dirfd, const char *path, size_t max_bytes, struct vg_strbuf *out)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int err;

	if (fd < 0)
		return -errno;
	err = vg_read_fd(fd, max_bytes, out);
	close(fd);
	return err;
}

int vg_read_file(const char *path, size_t max_bytes, bool nofollow, struct vg_strbuf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
	int err;

	if (fd < 0)
		return -errno;
	err = vg_read_fd(fd, max_bytes, out);
	close(fd);
	return err;
}

int vg_readlink(const char *path, struct vg_strbuf *out)
{
	size_t size = 256;

	for (;;) {
		ssize_t n;

		vg_strbuf_reset(out);
		vg_strbuf_grow(out, size);
		n = readlink(path, out->buf, size);
		if (n < 0)
			return -errno;
		if ((size_t)n < size) {
			out->len = (size_t)n;
			out->buf[n] = '\0';
			return 0;
		}
		if (size >= 65536)
			return -ENAMETOOLONG;
		size *= 4;
	}
}

bool vg_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

const char *vg_mode_octal(mode_t mode, char buf[8])
{
	snprintf(buf, 8, "%04o", (unsigned)(mode & 07777));
	return buf;
}

const char *vg_user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	buf[0] = '\0';
	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, size, "%s", res->pw_name);
	return buf;
}

const char *vg_group_name(gid_t gid, char *buf, size_t size)
{
	struct group gr, *res = NULL;
	char tmp[4096];

	buf[0] = '\0';
	if (getgrgid_r(gid, &gr, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, size, "%s", res->gr_name);
	return buf;
}

int64_t vg_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t vg_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
