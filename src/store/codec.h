// SPDX-License-Identifier: Apache-2.0
/*
 * codec.h - the event store's byte formats: varints, CRC-32C, the raw row
 * record of a head segment, and the column streams of a sealed one.
 * Private to src/store/ and its tests.
 */
#ifndef VIGIL_STORE_CODEC_H
#define VIGIL_STORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil/store.h"

struct vg_strbuf;

/* CRC-32C (Castagnoli) of @len bytes, continuing from @crc (start with 0). */
uint32_t vg__crc32c(uint32_t crc, const void *data, size_t len);

/* Little-endian fixed-width fields of the store's formats (x86-64, aarch64). */
static inline void vg__put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline void vg__put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static inline uint32_t vg__get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t vg__get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t vg__zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t vg__unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Writes @v as a LEB128 varint at @p (up to 10 bytes); returns the bytes written. */
static inline size_t vg__put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint from [*@p, @end); false if truncated or overlong. */
static inline bool vg__get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/*
 * Raw record (head segments), little-endian:
 *   u32 body_len, u32 crc32c(body), body = { u64 eid, i64 time_ns,
 *   per column: u8 tag (0 NULL, 1 int, 2 text), then a zigzag varint (int)
 *   or a varint length and the bytes (text) }.
 * A body_len of 0 marks the end of the records written so far.
 */
#define VG_REC_HEADER 8u

/* Upper bound of the encoded size of a row. */
size_t vg__record_bound(const struct vg_value *vals, size_t n);

/* Encodes a row at @p (room: vg__record_bound()); returns the record's bytes. */
size_t vg__record_encode(uint8_t *p, uint64_t eid, int64_t time_ns, const struct vg_value *vals,
			 size_t n);

/*
 * Checks the record at @p (at most @avail bytes) and returns its total size,
 * or 0 if there is no valid record there (end of data, torn or corrupt).
 * On success *@eid and *@time_ns are set.
 */
size_t vg__record_check(const uint8_t *p, size_t avail, uint64_t *eid, int64_t *time_ns);

/*
 * Decodes column @col of the record at @p (known valid, @n_cols columns).
 * Text points into the record.
 */
bool vg__record_value(const uint8_t *p, size_t n_cols, size_t col, struct vg_value *out);

/*
 * Column streams (sealed segments): for each column one stream of values in
 * row order: u8 tag, then for ints a zigzag varint of the difference from
 * the previous int of the column, for text a varint length and the bytes.
 * The eid and time columns are streams of zigzag varint deltas.
 */
struct vg_colstream_writer {
	struct vg_strbuf *streams; /* n_cols + 2: eid, time, payload columns */
	int64_t *prev;		   /* previous int per stream, for deltas */
	size_t n_cols;
};

int vg__colstream_init(struct vg_colstream_writer *w, size_t n_cols);
void vg__colstream_release(struct vg_colstream_writer *w);
/* Adds the row of the raw record at @rec. */
void vg__colstream_add(struct vg_colstream_writer *w, const uint8_t *rec);
/*
 * Decodes a stream of zigzag varint deltas (the eid and time streams) into
 * @n_rows values. False if malformed.
 */
bool vg__colstream_decode_deltas(const uint8_t *p, const uint8_t *end, uint32_t n_rows,
				 int64_t *out);

/* Decodes a whole payload column stream into @out (n_rows values). False if malformed. */
bool vg__colstream_decode(const uint8_t *p, const uint8_t *end, uint32_t n_rows,
			  struct vg_value *out);

#endif
