// SPDX-License-Identifier: Apache-2.0
/*
 * groups.c - the `groups` table: the system's groups (osquery's columns).
 *
 * HOW IT WORKS: `gid =` is one getgrgid_r() per value. Otherwise NSS is
 * enumerated with getgrent_r() (what `getent group` lists); its cursor is
 * process-global, so the walk holds a mutex. With `pid_with_namespace = N`
 * the group file of that process's mount namespace is read with
 * fgetgrent_r() instead. Buffers grow on ERANGE up to 1 MiB (a group with
 * thousands of members); a bigger entry ends the walk.
 */
#include "vigil/table.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"

#define GRP_BUF_START_BYTES 16384u
#define GRP_BUF_MAX_BYTES   (1024u * 1024u)

enum { C_GID, C_GID_SIGNED, C_GROUPNAME, C_PID_WITH_NAMESPACE };

static const struct vg_column columns[] = {
	[C_GID] = { "gid", VG_TYPE_BIGINT, VG_COL_INDEX, "Unsigned int64 group ID" },
	[C_GID_SIGNED] = { "gid_signed", VG_TYPE_BIGINT, 0, "A signed int64 version of gid" },
	[C_GROUPNAME] = { "groupname", VG_TYPE_TEXT, 0, "Canonical local group name" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
};

/* Guards the process-global getgrent() cursor. */
static pthread_mutex_t grp_nss_lock = PTHREAD_MUTEX_INITIALIZER;

/* A growable lookup buffer. */
struct grp_buf {
	char *p;
	size_t size;
};

/* Doubles @b (up to the cap). Returns false when it cannot grow. */
static bool grp_grow(struct grp_buf *b)
{
	size_t size = b->size ? b->size * 2 : GRP_BUF_START_BYTES;
	char *p;

	if (size > GRP_BUF_MAX_BYTES)
		return false;
	p = realloc(b->p, size);
	if (!p)
		return false;
	b->p = p;
	b->size = size;
	return true;
}

static void grp_emit(struct vg_query *q, const struct group *gr, int64_t ns_pid)
{
	vg_row_begin(q);
	vg_row_int(q, C_GID, gr->gr_gid);
	vg_row_int(q, C_GID_SIGNED, (int32_t)gr->gr_gid);
	vg_row_text(q, C_GROUPNAME, gr->gr_name ? gr->gr_name : "");
	if (ns_pid)
		vg_row_int(q, C_PID_WITH_NAMESPACE, ns_pid);
	vg_row_end(q);
}

/* One getgrgid_r() per `gid =` value. */
static void grp_lookups(struct vg_query *q, struct grp_buf *b)
{
	size_t pos = 0;
	uint32_t gid;

	while (vg_cfg_next_id(q, C_GID, &pos, &gid)) {
		struct group gr, *res = NULL;
		int rc;

		while ((rc = getgrgid_r((gid_t)gid, &gr, b->p, b->size, &res)) == ERANGE &&
		       grp_grow(b))
			;
		if (rc == 0 && res)
			grp_emit(q, res, 0);
	}
}

/* Whether @gid passes the `gid =` constraints (while enumerating). */
static bool grp_selected(const struct vg_query *q, uint32_t gid)
{
	size_t pos = 0;
	uint32_t want;

	if (!vg_cfg_has_eq(q, C_GID))
		return true;
	while (vg_cfg_next_id(q, C_GID, &pos, &want))
		if (want == gid)
			return true;
	return false;
}

/* Every NSS group. */
static void grp_scan_nss(struct vg_query *q, struct grp_buf *b)
{
	struct group gr, *res;
	int rc;

	pthread_mutex_lock(&grp_nss_lock);
	setgrent();
	for (;;) {
		rc = getgrent_r(&gr, b->p, b->size, &res);
		if (rc == ERANGE && grp_grow(b))
			continue;
		if (rc || !res)
			break;
		if (grp_selected(q, res->gr_gid))
			grp_emit(q, res, 0);
	}
	endgrent();
	pthread_mutex_unlock(&grp_nss_lock);
}

/* Every group of <root>/etc/group; an unreadable file gives no rows. */
static void grp_scan_file(struct vg_query *q, const struct vg_cfg_root *root, struct grp_buf *b)
{
	struct group gr, *res;
	char path[96];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/etc/group", root->path);
	f = fopen(path, "re");
	if (!f)
		return;
	for (;;) {
		/* On ERANGE glibc rewinds to the line start, so retry it larger. */
		rc = fgetgrent_r(f, &gr, b->p, b->size, &res);
		if (rc == ERANGE && grp_grow(b))
			continue;
		if (rc || !res)
			break;
		if (grp_selected(q, res->gr_gid))
			grp_emit(q, res, root->pid);
	}
	fclose(f);
}

static int groups_generate(struct vg_query *q)
{
	struct grp_buf b = { NULL, 0 };
	struct vg_cfg_root root = { 0 };
	int err = 0;

	if (!grp_grow(&b)) {
		err = -ENOMEM;
		goto out;
	}
	while (vg_cfg_next_root(q, C_PID_WITH_NAMESPACE, &root)) {
		if (root.pid)
			grp_scan_file(q, &root, &b);
		else if (vg_cfg_has_eq(q, C_GID))
			grp_lookups(q, &b);
		else
			grp_scan_nss(q, &b);
	}
out:
	free(b.p);
	return err;
}

const struct vg_table vg_table_groups = {
	.name = "groups",
	.description = "Local system groups",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 60,
	.est_cost = 300,
	.generate = groups_generate,
};
