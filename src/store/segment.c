// SPDX-License-Identifier: Apache-2.0
/*
 * segment.c - the event store's segments: heads that take appends, and
 * sealed segments (column streams compressed with zstd).
 *
 * HOW IT WORKS: a head is a preallocated file (posix_fallocate, so a full
 * disk shows up here and never as SIGBUS later) mapped MAP_SHARED: records
 * written into the mapping are in the page cache at once and survive a
 * crash of the process; an anonymous mapping stands in when the store is
 * memory only. Sealing re-lays the records as column streams, compresses
 * them, writes "<first>-<last>.seg" through a temporary file, fsync and
 * rename, and only then is the head's file removed, so at every instant
 * each row is in at least one complete file.
 *
 * Sealed file layout: a 96-byte header (magic, version, column count, row
 * count, schema hash, eid and time ranges, payload sizes, CRC-32C of the
 * compressed payload, CRC-32C of the header itself), then the payload. A
 * file whose magic, version, schema, sizes or checksums do not match is
 * reported as corrupt to the caller, which sets it aside.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "codec.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

#define ZSTD_LEVEL 3

void vg__seg_ref(struct seg *g)
{
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

void vg__seg_unref(struct seg *g)
{
	if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (g->raw_mapped)
		munmap(g->raw, g->raw_cap);
	free(g->blob);
	free(g->path);
	free(g);
}

static struct seg *seg_alloc(enum seg_kind kind)
{
	struct seg *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	atomic_init(&g->refs, 1);
	g->kind = kind;
	g->min_time = INT64_MAX;
	g->max_time = INT64_MIN;
	return g;
}

/* Maps a fresh head file of @cap bytes; -ENOSPC and friends when the disk refuses. */
static int head_file(struct vg_store *s, size_t cap, struct seg *g)
{
	char name[64];
	int fd, err;
	void *p;

	snprintf(name, sizeof(name), "%020llu.open", (unsigned long long)s->next_eid);
	fd = openat(s->dir_fd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	err = -posix_fallocate(fd, 0, (off_t)cap);
	if (!err) {
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			err = -errno;
		else
			g->raw = p;
	}
	close(fd);
	if (err) {
		unlinkat(s->dir_fd, name, 0);
		return err;
	}
	if (asprintf(&g->path, "%s", name) < 0) {
		munmap(g->raw, cap);
		unlinkat(s->dir_fd, name, 0);
		return -ENOMEM;
	}
	return 0;
}

int vg__seg_new_head(struct vg_store *s, size_t min_bytes, struct seg **out)
{
	size_t cap = min_bytes > s->seg_bytes ? min_bytes : s->seg_bytes;
	struct seg *g = seg_alloc(SEG_RAW);
	int err = 0;

	if (!g)
		return -ENOMEM;
	cap = (cap + 4095) & ~(size_t)4095;
	if (s->persistent) {
		err = head_file(s, cap, g);
		if (err) {
			vg_log(VG_LOG_ERROR,
			       "store: %s: cannot create a segment in %s: %s; keeping events in "
			       "memory only",
			       s->name, s->dir, strerror(-err));
			s->persistent = false;
		}
	}
	if (!g->raw) {
		void *p =
		    mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			free(g);
			return -ENOMEM;
		}
		g->raw = p;
	}
	g->raw_mapped = true;
	g->raw_cap = cap;
	*out = g;
	return 0;
}

int vg__seg_recover_raw(struct vg_store *s, const char *file, struct seg **out)
{
	struct seg *g = seg_alloc(SEG_RAW);
	struct stat st;
	size_t off = 0;
	int fd = -1, err = 0;
	void *p;

	if (!g)
		return -ENOMEM;
	fd = openat(s->dir_fd, file, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (st.st_size < (off_t)VG_REC_HEADER) {
		err = -ENODATA;
		goto out;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	g->raw = p;
	g->raw_cap = (size_t)st.st_size;
	g->raw_mapped = true;
	for (;;) {
		uint64_t eid;
		int64_t t;
		size_t n = vg__record_check(g->raw + off, g->raw_cap - off, &eid, &t);

		if (!n || (g->n_rows && eid != g->last_eid + 1))
			break;
		if (!g->n_rows)
			g->first_eid = eid;
		g->last_eid = eid;
		g->min_time = t < g->min_time ? t : g->min_time;
		g->max_time = t > g->max_time ? t : g->max_time;
		g->n_rows++;
		off += n;
	}
	g->raw_used = off;
	if (!g->n_rows)
		err = -ENODATA;
	else if (asprintf(&g->path, "%s", file) < 0)
		err = -ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	if (err) {
		vg__seg_unref(g);
		return err;
	}
	*out = g;
	return 0;
}

static void header_encode(const struct vg_store *s, const struct seg *g, uint8_t *h)
{
	memset(h, 0, SEG_HEADER_BYTES);
	memcpy(h, SEG_MAGIC, 8);
	vg__put_u32(h + 8, SEG_VERSION);
	vg__put_u32(h + 12, (uint32_t)s->n_cols);
	vg__put_u32(h + 16, g->n_rows);
	vg__put_u32(h + 20, g->payload_crc);
	vg__put_u64(h + 24, s->schema_hash);
	vg__put_u64(h + 32, g->first_eid);
	vg__put_u64(h + 40, g->last_eid);
	vg__put_u64(h + 48, (uint64_t)g->min_time);
	vg__put_u64(h + 56, (uint64_t)g->max_time);
	vg__put_u64(h + 64, g->payload_len);
	vg__put_u64(h + 72, g->blob_len);
	vg__put_u32(h + 88, vg__crc32c(0, h, 88));
}

/* Fills @g from header @h; -EBADMSG if it is not one of ours for this store. */
static int header_decode(const struct vg_store *s, const uint8_t *h, struct seg *g)
{
	if (memcmp(h, SEG_MAGIC, 8) || vg__get_u32(h + 8) != SEG_VERSION ||
	    vg__get_u32(h + 88) != vg__crc32c(0, h, 88) || vg__get_u32(h + 12) != s->n_cols ||
	    vg__get_u64(h + 24) != s->schema_hash)
		return -EBADMSG;
	g->n_rows = vg__get_u32(h + 16);
	g->payload_crc = vg__get_u32(h + 20);
	g->first_eid = vg__get_u64(h + 32);
	g->last_eid = vg__get_u64(h + 40);
	g->min_time = (int64_t)vg__get_u64(h + 48);
	g->max_time = (int64_t)vg__get_u64(h + 56);
	g->payload_len = vg__get_u64(h + 64);
	g->blob_len = vg__get_u64(h + 72);
	if (!g->n_rows || g->last_eid < g->first_eid ||
	    g->last_eid - g->first_eid + 1 != g->n_rows || g->payload_len > SEG_MAX_PAYLOAD ||
	    g->blob_len > SEG_MAX_PAYLOAD)
		return -EBADMSG;
	return 0;
}

/* Writes header + blob to a new file durably; returns 0 or -errno. */
static int write_sealed(struct vg_store *s, struct seg *g, const char *name)
{
	uint8_t h[SEG_HEADER_BYTES];
	char tmp[96];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(s->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	header_encode(s, g, h);
	for (size_t off = 0, total = sizeof(h) + g->blob_len; off < total;) {
		const uint8_t *src = off < sizeof(h) ? h + off : g->blob + (off - sizeof(h));
		size_t len = off < sizeof(h) ? sizeof(h) - off : total - off;
		ssize_t n = write(fd, src, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	if (!err && fdatasync(fd) < 0)
		err = -errno;
	close(fd);
	if (!err && renameat(s->dir_fd, tmp, s->dir_fd, name) < 0)
		err = -errno;
	if (!err && fsync(s->dir_fd) < 0)
		err = -errno;
	if (err)
		unlinkat(s->dir_fd, tmp, 0);
	return err;
}

/*
 * Column streams of raw segment @raw, each compressed on its own into
 * @g->blob: u32 stream count, then per stream u64 compressed and u64 raw
 * length, then the zstd frames in order. A scan then decompresses only the
 * streams it reads (a count(*) reads the time stream alone).
 */
static int compress_raw(struct vg_store *s, const struct seg *raw, struct seg *g)
{
	struct vg_colstream_writer w;
	size_t off = 0, n, bound, dir;
	ZSTD_CCtx *cctx = NULL;
	int err = 0;

	if (vg__colstream_init(&w, s->n_cols))
		return -ENOMEM;
	while (off < raw->raw_used) {
		uint32_t len;

		memcpy(&len, raw->raw + off, 4);
		vg__colstream_add(&w, raw->raw + off);
		off += VG_REC_HEADER + len;
	}
	n = s->n_cols + 2;
	dir = 4 + 16 * n;
	bound = dir;
	for (size_t k = 0; k < n; k++)
		bound += ZSTD_compressBound(w.streams[k].len);
	g->blob = malloc(bound);
	cctx = ZSTD_createCCtx();
	if (!g->blob || !cctx) {
		err = -ENOMEM;
		goto out;
	}
	vg__put_u32(g->blob, (uint32_t)n);
	g->blob_len = dir;
	g->payload_len = 0;
	for (size_t k = 0; k < n; k++) {
		size_t c = ZSTD_compressCCtx(cctx, g->blob + g->blob_len, bound - g->blob_len,
					     w.streams[k].buf, w.streams[k].len, ZSTD_LEVEL);

		if (ZSTD_isError(c)) {
			err = -EIO;
			goto out;
		}
		vg__put_u64(g->blob + 4 + 16 * k, c);
		vg__put_u64(g->blob + 4 + 16 * k + 8, w.streams[k].len);
		g->blob_len += c;
		g->payload_len += w.streams[k].len;
	}
	g->payload_crc = vg__crc32c(0, g->blob, g->blob_len);
out:
	ZSTD_freeCCtx(cctx);
	vg__colstream_release(&w);
	return err;
}

int vg__seg_seal(struct vg_store *s, struct seg *raw, struct seg **out)
{
	struct seg *g = seg_alloc(SEG_SEALED);
	char name[64];
	bool persist;
	int err;

	if (!g)
		return -ENOMEM;
	g->first_eid = raw->first_eid;
	g->last_eid = raw->last_eid;
	g->min_time = raw->min_time;
	g->max_time = raw->max_time;
	g->n_rows = raw->n_rows;
	err = compress_raw(s, raw, g);
	if (err) {
		vg__seg_unref(g);
		return err;
	}
	pthread_mutex_lock(&s->lock);
	persist = s->persistent;
	pthread_mutex_unlock(&s->lock);
	if (persist) {
		snprintf(name, sizeof(name), "%020llu-%020llu.seg",
			 (unsigned long long)g->first_eid, (unsigned long long)g->last_eid);
		err = write_sealed(s, g, name);
		if (!err && asprintf(&g->path, "%s", name) < 0)
			err = -ENOMEM;
		if (err) {
			vg_log(
			    VG_LOG_ERROR,
			    "store: %s: cannot write segment %s/%s: %s; keeping events in memory "
			    "only",
			    s->name, s->dir, name, strerror(-err));
			pthread_mutex_lock(&s->lock);
			s->persistent = false;
			pthread_mutex_unlock(&s->lock);
		} else {
			free(g->blob); /* the file has it now */
			g->blob = NULL;
		}
	}
	*out = g;
	return 0;
}

/* Reads the whole of @fd's file into a heap buffer of exactly @len bytes at @off. */
static int pread_all(int fd, uint8_t *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EBADMSG;
		got += (size_t)n;
	}
	return 0;
}

int vg__seg_open_sealed(struct vg_store *s, const char *file, struct seg **out)
{
	struct seg *g = seg_alloc(SEG_SEALED);
	uint8_t h[SEG_HEADER_BYTES], *blob = NULL;
	struct stat st;
	int fd, err;

	if (!g)
		return -ENOMEM;
	fd = openat(s->dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	err = st.st_size < (off_t)SEG_HEADER_BYTES ? -EBADMSG : pread_all(fd, h, sizeof(h), 0);
	if (!err)
		err = header_decode(s, h, g);
	if (!err && (uint64_t)st.st_size != SEG_HEADER_BYTES + g->blob_len)
		err = -EBADMSG;
	if (!err) {
		blob = malloc(g->blob_len ? g->blob_len : 1);
		err = blob ? pread_all(fd, blob, g->blob_len, SEG_HEADER_BYTES) : -ENOMEM;
	}
	if (!err && vg__crc32c(0, blob, g->blob_len) != g->payload_crc)
		err = -EBADMSG;
	if (!err && asprintf(&g->path, "%s", file) < 0)
		err = -ENOMEM;
out:
	free(blob);
	if (fd >= 0)
		close(fd);
	if (err) {
		vg__seg_unref(g);
		return err;
	}
	*out = g;
	return 0;
}

/*
 * Parses the stream directory of @d->blob; false if it does not add up (the
 * streams' sizes must sum to the header's @payload_len, and each stream has
 * at least a byte per row).
 */
static bool parse_directory(struct vg_segdata *d, size_t n_expected, uint64_t payload_len,
			    uint32_t n_rows)
{
	uint64_t total = 0;
	size_t dir, off;

	if (d->blob_len < 4 || vg__get_u32(d->blob) != n_expected)
		return false;
	d->n_streams = (uint32_t)n_expected;
	dir = 4 + 16 * n_expected;
	if (d->blob_len < dir)
		return false;
	off = dir;
	for (size_t k = 0; k < n_expected; k++) {
		uint64_t c = vg__get_u64(d->blob + 4 + 16 * k),
			 r = vg__get_u64(d->blob + 12 + 16 * k);

		if (c > d->blob_len - off || r > payload_len || r < n_rows)
			return false;
		total += r;
		d->streams[k].off = off;
		d->streams[k].comp_len = c;
		d->streams[k].raw_len = r;
		off += c;
	}
	return off == d->blob_len && total == payload_len;
}

int vg__seg_data_open(struct vg_store *s, struct seg *g, struct vg_segdata **out)
{
	size_t n = s->n_cols + 2;
	struct vg_segdata *d = calloc(1, sizeof(*d) + n * sizeof(d->streams[0]));
	int fd = -1, err = 0;

	if (!d)
		return -ENOMEM;
	d->blob = g->blob;
	d->blob_len = g->blob_len;
	if (!d->blob) {
		fd = openat(s->dir_fd, g->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			err = -errno;
			goto out;
		}
		d->owned = malloc(g->blob_len ? g->blob_len : 1);
		err = d->owned ? pread_all(fd, d->owned, g->blob_len, SEG_HEADER_BYTES) : -ENOMEM;
		close(fd);
		if (!err && vg__crc32c(0, d->owned, g->blob_len) != g->payload_crc)
			err = -EBADMSG;
		if (err)
			goto out;
		d->blob = d->owned;
	}
	if (!parse_directory(d, n, g->payload_len, g->n_rows))
		err = -EBADMSG;
out:
	if (err) {
		vg__seg_data_free(d);
		return err;
	}
	*out = d;
	return 0;
}

int vg__seg_data_stream(struct vg_segdata *d, size_t k, const uint8_t **p, size_t *len)
{
	struct vg_segstream *st = &d->streams[k];
	size_t got;

	if (k >= d->n_streams)
		return -EINVAL;
	if (!st->raw) {
		/* The frame must say the size the directory says before we allocate it. */
		if (ZSTD_getFrameContentSize(d->blob + st->off, st->comp_len) != st->raw_len)
			return -EBADMSG;
		st->raw = malloc(st->raw_len ? st->raw_len : 1);
		if (!st->raw)
			return -ENOMEM;
		got = ZSTD_decompress(st->raw, st->raw_len, d->blob + st->off, st->comp_len);
		if (ZSTD_isError(got) || got != st->raw_len) {
			free(st->raw);
			st->raw = NULL;
			return -EBADMSG;
		}
	}
	*p = st->raw;
	*len = st->raw_len;
	return 0;
}

void vg__seg_data_free(struct vg_segdata *d)
{
	if (!d)
		return;
	for (uint32_t k = 0; k < d->n_streams; k++)
		free(d->streams[k].raw);
	free(d->owned);
	free(d);
}
