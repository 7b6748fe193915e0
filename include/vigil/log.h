// SPDX-License-Identifier: Apache-2.0
/*
 * log.h - vigil's one logging entry point.
 *
 * Messages are lowercase, module first, no final period:
 * "config: cannot read /etc/vigil/vigil.conf: No such file or directory".
 * The shell prints WARN and ERROR to stderr (INFO and DEBUG too with
 * --verbose); the daemon will route the same calls to its status log.
 * Thread-safe: each call writes one line with one write(2).
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdbool.h>

enum vg_log_level {
	VG_LOG_NONE = -1, /* as a threshold: nothing at all (fuzzers) */
	VG_LOG_ERROR = 0,
	VG_LOG_WARN = 1,
	VG_LOG_INFO = 2,
	VG_LOG_DEBUG = 3,
};

/* Writes one message at @level if it passes the current threshold. */
void vg_log(enum vg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the most verbose level written (default VG_LOG_WARN). */
void vg_log_set_level(enum vg_log_level level);

/* Whether a message at @level would be written (to skip costly formatting). */
bool vg_log_enabled(enum vg_log_level level);

/* Logs and aborts: only for corrupted internal state. */
_Noreturn void vg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
