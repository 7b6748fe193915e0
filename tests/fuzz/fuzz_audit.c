// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the audit record assembler (src/audit_assemble.c):
 * the input is lines "TYPE TEXT" (TYPE a netlink message type in decimal,
 * TEXT a record as the kernel writes it, "audit(...): ..."); a line without
 * a number gets a type from its first byte. The first byte also picks the
 * options (args_max, forks), the table holds 4 events so eviction runs, and
 * the clock advances per line so timeouts run. Events that come out are
 * checked for what the publisher relies on. Any input must end without a
 * crash, a hang or a leak.
 */
#include <assert.h>
#include <linux/audit.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "audit_assemble.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t args_max;

/* What a sink may rely on in an event. */
static void check(void *ctx, const struct vg_audit_event *ae)
{
	const struct vg_process_event *ev = &ae->ev;

	(void)ctx;
	assert(ev->path && ev->args && ev->comm && ev->syscall);
	assert(ev->args_len <= args_max);
	assert(strlen(ev->comm) <= 64);
	assert(!ev->cwd || memchr(ev->cwd, '\0', ev->cwd_len + 1));
	assert(ev->path[ev->path_len] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_audit_asm_options o = { .max_pending = 4, .timeout_ns = 1000 };
	const char *p = (const char *)data, *end = p + size;
	struct vg_audit_asm *a = NULL;
	int64_t now = 0;

	if (!size)
		return 0;
	o.args_max = (data[0] & 0x3f) ? (uint32_t)(data[0] & 0x3f) * 64 : 8192;
	o.forks = data[0] & 0x40;
	args_max = o.args_max;
	if (vg_audit_asm_new(&o, check, NULL, &a))
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end, *text = p;
		int type = 0;

		while (text < line_end && *text >= '0' && *text <= '9' && type < 100000)
			type = type * 10 + (*text++ - '0');
		if (text == p)
			type = AUDIT_SYSCALL + (unsigned char)*p % 28;
		else if (text < line_end && *text == ' ')
			text++;
		vg_audit_asm_feed(a, type, text, (size_t)(line_end - text), now);
		now += 300;
		if ((now / 300) % 8 == 0)
			vg_audit_asm_flush(a, now, false);
		p = line_end + (nl ? 1 : 0);
	}
	vg_audit_asm_flush(a, now, true);
	vg_audit_asm_free(a);
	return 0;
}
