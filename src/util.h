// SPDX-License-Identifier: Apache-2.0
/*
 * util.h - small helpers shared by the core and the tables: bounded file
 * reads, numeric parsing, mode and owner text. All are thread-safe.
 */
#ifndef VIGIL_UTIL_H
#define VIGIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vg_strbuf;

/*
 * Appends the contents of @path (at most @max_bytes; 0 = no cap) to @out.
 * Works for /proc and /sys files whose stat size is 0. Opens with O_CLOEXEC,
 * plus O_NOFOLLOW when @nofollow. Returns 0, -EFBIG if the file is longer
 * than the cap (what fits is kept), or -errno.
 */
int vg_read_file(const char *path, size_t max_bytes, bool nofollow, struct vg_strbuf *out);

/* As vg_read_file() on an open @fd (read from its position; not closed). */
int vg_read_fd(int fd, size_t max_bytes, struct vg_strbuf *out);

/* As vg_read_file() relative to the directory fd @dirfd. */
int vg_read_file_at(int dirfd, const char *path, size_t max_bytes, struct vg_strbuf *out);

/* readlink(2) into @out (replacing its contents). Returns 0 or -errno. */
int vg_readlink(const char *path, struct vg_strbuf *out);

/* Parses a whole decimal integer; false (and *@out untouched) if it is not one. */
bool vg_parse_i64(const char *s, int64_t *out);

/* Permission bits as osquery prints them: four octal digits, "0644". @buf >= 8 bytes. */
const char *vg_mode_octal(mode_t mode, char buf[8]);

/* The user name of @uid into @buf ("" if unknown). Returns @buf. */
const char *vg_user_name(uid_t uid, char *buf, size_t size);

/* The group name of @gid into @buf ("" if unknown). Returns @buf. */
const char *vg_group_name(gid_t gid, char *buf, size_t size);

/* Realtime clock in nanoseconds. */
int64_t vg_now_ns(void);

/* Monotonic clock in nanoseconds. */
int64_t vg_mono_ns(void);

#endif
