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

#include <openssl/evp.h>

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
#define READ_BYTES	 (1024 * 1024)
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

/* The digest columns, in column order. */
static const struct {
	int col;
	const char *name; /* OpenSSL's */
} digests[] = {
	{ C_MD5, "MD5" },
	{ C_SHA1, "SHA1" },
	{ C_SHA256, "SHA256" },
};

#define N_DIGESTS VG_ARRAY_SIZE(digests)

struct hash_ctx {
	struct vg_query *q;
	struct vg_strbuf parent; /* scratch for the split directory */
	unsigned char *buf;	 /* READ_BYTES, heap */
	EVP_MD *md[N_DIGESTS];	 /* NULL: column not read */
	EVP_MD_CTX *mdctx[N_DIGESTS];
	char hex[N_DIGESTS][2 * EVP_MAX_MD_SIZE + 1];
	dev_t last_dev;	  /* the device last checked by hash_is_pseudo() */
	bool last_pseudo; /* and its verdict */
	bool has_last;
};

/* Fetches the digests whose columns are read. Returns 0 or -ENOMEM. */
static int hash_ctx_init(struct hash_ctx *hc, struct vg_query *q)
{
	memset(hc, 0, sizeof(*hc));
	hc->q = q;
	vg_strbuf_init(&hc->parent);
	for (size_t i = 0; i < N_DIGESTS; i++) {
		if (!vg_query_col_used(q, digests[i].col))
			continue;
		hc->md[i] = EVP_MD_fetch(NULL, digests[i].name, NULL);
		hc->mdctx[i] = EVP_MD_CTX_new();
		if (!hc->md[i] || !hc->mdctx[i])
			return -ENOMEM;
		if (!hc->buf)
			hc->buf = malloc(READ_BYTES);
		if (!hc->buf)
			return -ENOMEM;
	}
	return 0;
}

static void hash_ctx_release(struct hash_ctx *hc)
{
	for (size_t i = 0; i < N_DIGESTS; i++) {
		EVP_MD_CTX_free(hc->mdctx[i]);
		EVP_MD_free(hc->md[i]);
	}
	free(hc->buf);
	vg_strbuf_release(&hc->parent);
}

static void to_hex(const unsigned char *d, unsigned len, char *out)
{
	static const char hexd[] = "0123456789abcdef";

	for (unsigned i = 0; i < len; i++) {
		out[2 * i] = hexd[d[i] >> 4];
		out[2 * i + 1] = hexd[d[i] & 15];
	}
	out[2 * len] = '\0';
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

/*
 * Reads @fd to the end (at most @max_bytes, 0: no cap) into the digests in
 * use, into hc->hex. Returns 0, -EFBIG past the cap, or -errno.
 */
static int hash_fd(struct hash_ctx *hc, int fd, uint64_t max_bytes)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	uint64_t total = 0;
	unsigned md_len;
	bool any = false;

	for (size_t i = 0; i < N_DIGESTS; i++) {
		if (hc->md[i] && !EVP_DigestInit_ex2(hc->mdctx[i], hc->md[i], NULL))
			return -ENOMEM;
		any |= hc->md[i] != NULL;
	}
	if (!any)
		return 0;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = read(fd, hc->buf, READ_BYTES);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (max_bytes && total > max_bytes)
			return -EFBIG;
		for (size_t i = 0; i < N_DIGESTS; i++)
			if (hc->md[i] && !EVP_DigestUpdate(hc->mdctx[i], hc->buf, (size_t)n))
				return -EIO;
	}
	for (size_t i = 0; i < N_DIGESTS; i++) {
		if (!hc->md[i])
			continue;
		if (!EVP_DigestFinal_ex(hc->mdctx[i], md, &md_len))
			return -EIO;
		to_hex(md, md_len, hc->hex[i]);
	}
	return 0;
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
	if (hash_fd(hc, fd, hash_is_pseudo(hc, fd, st.st_dev) ? PSEUDO_MAX_BYTES : 0) < 0)
		goto out;
	vg_row_begin(q);
	vg_row_textn(q, C_PATH, e->path, e->len);
	if (e->dir_text)
		vg_row_text(q, C_DIRECTORY, e->dir_text);
	else
		vg_path_row_directory(q, C_DIRECTORY, e->path, &hc->parent, &base, &base_len);
	for (size_t i = 0; i < N_DIGESTS; i++)
		if (hc->md[i])
			vg_row_text(q, digests[i].col, hc->hex[i]);
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
