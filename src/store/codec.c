// SPDX-License-Identifier: Apache-2.0
/*
 * codec.c - byte formats of the event store (see codec.h).
 *
 * CRC-32C uses the SSE4.2 instruction where the CPU has it (checked once)
 * and a table otherwise. Raw records are row-major and self-checking so a
 * head segment can be recovered after a crash by reading records until the
 * first invalid one. Sealed segments are column-major with delta-coded
 * integers, which is what lets zstd shrink typical event rows to a few
 * dozen bytes.
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

#include "vigil/strbuf.h"

static uint32_t crc_table[256];

static void crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_soft(uint32_t crc, const uint8_t *p, size_t len)
{
	if (!crc_table[1])
		crc_table_init();
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

uint32_t vg__crc32c(uint32_t crc, const void *data, size_t len)
{
	crc = ~crc;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return ~crc_hw(crc, data, len);
#endif
	return ~crc_soft(crc, data, len);
}

/* Two's-complement wrap-around arithmetic for deltas (no signed overflow). */
static int64_t wrap_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

size_t vg__record_bound(const struct vg_value *vals, size_t n)
{
	size_t bytes = VG_REC_HEADER + 16;

	for (size_t i = 0; i < n; i++)
		bytes += 1 + 10 + (vals[i].type == VG_VAL_TEXT ? vals[i].len : 0);
	return bytes;
}

size_t vg__record_encode(uint8_t *p, uint64_t eid, int64_t time_ns, const struct vg_value *vals,
			 size_t n)
{
	uint8_t *body = p + VG_REC_HEADER, *w = body + 16;

	vg__put_u64(body, eid);
	vg__put_u64(body + 8, (uint64_t)time_ns);
	for (size_t i = 0; i < n; i++) {
		*w++ = (uint8_t)vals[i].type;
		if (vals[i].type == VG_VAL_INT) {
			w += vg__put_varint(w, vg__zigzag(vals[i].v.i));
		} else if (vals[i].type == VG_VAL_TEXT) {
			w += vg__put_varint(w, vals[i].len);
			if (vals[i].len)
				memcpy(w, vals[i].v.s, vals[i].len);
			w += vals[i].len;
		}
	}
	vg__put_u32(p, (uint32_t)(w - body));
	vg__put_u32(p + 4, vg__crc32c(0, body, (size_t)(w - body)));
	return (size_t)(w - p);
}

size_t vg__record_check(const uint8_t *p, size_t avail, uint64_t *eid, int64_t *time_ns)
{
	uint32_t len;

	if (avail < VG_REC_HEADER + 16)
		return 0;
	len = vg__get_u32(p);
	if (len < 16 || len > avail - VG_REC_HEADER)
		return 0;
	if (vg__crc32c(0, p + VG_REC_HEADER, len) != vg__get_u32(p + 4))
		return 0;
	*eid = vg__get_u64(p + VG_REC_HEADER);
	*time_ns = (int64_t)vg__get_u64(p + VG_REC_HEADER + 8);
	return VG_REC_HEADER + len;
}

/* Reads one tagged value at *@p; false if malformed. */
static bool read_value(const uint8_t **p, const uint8_t *end, struct vg_value *out)
{
	uint64_t v;

	if (*p >= end)
		return false;
	switch (*(*p)++) {
	case VG_VAL_NULL:
		out->type = VG_VAL_NULL;
		out->len = 0;
		return true;
	case VG_VAL_INT:
		if (!vg__get_varint(p, end, &v))
			return false;
		out->type = VG_VAL_INT;
		out->len = 0;
		out->v.i = vg__unzigzag(v);
		return true;
	case VG_VAL_TEXT:
		if (!vg__get_varint(p, end, &v) || v > (uint64_t)(end - *p) || v > UINT32_MAX)
			return false;
		out->type = VG_VAL_TEXT;
		out->len = (uint32_t)v;
		out->v.s = (const char *)*p;
		*p += v;
		return true;
	default:
		return false;
	}
}

bool vg__record_value(const uint8_t *p, size_t n_cols, size_t col, struct vg_value *out)
{
	const uint8_t *end = p + VG_REC_HEADER + vg__get_u32(p);
	const uint8_t *r = p + VG_REC_HEADER + 16;

	if (col >= n_cols)
		return false;
	for (size_t i = 0; i <= col; i++)
		if (!read_value(&r, end, out))
			return false;
	return true;
}

int vg__colstream_init(struct vg_colstream_writer *w, size_t n_cols)
{
	w->n_cols = n_cols;
	w->streams = calloc(n_cols + 2, sizeof(*w->streams));
	w->prev = calloc(n_cols + 2, sizeof(*w->prev));
	if (!w->streams || !w->prev) {
		free(w->streams);
		free(w->prev);
		return -1;
	}
	for (size_t i = 0; i < n_cols + 2; i++)
		vg_strbuf_init(&w->streams[i]);
	return 0;
}

void vg__colstream_release(struct vg_colstream_writer *w)
{
	for (size_t i = 0; w->streams && i < w->n_cols + 2; i++)
		vg_strbuf_release(&w->streams[i]);
	free(w->streams);
	free(w->prev);
	w->streams = NULL;
	w->prev = NULL;
}

/* Room for @n more bytes at the end of @sb (the hot path: no call while it fits). */
static inline uint8_t *room(struct vg_strbuf *sb, size_t n)
{
	if (sb->len + n + 1 > sb->alloc)
		vg_strbuf_grow(sb, n);
	return (uint8_t *)sb->buf + sb->len;
}

/* Ends a write of @n bytes made at room(). */
static inline void wrote(struct vg_strbuf *sb, size_t n)
{
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static void add_varint(struct vg_strbuf *sb, uint64_t v)
{
	wrote(sb, vg__put_varint(room(sb, 10), v));
}

void vg__colstream_add(struct vg_colstream_writer *w, const uint8_t *rec)
{
	const uint8_t *end = rec + VG_REC_HEADER + vg__get_u32(rec);
	const uint8_t *r = rec + VG_REC_HEADER + 16;
	int64_t eid = (int64_t)vg__get_u64(rec + VG_REC_HEADER);
	int64_t t = (int64_t)vg__get_u64(rec + VG_REC_HEADER + 8);

	add_varint(&w->streams[0], vg__zigzag(wrap_sub(eid, w->prev[0])));
	w->prev[0] = eid;
	add_varint(&w->streams[1], vg__zigzag(wrap_sub(t, w->prev[1])));
	w->prev[1] = t;
	for (size_t i = 0; i < w->n_cols; i++) {
		struct vg_strbuf *sb = &w->streams[i + 2];
		struct vg_value v;

		uint8_t *o;
		size_t n;

		if (!read_value(&r, end, &v))
			v.type = VG_VAL_NULL; /* records were checked when written */
		/* One capacity check per value: tag, varint, and text. */
		o = room(sb, 1 + 10 + (v.type == VG_VAL_TEXT ? v.len : 0));
		o[0] = (uint8_t)v.type;
		n = 1;
		if (v.type == VG_VAL_INT) {
			n += vg__put_varint(o + 1, vg__zigzag(wrap_sub(v.v.i, w->prev[i + 2])));
			w->prev[i + 2] = v.v.i;
		} else if (v.type == VG_VAL_TEXT) {
			n += vg__put_varint(o + 1, v.len);
			if (v.len)
				memcpy(o + n, v.v.s, v.len);
			n += v.len;
		}
		wrote(sb, n);
	}
}

bool vg__colstream_decode_deltas(const uint8_t *p, const uint8_t *end, uint32_t n_rows,
				 int64_t *out)
{
	int64_t prev = 0;

	for (uint32_t r = 0; r < n_rows; r++) {
		uint64_t v;

		if (!vg__get_varint(&p, end, &v))
			return false;
		prev = wrap_add(prev, vg__unzigzag(v));
		out[r] = prev;
	}
	return true;
}

bool vg__colstream_decode(const uint8_t *p, const uint8_t *end, uint32_t n_rows,
			  struct vg_value *out)
{
	int64_t prev = 0;

	for (uint32_t r = 0; r < n_rows; r++) {
		if (!read_value(&p, end, &out[r]))
			return false;
		if (out[r].type == VG_VAL_INT) {
			prev = wrap_add(prev, out[r].v.i);
			out[r].v.i = prev;
		}
	}
	return true;
}
