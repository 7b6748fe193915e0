// SPDX-License-Identifier: Apache-2.0
/*
 * flags.h - vigil's flags: gflags-style `--name=value` options, a flagfile,
 * and a config's "options" object, all setting one process-wide registry.
 *
 * Every flag is declared once in include/vigil/flag_list.h. Values are read with the
 * typed getters; only this module stores them (callers set them through
 * vg_flags_set(), the argv parser or the flagfile loader). The registry is
 * meant to be set up on the main thread before other threads start; getters
 * may then be called from any thread.
 */
#ifndef VIGIL_FLAGS_H
#define VIGIL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_FLAG_SHELL (1u << 0) /* the shell's own flag */
#define VG_FLAG_CLI   (1u << 1) /* command line (and flagfile) only */

enum vg_flag_id {
#define VG_FLAG(name, type, dflt, scope, desc) VG_F_##name,
#include "vigil/flag_list.h"
#undef VG_FLAG
	VG_F__COUNT
};

enum vg_flag_type {
	VG_FLAG_BOOL,
	VG_FLAG_INT,
	VG_FLAG_STRING,
};

enum vg_flag_source {
	VG_FLAG_FROM_DEFAULT = 0,
	VG_FLAG_FROM_CLI,    /* command line or flagfile */
	VG_FLAG_FROM_CONFIG, /* a config's "options" */
};

struct vg_flag_info {
	const char *name;
	enum vg_flag_type type;
	const char *type_name; /* "bool", "int64", "string" */
	const char *description;
	const char *default_value;
	const char *value; /* current value as text (borrowed; valid until the next set) */
	unsigned scope;	   /* VG_FLAG_SHELL | VG_FLAG_CLI */
	enum vg_flag_source source;
};

bool vg_flag_bool(enum vg_flag_id id);
int64_t vg_flag_int(enum vg_flag_id id);
/* Borrowed, never NULL; valid until the flag is set again. */
const char *vg_flag_str(enum vg_flag_id id);

/* The id of flag @name, or -ENOENT. */
int vg_flags_find(const char *name);

/*
 * Sets flag @name from text. Booleans take true/false/1/0/yes/no/on/off.
 * A value from VG_FLAG_FROM_CONFIG does not replace one given on the command
 * line for a VG_FLAG_CLI flag. Returns 0, -ENOENT (unknown flag) or -EINVAL
 * (bad value); *@err receives a heap message (caller frees) on failure.
 */
int vg_flags_set(const char *name, const char *value, enum vg_flag_source source, char **err);

/*
 * Parses gflags-style arguments: `--name=value`, `--name value`, `--name`
 * (booleans), `--noname`, and single-dash forms of the same. Flags are removed
 * from @argv; the rest (positional arguments) are kept in order and *@argc is
 * updated. `--` ends flag parsing. A `--flagfile` is loaded where it appears.
 * Returns 0 or a negative errno with *@err set (caller frees).
 */
int vg_flags_parse_argv(int *argc, char **argv, char **err);

/*
 * Loads a flagfile: one flag per line (`--name=value`), blank lines and lines
 * starting with '#' ignored. Returns 0 or a negative errno with *@err set.
 */
int vg_flags_load_file(const char *path, char **err);

/* Number of flags, and the description of flag @i (0 <= i < count). */
size_t vg_flags_count(void);
void vg_flags_info(size_t i, struct vg_flag_info *info);

/* Restores every default (tests). */
void vg_flags_reset(void);

/*
 * Changes flag @name's default for this program (the shell's
 * --disable_events=true, say); a value set since stays. Returns 0 or -errno.
 */
int vg_flags_set_default(const char *name, const char *value);

#endif
