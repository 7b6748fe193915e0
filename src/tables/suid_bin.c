// SPDX-License-Identifier: Apache-2.0
/*
 * suid_bin.c - the `suid_bin` table: setuid and setgid binaries in the
 * directories osquery searches.
 *
 * HOW IT WORKS: as osquery, each of /bin, /sbin, /usr/bin, /usr/sbin,
 * /usr/local/bin, /usr/local/sbin and /tmp is walked recursively (the
 * directory itself may be a symlink, as /bin is on merged-/usr systems;
 * symlinked subdirectories are not entered, the glob module's `%%` walk
 * with its loop guard and depth cap). Every entry that is, or links to, a
 * regular file with S_ISUID or S_ISGID gives a row; `permissions` is "S"
 * for setuid and "G" for setgid ("SG" for both), and an owner without a
 * name is shown as its number, as osquery does. One fstatat() per entry,
 * relative to its directory's fd.
 */
#include "vigil/table.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "glob.h"
#include "util.h"

enum { C_PATH, C_USERNAME, C_GROUPNAME, C_PERMISSIONS, C_PID_WITH_NAMESPACE };

static const struct vg_column columns[] = {
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Binary path" },
	[C_USERNAME] = { "username", VG_TYPE_TEXT, 0, "Binary owner username" },
	[C_GROUPNAME] = { "groupname", VG_TYPE_TEXT, 0, "Binary owner group" },
	[C_PERMISSIONS] = { "permissions", VG_TYPE_TEXT, 0, "Binary permissions" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
};

static const char *const search_dirs[] = {
	"/bin/%%",	     "/sbin/%%",	   "/usr/bin/%%", "/usr/sbin/%%",
	"/usr/local/bin/%%", "/usr/local/sbin/%%", "/tmp/%%",
};

/* An owner's name, or its number when it has none. */
static void owner_col(struct vg_query *q, int col, unsigned id, bool is_user)
{
	char name[256];

	if (is_user)
		vg_user_name(id, name, sizeof(name));
	else
		vg_group_name(id, name, sizeof(name));
	if (name[0])
		vg_row_text(q, col, name);
	else
		vg_row_textf(q, col, "%u", id);
}

static int suid_hit(void *arg, const struct vg_glob_hit *hit)
{
	struct vg_query *q = arg;
	struct stat st;

	if (hit->d_type == DT_DIR || fstatat(hit->dirfd, hit->name, &st, 0) < 0)
		return 0;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & (S_ISUID | S_ISGID)))
		return 0;
	vg_row_begin(q);
	vg_row_textn(q, C_PATH, hit->path, hit->len);
	owner_col(q, C_USERNAME, st.st_uid, true);
	owner_col(q, C_GROUPNAME, st.st_gid, false);
	vg_row_textf(q, C_PERMISSIONS, "%s%s", (st.st_mode & S_ISUID) ? "S" : "",
		     (st.st_mode & S_ISGID) ? "G" : "");
	vg_row_int(q, C_PID_WITH_NAMESPACE, 0);
	vg_row_end(q);
	return 0;
}

static int suid_bin_generate(struct vg_query *q)
{
	for (size_t i = 0; i < VG_ARRAY_SIZE(search_dirs); i++)
		vg_glob(search_dirs[i], 0, suid_hit, q);
	return 0;
}

const struct vg_table vg_table_suid_bin = {
	.name = "suid_bin",
	.description = "suid binaries in common locations",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 30,
	.est_cost = 20000,
	.generate = suid_bin_generate,
};
