// SPDX-License-Identifier: Apache-2.0
/*
 * strbuf.c - growable strings (see include/vigil/strbuf.h for the contract).
 */
#include "vigil/strbuf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/log.h"

char vg_strbuf_empty[1];

void vg_strbuf_init(struct vg_strbuf *sb)
{
	sb->alloc = 0;
	sb->len = 0;
	sb->buf = vg_strbuf_empty;
}

void vg_strbuf_release(struct vg_strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	vg_strbuf_init(sb);
}

char *vg_strbuf_detach(struct vg_strbuf *sb, size_t *len)
{
	char *p;

	if (!sb->alloc)
		vg_strbuf_grow(sb, 0);
	p = sb->buf;
	if (len)
		*len = sb->len;
	vg_strbuf_init(sb);
	return p;
}

void vg_strbuf_grow(struct vg_strbuf *sb, size_t extra)
{
	size_t want;
	char *p;

	if (extra > SIZE_MAX / 2 - sb->len)
		vg_panic("strbuf: size overflow");
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return;
	if (want < sb->alloc * 2)
		want = sb->alloc * 2;
	if (want < 64)
		want = 64;
	p = realloc(sb->alloc ? sb->buf : NULL, want);
	if (!p)
		vg_panic("strbuf: out of memory (%zu bytes)", want);
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = want;
}

void vg_strbuf_add(struct vg_strbuf *sb, const void *data, size_t len)
{
	vg_strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void vg_strbuf_addstr(struct vg_strbuf *sb, const char *s)
{
	vg_strbuf_add(sb, s, strlen(s));
}

void vg_strbuf_addch(struct vg_strbuf *sb, char c)
{
	vg_strbuf_add(sb, &c, 1);
}

void vg_strbuf_addf(struct vg_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->alloc ? sb->alloc - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		vg_panic("strbuf: bad format");
	if (sb->alloc && (size_t)n < sb->alloc - sb->len) {
		sb->len += (size_t)n;
		return;
	}
	vg_strbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		vg_panic("strbuf: bad format");
	sb->len += (size_t)n;
}

void vg_strbuf_reset(struct vg_strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void vg_strbuf_rtrim(struct vg_strbuf *sb)
{
	while (sb->len && isspace((unsigned char)sb->buf[sb->len - 1]))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}
