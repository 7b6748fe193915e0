// SPDX-License-Identifier: Apache-2.0
/*
 * pwlist.h - the user accounts a query selects, copied out of the passwd
 * database, for the users table and the per-user file tables
 * (authorized_keys, shell_history).
 */
#ifndef VIGIL_PWLIST_H
#define VIGIL_PWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_query;

/* One account; the strings live in the entry's own allocation. */
struct vg_pwent {
	uint32_t uid, gid;
	const char *name, *gecos, *dir, *shell;
	char *buf; /* owns the strings above */
};

/* A growing array of accounts; VG_PWLIST_INIT or zeroed before use. */
struct vg_pwlist {
	struct vg_pwent *v;
	size_t n, alloc;
};
#define VG_PWLIST_INIT                        \
	{                                     \
		.v = NULL, .n = 0, .alloc = 0 \
	}

/* Which accounts to collect. */
struct vg_pw_select {
	int uid_col;	     /* column whose `=` values are uids, or -1 */
	int name_col;	     /* column whose `=` values are user names, or -1 */
	bool include_remote; /* enumerate NSS (LDAP, systemd, ...) instead of <root>/etc/passwd */
	const char *root;    /* "" for the host, or a /proc/<pid>/root prefix */
};

/*
 * Appends to @out the accounts @q selects: with `=` on the uid column, one
 * getpwuid_r() per value (then the name column likewise with getpwnam_r());
 * otherwise every entry of <root>/etc/passwd, or of NSS with include_remote.
 * Inside a namespace root the file is scanned and filtered instead of asking
 * the host's NSS. A NULL `=` value selects nothing. Returns 0 or -errno (a
 * missing passwd file is 0 with no entries). @q is borrowed.
 */
int vg_pwlist_collect(const struct vg_query *q, const struct vg_pw_select *sel,
		      struct vg_pwlist *out);

/* Frees every entry; @l is reusable (empty) afterwards. */
void vg_pwlist_release(struct vg_pwlist *l);

#endif
