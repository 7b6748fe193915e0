// SPDX-License-Identifier: Apache-2.0
/*
 * sysctl_conf.h - the sysctl values a host configures at boot, as
 * systemd-sysctl and `sysctl --system` apply them, for the config_value
 * column of system_controls.
 */
#ifndef VIGIL_SYSCTL_CONF_H
#define VIGIL_SYSCTL_CONF_H

#include <stddef.h>

struct vg_sysctl_conf; /* opaque: a name -> value map */

/* The directories searched for *.conf, highest precedence first. */
extern const char *const vg_sysctl_conf_dirs[];
extern const size_t vg_sysctl_conf_n_dirs;

/*
 * Loads the configuration: every *.conf in @dirs (@n_dirs, highest
 * precedence first: a file name found in an earlier directory hides the same
 * name in later ones), applied in file-name order, then @conf_file (may be
 * NULL) last, so later assignments win. Missing or unreadable files are
 * skipped. *@out receives a new map (free with vg_sysctl_conf_free()).
 * Returns 0 or -ENOMEM.
 */
int vg_sysctl_conf_load(const char *const *dirs, size_t n_dirs, const char *conf_file,
			struct vg_sysctl_conf **out);

/*
 * Applies the lines of @text (a sysctl.conf(5) body: "name = value", '#' or
 * ';' comments, an optional leading '-', names with '/' separators) to @conf.
 * Names are stored in the dotted form system_controls uses, where a '.'
 * inside one /proc/sys component is written '/'. Returns 0 or -ENOMEM.
 */
int vg_sysctl_conf_parse(struct vg_sysctl_conf *conf, const char *text);

/*
 * The configured value of @name (dotted form), or NULL. Exact names win over
 * glob patterns ("net.ipv4.conf.*.rp_filter"). The pointer is borrowed from
 * @conf. Sorting happens on the first call after a change.
 */
const char *vg_sysctl_conf_get(struct vg_sysctl_conf *conf, const char *name);

/* Frees @conf; NULL is a no-op. */
void vg_sysctl_conf_free(struct vg_sysctl_conf *conf);

#endif
