// SPDX-License-Identifier: Apache-2.0
/*
 * config.h - the JSON config (osquery's format and keys).
 *
 * A config is parsed and checked as a whole before anything uses it, so a
 * bad file is rejected with a message naming the key and never half-applied.
 * Known top-level keys: options, schedule, packs, decorators, file_paths,
 * file_paths_query, file_accesses, exclude_paths, yara, events, views,
 * auto_table_construction; `custom_*` keys are kept and ignored, other keys
 * are ignored with a warning (as osquery does). Comments (`//` and `#` lines)
 * are allowed, as osquery allows them.
 *
 * The config module also remembers the config in force for the process
 * (osquery_info's config_hash / config_valid); only vg_config_set_current()
 * writes it, on the main thread.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct vg_config;
struct json_t;

/*
 * Parses @len bytes of @text (from @origin, used in messages). On success
 * *@out receives a new config (free with vg_config_free()). On failure
 * returns -EINVAL and *@err a heap message such as
 * "config /etc/vigil/vigil.conf: line 3, column 5: ..." (caller frees).
 */
int vg_config_parse(const char *text, size_t len, const char *origin, struct vg_config **out,
		    char **err);

/* Reads and parses @path (at most 4 MiB, osquery's cap). As vg_config_parse(). */
int vg_config_load(const char *path, struct vg_config **out, char **err);

void vg_config_free(struct vg_config *cfg);

/*
 * Applies the "options" object to the flags (VG_FLAG_FROM_CONFIG). Unknown
 * options are warned about and skipped, as in osquery. Returns 0 or -EINVAL
 * with *@err set for a value of the wrong type.
 */
int vg_config_apply_options(const struct vg_config *cfg, char **err);

/* SHA-1 of the config text, hex (osquery's config_hash). Borrowed. */
const char *vg_config_hash(const struct vg_config *cfg);

/* The parsed document (borrowed, read-only). */
const struct json_t *vg_config_json(const struct vg_config *cfg);

/* Makes @cfg the process's config in force (takes ownership; NULL clears). */
void vg_config_set_current(struct vg_config *cfg);
/* The config in force, or NULL. Borrowed. */
const struct vg_config *vg_config_current(void);

#endif
