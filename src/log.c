// SPDX-License-Identifier: Apache-2.0
/*
 * log.c - vg_log(): one line per message on stderr, "vigil: level: message".
 *
 * The threshold is an atomic read by every thread; a message is formatted
 * into a local buffer and written with one write(2) so lines from several
 * threads never interleave. Messages longer than the buffer are cut with a
 * marker. The daemon will add its status-log sink here.
 */
#include "vigil/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Atomic int log_level = VG_LOG_WARN;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void vg_log_set_level(enum vg_log_level level)
{
	atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

bool vg_log_enabled(enum vg_log_level level)
{
	return (int)level >= 0 &&
	       (int)level <= atomic_load_explicit(&log_level, memory_order_relaxed);
}

static void log_write(enum vg_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void log_write(enum vg_log_level level, const char *fmt, va_list ap)
{
	char line[4096];
	size_t n;
	int k;

	k = snprintf(line, sizeof(line), "vigil: %s: ", level_names[level]);
	n = k > 0 ? (size_t)k : 0;
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (k < 0)
		k = 0;
	n += (size_t)k;
	if (n >= sizeof(line) - 1) {
		static const char cut[] = " [...]";

		n = sizeof(line) - sizeof(cut) - 1;
		memcpy(line + n, cut, sizeof(cut) - 1);
		n += sizeof(cut) - 1;
	}
	line[n++] = '\n';
	/* A lost log line has nowhere better to be reported. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

void vg_log(enum vg_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!vg_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_write(level, fmt, ap);
	va_end(ap);
}

void vg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(VG_LOG_ERROR, fmt, ap);
	va_end(ap);
	abort();
}
