// SPDX-License-Identifier: Apache-2.0
/*
 * mounts.c - the `mounts` table: mounted file systems and their usage.
 *
 * HOW IT WORKS: /proc/self/mounts is read whole (bounded) and parsed line by
 * line, undoing the kernel's octal escapes (\040 for a space, ...) in each
 * field. statfs() fills the block and inode columns, and only when the
 * statement reads one of them. statfs() can block for minutes on a dead
 * network server, or trigger an automount, so network, FUSE and autofs
 * mounts are not statfs'ed and show NULL there (osquery skips autofs
 * only). `device_alias` is the device's canonical path (realpath), or the
 * device text when it is not a path; `flags` is the mount options.
 *
 * LIMITS: a mount table over 16 MiB is truncated at the last whole line.
 */
#include "vigil/table.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_DEVICE,
	C_DEVICE_ALIAS,
	C_PATH,
	C_TYPE,
	C_BLOCKS_SIZE,
	C_BLOCKS,
	C_BLOCKS_FREE,
	C_BLOCKS_AVAILABLE,
	C_INODES,
	C_INODES_FREE,
	C_FLAGS,
};

static const struct vg_column columns[] = {
	[C_DEVICE] = { "device", VG_TYPE_TEXT, 0, "Mounted device" },
	[C_DEVICE_ALIAS] = { "device_alias", VG_TYPE_TEXT, 0, "Mounted device alias" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Mounted device path" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Mounted device type" },
	[C_BLOCKS_SIZE] = { "blocks_size", VG_TYPE_BIGINT, 0, "Block size in bytes" },
	[C_BLOCKS] = { "blocks", VG_TYPE_BIGINT, 0, "Mounted device used blocks" },
	[C_BLOCKS_FREE] = { "blocks_free", VG_TYPE_BIGINT, 0,
			    "Mounted device blocks available to root users, a superset of "
			    "blocks_available" },
	[C_BLOCKS_AVAILABLE] = { "blocks_available", VG_TYPE_BIGINT, 0,
				 "Mounted device blocks available to non-root users" },
	[C_INODES] = { "inodes", VG_TYPE_BIGINT, 0, "Mounted device used inodes" },
	[C_INODES_FREE] = { "inodes_free", VG_TYPE_BIGINT, 0, "Mounted device free inodes" },
	[C_FLAGS] = { "flags", VG_TYPE_TEXT, 0, "Mounted device flags" },
};

#define MOUNTS_MAX_BYTES (16u * 1024 * 1024)

/* File systems whose statfs() may hang on a server or trigger a mount. */
static const char *const no_statfs_types[] = {
	"autofs",  "nfs",   "nfs4", "cifs",	 "smb3",   "smbfs", "ncpfs", "afs",
	"ceph",	   "9p",    "coda", "glusterfs", "lustre", "davfs", "sshfs", "fuse",
	"fuseblk", "ocfs2", "gfs2", "pvfs2",	 "beegfs", "gpfs",
};

static bool skip_statfs(const char *type)
{
	if (strncmp(type, "fuse.", 5) == 0)
		return true;
	for (size_t i = 0; i < VG_ARRAY_SIZE(no_statfs_types); i++)
		if (strcmp(type, no_statfs_types[i]) == 0)
			return true;
	return false;
}

/* Undoes the kernel's "\ooo" escapes in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Splits @line (modified) into up to @max space-separated fields. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(line, " \t", &save); tok && n < max;
	     tok = strtok_r(NULL, " \t", &save))
		fields[n++] = tok;
	return n;
}

static void mounts_statfs(struct vg_query *q, const char *path, const char *type)
{
	struct statfs sf;

	if (skip_statfs(type) || statfs(path, &sf) < 0)
		return; /* the columns stay NULL */
	vg_row_int(q, C_BLOCKS_SIZE, (int64_t)sf.f_bsize);
	vg_row_int(q, C_BLOCKS, (int64_t)sf.f_blocks);
	vg_row_int(q, C_BLOCKS_FREE, (int64_t)sf.f_bfree);
	vg_row_int(q, C_BLOCKS_AVAILABLE, (int64_t)sf.f_bavail);
	vg_row_int(q, C_INODES, (int64_t)sf.f_files);
	vg_row_int(q, C_INODES_FREE, (int64_t)sf.f_ffree);
}

static void mounts_row(struct vg_query *q, char *line, bool want_statfs)
{
	char *f[4];
	char real[PATH_MAX];

	if (split_fields(line, f, VG_ARRAY_SIZE(f)) < 4)
		return; /* malformed */
	for (size_t i = 0; i < 4; i++)
		unescape(f[i]);
	vg_row_begin(q);
	vg_row_text(q, C_DEVICE, f[0]);
	if (vg_query_col_used(q, C_DEVICE_ALIAS))
		vg_row_text(q, C_DEVICE_ALIAS,
			    f[0][0] == '/' && realpath(f[0], real) ? real : f[0]);
	vg_row_text(q, C_PATH, f[1]);
	vg_row_text(q, C_TYPE, f[2]);
	if (want_statfs)
		mounts_statfs(q, f[1], f[2]);
	vg_row_text(q, C_FLAGS, f[3]);
	vg_row_end(q);
}

static int mounts_generate(struct vg_query *q)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	bool want_statfs = false;
	char *line, *save = NULL;
	int err;

	for (int c = C_BLOCKS_SIZE; c <= C_INODES_FREE; c++)
		want_statfs |= vg_query_col_used(q, c);
	err = vg_read_file("/proc/self/mounts", MOUNTS_MAX_BYTES, false, &sb);
	if (err == -EFBIG) {
		char *nl = strrchr(sb.buf, '\n');

		sb.len = nl ? (size_t)(nl - sb.buf) : 0;
		sb.buf[sb.len] = '\0';
		err = 0;
	}
	if (err) {
		vg_query_error(q, "mounts: cannot read /proc/self/mounts: %s", strerror(-err));
		goto out;
	}
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		mounts_row(q, line, want_statfs);
out:
	vg_strbuf_release(&sb);
	return err;
}

const struct vg_table vg_table_mounts = {
	.name = "mounts",
	.description = "System mounted devices and filesystems (not process specific)",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 50,
	.generate = mounts_generate,
};
