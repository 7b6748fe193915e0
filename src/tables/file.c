// SPDX-License-Identifier: Apache-2.0
/*
 * file.c - the `file` table: stat(2) metadata of the paths a query names.
 *
 * HOW IT WORKS: a query must constrain `path` or `directory` (the core
 * rejects it otherwise). `path =` is one lookup of exactly that text;
 * `path LIKE` (and GLOB, rewritten as a LIKE superset) is expanded by
 * src/glob.c; `directory =` lists the directory one level; `directory LIKE`
 * lists every directory the pattern expands to. Each entry costs one statx()
 * relative to its parent's fd (a second one for a symlink, whose row shows
 * its target's metadata as osquery does, with symlink=1 and the link text
 * in symlink_target_path). When both columns are constrained, only `path`
 * drives the scan (SQLite drops the rest anyway), with `directory` spelled
 * as the constraint spells it.
 *
 * As osquery: `device` is st_rdev, `mode` four octal digits, a directory
 * matched by a pattern ending in `%` is shown with a trailing '/'. Unlike
 * osquery on Linux (always 0), `btime` is the birth time when the file
 * system records one (statx), else 0.
 *
 * LIMITS: pid_with_namespace only accepts 0 (this mount namespace).
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "glob.h"
#include "pathq.h"
#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_PATH,
	C_DIRECTORY,
	C_FILENAME,
	C_INODE,
	C_UID,
	C_GID,
	C_MODE,
	C_DEVICE,
	C_SIZE,
	C_BLOCK_SIZE,
	C_ATIME,
	C_MTIME,
	C_CTIME,
	C_BTIME,
	C_HARD_LINKS,
	C_SYMLINK,
	C_TYPE,
	C_SYMLINK_TARGET_PATH,
	C_PID_WITH_NAMESPACE,
	C_MOUNT_NAMESPACE_ID,
};

#define REQ_PATH (VG_COL_REQUIRED | VG_COL_INDEX | VG_COL_OPTIMIZED)
#define REQ_DIR	 (VG_COL_REQUIRED | VG_COL_OPTIMIZED)

static const struct vg_column columns[] = {
	[C_PATH] = { "path", VG_TYPE_TEXT, REQ_PATH, "Absolute file path" },
	[C_DIRECTORY] = { "directory", VG_TYPE_TEXT, REQ_DIR, "Directory of file(s)" },
	[C_FILENAME] = { "filename", VG_TYPE_TEXT, 0, "Name portion of file path" },
	[C_INODE] = { "inode", VG_TYPE_BIGINT, 0, "Filesystem inode number" },
	[C_UID] = { "uid", VG_TYPE_BIGINT, 0, "Owning user ID" },
	[C_GID] = { "gid", VG_TYPE_BIGINT, 0, "Owning group ID" },
	[C_MODE] = { "mode", VG_TYPE_TEXT, 0, "Permission bits" },
	[C_DEVICE] = { "device", VG_TYPE_BIGINT, 0, "Device ID (optional)" },
	[C_SIZE] = { "size", VG_TYPE_BIGINT, 0, "Size of file in bytes" },
	[C_BLOCK_SIZE] = { "block_size", VG_TYPE_INTEGER, 0, "Block size of filesystem" },
	[C_ATIME] = { "atime", VG_TYPE_BIGINT, 0, "Last access time" },
	[C_MTIME] = { "mtime", VG_TYPE_BIGINT, 0, "Last modification time" },
	[C_CTIME] = { "ctime", VG_TYPE_BIGINT, 0, "Last status change time" },
	[C_BTIME] = { "btime", VG_TYPE_BIGINT, 0, "(B)irth or (cr)eate time" },
	[C_HARD_LINKS] = { "hard_links", VG_TYPE_INTEGER, 0, "Number of hard links" },
	[C_SYMLINK] = { "symlink", VG_TYPE_INTEGER, 0, "1 if the path is a symlink, otherwise 0" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "File status" },
	[C_SYMLINK_TARGET_PATH] = { "symlink_target_path", VG_TYPE_TEXT, 0,
				    "Full path of the symlink target if any" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
	[C_MOUNT_NAMESPACE_ID] = { "mount_namespace_id", VG_TYPE_TEXT, VG_COL_HIDDEN,
				   "Mount namespace id" },
};

struct file_ctx {
	struct vg_query *q;
	struct vg_strbuf parent; /* scratch for the split directory */
	unsigned statx_mask;
};

static const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "character";
	case S_IFBLK:
		return "block";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	default:
		return "unknown";
	}
}

/* The stat columns of a row from @sx. */
static void file_stat_cols(struct vg_query *q, const struct statx *sx)
{
	char mode[8];

	vg_row_int(q, C_INODE, (int64_t)sx->stx_ino);
	vg_row_int(q, C_UID, sx->stx_uid);
	vg_row_int(q, C_GID, sx->stx_gid);
	vg_row_text(q, C_MODE, vg_mode_octal(sx->stx_mode, mode));
	vg_row_int(q, C_DEVICE, (int64_t)makedev(sx->stx_rdev_major, sx->stx_rdev_minor));
	vg_row_int(q, C_SIZE, (int64_t)sx->stx_size);
	vg_row_int(q, C_BLOCK_SIZE, sx->stx_blksize);
	vg_row_int(q, C_ATIME, sx->stx_atime.tv_sec);
	vg_row_int(q, C_MTIME, sx->stx_mtime.tv_sec);
	vg_row_int(q, C_CTIME, sx->stx_ctime.tv_sec);
	vg_row_int(q, C_BTIME, (sx->stx_mask & STATX_BTIME) ? sx->stx_btime.tv_sec : 0);
	vg_row_int(q, C_HARD_LINKS, sx->stx_nlink);
	vg_row_text(q, C_TYPE, type_name(sx->stx_mode));
}

/* One row for entry @e; a vanished entry gives none. */
static int file_row(void *arg, const struct vg_path_entry *e)
{
	struct file_ctx *fc = arg;
	struct vg_query *q = fc->q;
	int dirfd = e->dirfd;
	const char *name = e->name;
	struct statx lx, tx;
	const struct statx *sx = &lx;
	const char *base;
	size_t base_len;
	bool is_link;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, fc->statx_mask, &lx) < 0)
		return 0;
	is_link = S_ISLNK(lx.stx_mode);
	if (is_link && statx(dirfd, name, AT_NO_AUTOMOUNT, fc->statx_mask, &tx) == 0)
		sx = &tx;
	vg_row_begin(q);
	vg_row_textn(q, C_PATH, e->path, e->len);
	if (e->dir_text) {
		vg_row_text(q, C_DIRECTORY, e->dir_text);
		vg_row_text(q, C_FILENAME, name);
	} else {
		vg_path_row_directory(q, C_DIRECTORY, e->path, &fc->parent, &base, &base_len);
		vg_row_textn(q, C_FILENAME, base, base_len);
	}
	file_stat_cols(q, sx);
	vg_row_int(q, C_SYMLINK, is_link);
	if (is_link && vg_query_col_used(q, C_SYMLINK_TARGET_PATH)) {
		char target[4097];
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n >= 0)
			vg_row_textn(q, C_SYMLINK_TARGET_PATH, target, (size_t)n);
	}
	vg_row_int(q, C_PID_WITH_NAMESPACE, 0);
	vg_row_end(q);
	return 0;
}

static int file_generate(struct vg_query *q)
{
	struct file_ctx fc = { .q = q, .parent = VG_STRBUF_INIT };
	int err;

	fc.statx_mask = STATX_BASIC_STATS | (vg_query_col_used(q, C_BTIME) ? STATX_BTIME : 0);
	err = vg_path_query(q, "file", C_PATH, C_DIRECTORY, VG_GLOB_MARK, file_row, &fc);
	vg_strbuf_release(&fc.parent);
	return err;
}

const struct vg_table vg_table_file = {
	.name = "file",
	.description = "Interactive filesystem attributes and metadata",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 10000,
	.generate = file_generate,
};
