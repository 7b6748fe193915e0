// SPDX-License-Identifier: Apache-2.0
/*
 * strbuf.h - a growable string buffer with git's strbuf contract.
 *
 * `buf` is never NULL and always NUL-terminated: after VG_STRBUF_INIT or
 * vg_strbuf_init() it points at a shared empty string until the first append.
 * The struct owns its heap buffer; vg_strbuf_release() frees it and leaves the
 * struct reusable; vg_strbuf_detach() hands the buffer (heap, caller frees)
 * out. Allocation failure aborts: strings here are small and bounded by the
 * caller, and a half-built string is never useful.
 */
#ifndef VIGIL_STRBUF_H
#define VIGIL_STRBUF_H

#include <stddef.h>

struct vg_strbuf {
	size_t alloc; /* bytes allocated, 0 while buf is the shared empty string */
	size_t len;   /* bytes used, not counting the NUL */
	char *buf;
};

extern char vg_strbuf_empty[];
#define VG_STRBUF_INIT                                       \
	{                                                    \
		.alloc = 0, .len = 0, .buf = vg_strbuf_empty \
	}

void vg_strbuf_init(struct vg_strbuf *sb);
void vg_strbuf_release(struct vg_strbuf *sb);
/* Gives ownership of the heap buffer to the caller (never NULL) and resets @sb. */
char *vg_strbuf_detach(struct vg_strbuf *sb, size_t *len);
void vg_strbuf_grow(struct vg_strbuf *sb, size_t extra);
void vg_strbuf_add(struct vg_strbuf *sb, const void *data, size_t len);
void vg_strbuf_addstr(struct vg_strbuf *sb, const char *s);
void vg_strbuf_addch(struct vg_strbuf *sb, char c);
void vg_strbuf_addf(struct vg_strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vg_strbuf_reset(struct vg_strbuf *sb);
/* Drops trailing ASCII whitespace. */
void vg_strbuf_rtrim(struct vg_strbuf *sb);

#endif
