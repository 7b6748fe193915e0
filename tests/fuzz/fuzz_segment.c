// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the event store's files, the one input it reads
 * back from disk: the bytes become either a sealed segment's blob (behind a
 * header with correct checksums, so the stream directory, zstd frames and
 * column decoders are reached) or the records of a head left by a crash
 * (each with a correct length and CRC). The store is opened on them,
 * scanned column by column and closed (which seals the recovered head).
 * Anything must end in rows or a counted, logged rejection.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/codec.h"
#include "store/store_internal.h"
#include "vigil/log.h"
#include "vigil/store.h"

#define NCOLS  3
#define SCHEMA 0xf00d

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_file(const char *dir, const char *name, const void *a, size_t alen, const void *b,
		       size_t blen)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (write(fd, a, alen) != (ssize_t)alen || (blen && write(fd, b, blen) != (ssize_t)blen))
		abort();
	close(fd);
}

/* A sealed segment of @n_rows rows whose blob is the input. */
static void make_sealed(const char *dir, uint32_t n_rows, const uint8_t *blob, size_t len)
{
	uint8_t h[SEG_HEADER_BYTES] = { 0 };
	char name[64];

	memcpy(h, SEG_MAGIC, 8);
	vg__put_u32(h + 8, SEG_VERSION);
	vg__put_u32(h + 12, NCOLS);
	vg__put_u32(h + 16, n_rows);
	vg__put_u32(h + 20, vg__crc32c(0, blob, len));
	vg__put_u64(h + 24, SCHEMA);
	vg__put_u64(h + 32, 1);
	vg__put_u64(h + 40, n_rows);
	vg__put_u64(h + 48, 0);
	vg__put_u64(h + 56, 1000);
	vg__put_u64(h + 64, len);
	vg__put_u64(h + 72, len);
	vg__put_u32(h + 88, vg__crc32c(0, h, 88));
	snprintf(name, sizeof(name), "%020u-%020u.seg", 1u, n_rows);
	write_file(dir, name, h, sizeof(h), blob, len);
}

/* A crashed head: input chunks (u8 length + body) as records with good CRCs. */
static void make_head(const char *dir, const uint8_t *p, size_t len)
{
	uint8_t *out = calloc(1, len * 8 + 64); /* 8 header bytes per input byte at worst */
	size_t w = 0;

	while (len > 1) {
		size_t body = p[0] < len - 1 ? p[0] : len - 1;

		vg__put_u32(out + w, (uint32_t)body);
		vg__put_u32(out + w + 4, vg__crc32c(0, p + 1, body));
		memcpy(out + w + 8, p + 1, body);
		w += 8 + body;
		p += 1 + body;
		len -= 1 + body;
	}
	write_file(dir, "00000000000000000001.open", out, w ? w : 1, NULL, 0);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_store_options o = { .name = "fuzz", .n_columns = NCOLS, .schema_hash = SCHEMA };
	const struct vg_store_bounds all = VG_STORE_ALL_BOUNDS;
	char dir[] = "/tmp/vigil-fuzz-seg-XXXXXX";
	struct vg_store_scan *sc = NULL;
	struct vg_store *s = NULL;

	if (size < 3 || !mkdtemp(dir))
		return 0;
	vg_log_set_level(VG_LOG_NONE);
	if (data[0] & 1)
		make_head(dir, data + 1, size - 1);
	else
		make_sealed(dir, 1u + data[1] % 200u, data + 2, size - 2);
	o.dir = dir;
	if (vg_store_open(&o, &s) == 0) {
		if (vg_store_scan_open(s, &all, &sc) == 0) {
			while (vg_store_scan_next(sc) == 1) {
				struct vg_value v;

				for (size_t c = 0; c < NCOLS; c++)
					vg_store_scan_value(sc, c, &v);
			}
			vg_store_scan_close(sc);
		}
		vg_store_close(s);
	}
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}
