// SPDX-License-Identifier: Apache-2.0
/*
 * hash.c - the `hash` table: MD5, SHA-1 and SHA-256 of regular files.
 *
 * HOW IT WORKS: the paths come as in the `file` table (`path =`, `path
 * LIKE`/GLOB through src/glob.c, `directory =`/LIKE listing one level);
 * only regular files give rows, as in osquery. Each file is opened with
 * O_NONBLOCK|O_NOCTTY and checked with fstat() on the open fd, so a FIFO,
 * socket or device named by a path never blocks the query (a stat() before
 * the open also keeps device drivers from seeing an open at all). The file
 * is read once, 1 MiB at a time with POSIX_FADV_SEQUENTIAL, feeding only the
 * digests whose columns the statement reads; with none of them read, no
 * byte is read. The OpenSSL digests are fetched and their contexts made
 * once per query and reused for every file.
 *
 * Reads keep O_NONBLOCK, so a file that would block (/proc/kmsg) fails
 * with EAGAIN and gives no row, and files of kernel pseudo file systems
 * (proc, sysfs, ...) stop at PSEUDO_MAX_BYTES (no row past it).
 *
 * LIMITS: a file that changes while it is read hashes whatever was read;
 * pid_with_namespace only accepts 0 (this mount namespace).
 */
#include "vigil/table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "digest.h"
#include "glob.h"
#include "pathq.h"
#include "vigil/strbuf.h"

enum {
	C_PATH,
	C_DIRECTORY,
	C_MD5,
	C_SHA1,
	C_SHA256,
	C_PID_WITH_NAMESPACE,
	C_MOUNT_NAMESPACE_ID,
};

#define REQ_PATH	 (VG_COL_REQUIRED | VG_COL_INDEX | VG_COL_OPTIMIZED)
#define REQ_DIR		 (VG_COL_REQUIRED | VG_COL_OPTIMIZED)
/* Files of kernel pseudo file systems are hashed up to this many bytes
 * (/proc/kcore or /proc/self/pagemap would otherwise read for hours). */
#define PSEUDO_MAX_BYTES (64 * 1024 * 1024)

static const struct vg_column columns[] = {
	[C_PATH] = { "path", VG_TYPE_TEXT, REQ_PATH, "Must provide a path or directory" },
	[C_DIRECTORY] = { "directory", VG_TYPE_TEXT, REQ_DIR, "Must provide a path or directory" },
	[C_MD5] = { "md5", VG_TYPE_TEXT, VG_COL_NOCASE, "MD5 hash of provided filesystem data" },
	[C_SHA1] = { "sha1", VG_TYPE_TEXT, VG_COL_NOCASE, "SHA1 hash of provided filesystem data" },
	[C_SHA256] = { "sha256", VG_TYPE_TEXT, VG_COL_NOCASE,
		       "SHA256 hash of provided filesystem data" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
	[C_MOUNT_NAMESPACE_ID] = { "mount_namespace_id", VG_TYPE_TEXT, VG_COL_HIDDEN,
				   "Mount namespace id" },
};

/* The digest columns and their digests. */
static const struct {
	int col;
	unsigned bit;
} digests[] = {
	{ C_MD5, VG_DIGEST_MD5 },
	{ C_SHA1, VG_DIGEST_SHA1 },
	{ C_SHA256, VG_DIGEST_SHA256 },
};

#define N_DIGESTS VG_ARRAY_SIZE(digests)

struct hash_ctx {
	struct vg_query *q;
	struct vg_strbuf parent; /* scratch for the split directory */
	struct vg_digest *dg;	 /* the digests whose columns are read; NULL: none */
	dev_t last_dev;		 /* the device last checked by hash_is_pseudo() */
	bool last_pseudo;	 /* and its verdict */
	bool has_last;
};

/* Sets up the digests whose columns are read. Returns 0 or -ENOMEM. */
static int hash_ctx_init(struct hash_ctx *hc, struct vg_query *q)
{
	unsigned which = 0;

	memset(hc, 0, sizeof(*hc));
	hc->q = q;
	vg_strbuf_init(&hc->parent);
	for (size_t i = 0; i < N_DIGESTS; i++)
		if (vg_query_col_used(q, digests[i].col))
			which |= digests[i].bit;
	return which ? vg_digest_new(which, &hc->dg) : 0;
}

static void hash_ctx_release(struct hash_ctx *hc)
{
	vg_digest_free(hc->dg);
	vg_strbuf_release(&hc->parent);
}

/* Whether @fd (on device @dev) is on a kernel pseudo file system; cached per device. */
static bool hash_is_pseudo(struct hash_ctx *hc, int fd, dev_t dev)
{
	struct statfs sf;

	if (hc->has_last && hc->last_dev == dev)
		return hc->last_pseudo;
	hc->has_last = true;
	hc->last_dev = dev;
	hc->last_pseudo =
	    fstatfs(fd, &sf) == 0 && (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == SYSFS_MAGIC ||
				      sf.f_type == DEBUGFS_MAGIC || sf.f_type == TRACEFS_MAGIC ||
				      sf.f_type == SECURITYFS_MAGIC || sf.f_type == BPF_FS_MAGIC);
	return hc->last_pseudo;
}

/* One row for entry @e if it is a regular file; else none. */
static int hash_file(void *arg, const struct vg_path_entry *e)
{
	struct hash_ctx *hc = arg;
	struct vg_query *q = hc->q;
	int dirfd = e->dirfd;
	const char *name = e->name, *base;
	unsigned char d_type = e->d_type;
	size_t base_len;
	struct stat st;
	int fd = -1;

	if (d_type != DT_REG && d_type != DT_LNK && d_type != DT_UNKNOWN)
		goto out;
	if (d_type != DT_REG && (fstatat(dirfd, name, &st, 0) < 0 || !S_ISREG(st.st_mode)))
		goto out;
	fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	if (hc->dg &&
	    vg_digest_fd(hc->dg, fd, hash_is_pseudo(hc, fd, st.st_dev) ? PSEUDO_MAX_BYTES : 0) < 0)
		goto out;
	vg_row_begin(q);
	vg_row_textn(q, C_PATH, e->path, e->len);
	if (e->dir_text)
		vg_row_text(q, C_DIRECTORY, e->dir_text);
	else
		vg_path_row_directory(q, C_DIRECTORY, e->path, &hc->parent, &base, &base_len);
	for (size_t i = 0; i < N_DIGESTS && hc->dg; i++)
		vg_row_text(q, digests[i].col, vg_digest_hex(hc->dg, digests[i].bit));
	vg_row_int(q, C_PID_WITH_NAMESPACE, 0);
	vg_row_end(q);
out:
	if (fd >= 0)
		close(fd);
	return 0;
}

static int hash_generate(struct vg_query *q)
{
	struct hash_ctx hc;
	int err;

	err = hash_ctx_init(&hc, q);
	if (!err)
		err = vg_path_query(q, "hash", C_PATH, C_DIRECTORY, 0, hash_file, &hc);
	hash_ctx_release(&hc);
	return err;
}

const struct vg_table vg_table_hash = {
	.name = "hash",
	.description = "Filesystem hash data",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 10000,
	.est_cost = 1000000,
	.generate = hash_generate,
};
