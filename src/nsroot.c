// SPDX-License-Identifier: Apache-2.0
/*
 * nsroot.c - paths below another process's root (see nsroot.h).
 *
 * HOW IT WORKS: /proc/<pid>/root is opened O_PATH|O_DIRECTORY; files below it
 * are opened with openat2() and RESOLVE_IN_ROOT, which makes "/" and ".."
 * stop at that directory. Kernels before 5.6 lack openat2 (ENOSYS): then a
 * plain openat() with the leading slashes stripped is used, which is exact
 * for the common case (no absolute symlinks on the way).
 */
#include "nsroot.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

int vg_nsroot_open(int64_t pid, int *fd)
{
	char path[64];

	if (pid < 0)
		return -EINVAL;
	if (pid == 0)
		snprintf(path, sizeof(path), "/");
	else
		snprintf(path, sizeof(path), "/proc/%lld/root", (long long)pid);
	*fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	return 0;
}

int vg_nsroot_openat(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC | O_NOCTTY),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS)
		return -errno;
	while (*path == '/')
		path++;
	fd = openat(rootfd, *path ? path : ".", flags | O_CLOEXEC | O_NOCTTY);
	return fd >= 0 ? (int)fd : -errno;
}

int vg_nsroot_read(int rootfd, const char *path, size_t max_bytes, struct vg_strbuf *out)
{
	int fd = vg_nsroot_openat(rootfd, path, O_RDONLY);
	int err = 0;

	if (fd < 0)
		return fd;
	err = vg_read_fd(fd, max_bytes, out);
	close(fd);
	return err;
}

const char *vg_nsroot_mnt_id(int64_t pid, char *buf, size_t size)
{
	char path[64];
	struct stat st;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%lld/ns/mnt", (long long)(pid > 0 ? pid : 0));
	if (pid > 0 && stat(path, &st) == 0)
		snprintf(buf, size, "%llu", (unsigned long long)st.st_ino);
	return buf;
}

void vg_nsroot_each_pid(struct vg_query *q, int col, void (*fn)(struct vg_query *q, int64_t pid))
{
	size_t pos = 0;
	const char *v;
	bool any = false;

	while ((v = vg_query_next_eq(q, col, &pos))) {
		int64_t pid;

		any = true;
		if (vg_parse_i64(v, &pid) && pid >= 0)
			fn(q, pid);
	}
	if (!any)
		fn(q, 0);
}
