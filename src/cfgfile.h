// SPDX-License-Identifier: Apache-2.0
/*
 * cfgfile.h - reading line-oriented configuration files for the tables
 * (/etc/hosts, crontabs, authorized_keys, shell histories, ...): a bounded
 * read that is safe on files owned by other users, in-place line and token
 * splitting, and the filesystem roots a hidden `pid_with_namespace` column
 * asks for. All functions are thread-safe.
 */
#ifndef VIGIL_CFGFILE_H
#define VIGIL_CFGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stat;
struct vg_query;
struct vg_strbuf;

/* Default cap on one configuration file (history files may be larger). */
#define VG_CFG_MAX_BYTES (8u * 1024u * 1024u)

/*
 * Appends regular file @path (relative to @dirfd, or AT_FDCWD) to @out, at
 * most @max_bytes of it. With @nofollow a final symlink is refused (ELOOP).
 * The open never blocks (O_NONBLOCK, so a FIFO planted where a file is
 * expected cannot hang a query) and anything but a regular file is refused
 * with -EINVAL. Returns 0, -EFBIG when the file was longer than the cap (what
 * fits is kept), or -errno.
 */
int vg_cfg_read(int dirfd, const char *path, bool nofollow, size_t max_bytes,
		struct vg_strbuf *out);

/*
 * As vg_cfg_read(), and when @st is not NULL the opened file's fstat() goes
 * there (set whenever the open succeeded), so callers can check its owner
 * without a racy second stat of the path.
 */
int vg_cfg_read_st(int dirfd, const char *path, bool nofollow, size_t max_bytes,
		   struct vg_strbuf *out, struct stat *st);

/*
 * Splits lines in place: returns the next line of *@cursor (NUL-terminated,
 * '\n' and a trailing '\r' removed) and advances *@cursor past it; NULL at the
 * end. The buffer is modified, so it must be owned by the caller.
 */
char *vg_cfg_next_line(char **cursor);

/* Skips leading blanks (space, tab) and drops trailing whitespace, in place. */
char *vg_cfg_trim(char *s);

/*
 * The next blank-separated token of *@s (NUL-terminated in place), advancing
 * *@s past it and the blanks after it; NULL when only blanks remain.
 */
char *vg_cfg_token(char **s);

/*
 * The `=` values of column @col as a uid/gid (0..UINT32_MAX): start with
 * *@pos = 0, call until false. Values that are not such integers are skipped.
 */
bool vg_cfg_next_id(const struct vg_query *q, int col, size_t *pos, uint32_t *id);

/* Whether @q has an `=` constraint on @col, even a NULL one (that selects nothing). */
bool vg_cfg_has_eq(const struct vg_query *q, int col);

/*
 * Filesystem roots for a hidden `pid_with_namespace` column, as osquery runs a
 * query inside the mount namespace of that process: without an `=` on the
 * column, one root "" (the host) with pid 0; otherwise "/proc/<pid>/root" for
 * each pid. Paths are then built as root + "/etc/...". Start zeroed.
 */
struct vg_cfg_root {
	size_t pos;    /* iteration state */
	bool started;  /* first call done */
	int64_t pid;   /* the pid of this root, 0 for the host */
	char path[40]; /* "" or "/proc/<pid>/root" */
};
bool vg_cfg_next_root(const struct vg_query *q, int col, struct vg_cfg_root *root);

#endif
