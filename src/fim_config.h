// SPDX-License-Identifier: Apache-2.0
/*
 * fim_config.h - osquery's FIM configuration (file_paths, exclude_paths,
 * file_accesses) compiled into watches for the publishers and a matcher for
 * the file_events subscriber.
 *
 * Pattern semantics (osquery's): `%` matches within one path component
 * (any characters but '/'), a last component `%%` matches everything below
 * the directory before it (not the directory itself), a trailing '/' means
 * the directory's direct children (as `/dir/%`), and a directory named
 * without a trailing '/' means the directory and its direct children. A
 * path without wildcards that names a file matches that file. `%%` anywhere
 * but at the end is an error. Exclusions are matched against both the
 * event's path and its parent directory.
 *
 * Where a pattern is watched: `/a/b/%%` at /a/b recursively; a wildcard in
 * the last component at the directory before it; a wildcard earlier
 * (`/home/%/.ssh/`) at the fixed prefix (/home) recursively, so directories
 * made later are covered; a file at its directory (editors replace files).
 *
 * A compiled config is immutable and may be read from any thread.
 */
#ifndef VIGIL_FIM_CONFIG_H
#define VIGIL_FIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "vigil/publisher.h"

struct json_t;
struct vg_fim_config;

/*
 * Compiles the FIM keys of a config document (NULL: an empty config).
 * Returns 0 and *@out (free with vg_fim_config_free()), or -EINVAL with
 * *@err a heap message naming the bad pattern.
 */
int vg_fim_config_compile(const struct json_t *root, struct vg_fim_config **out, char **err);
void vg_fim_config_free(struct vg_fim_config *c);

/* The watches the publishers should place (borrowed from @c). */
const struct vg_watch_set *vg_fim_config_watches(const struct vg_fim_config *c);

/* Number of categories, and the name of category @i. */
size_t vg_fim_config_n_categories(const struct vg_fim_config *c);
const char *vg_fim_config_category(const struct vg_fim_config *c, size_t i);
/* Whether category @i monitors accesses (file_accesses). */
bool vg_fim_config_accesses(const struct vg_fim_config *c, size_t i);

/*
 * Whether @path (@len bytes) belongs to category @i: one of its patterns
 * matches and no exclusion does.
 */
bool vg_fim_config_match(const struct vg_fim_config *c, size_t i, const char *path, size_t len);

/* Whether one osquery pattern matches @path (exposed for tests and fuzzing). */
bool vg_fim_pattern_match(const char *pattern, const char *path, size_t len);

#endif
