// SPDX-License-Identifier: Apache-2.0
/*
 * os_version.c - the `os_version` table: the distribution, one row.
 *
 * HOW IT WORKS: /etc/os-release (os-release(5): KEY=VALUE lines, values
 * optionally quoted) gives name (NAME), version (VERSION), build (BUILD_ID),
 * platform (ID), platform_like (ID_LIKE), codename (VERSION_CODENAME, else
 * any other *CODENAME* key) and major.minor.patch from VERSION_ID. Debian's
 * VERSION_ID holds only the major number, so on Debian the point release
 * comes from /etc/debian_version ("12.11" gives minor 11). arch is uname's
 * machine. Defaults follow osquery: name "Unknown", 0 for the numbers,
 * platform "posix".
 *
 * With `pid_with_namespace = N` the files are read below /proc/N/root (the
 * process's mount namespace, see nsroot.h) and mount_namespace_id is set.
 */
#include "vigil/table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "nsroot.h"
#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_NAME,
	C_VERSION,
	C_MAJOR,
	C_MINOR,
	C_PATCH,
	C_BUILD,
	C_PLATFORM,
	C_PLATFORM_LIKE,
	C_CODENAME,
	C_ARCH,
	C_EXTRA,
	C_INSTALL_DATE,
	C_REVISION,
	C_PID_WITH_NAMESPACE,
	C_MOUNT_NAMESPACE_ID,
};

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "Distribution or product name" },
	[C_VERSION] = { "version", VG_TYPE_TEXT, 0,
			"Pretty, suitable for presentation, OS version" },
	[C_MAJOR] = { "major", VG_TYPE_INTEGER, 0, "Major release version" },
	[C_MINOR] = { "minor", VG_TYPE_INTEGER, 0, "Minor release version" },
	[C_PATCH] = { "patch", VG_TYPE_INTEGER, 0, "Optional patch release" },
	[C_BUILD] = { "build", VG_TYPE_TEXT, 0, "Optional build-specific or variant string" },
	[C_PLATFORM] = { "platform", VG_TYPE_TEXT, 0, "OS Platform or ID" },
	[C_PLATFORM_LIKE] = { "platform_like", VG_TYPE_TEXT, 0, "Closely related platforms" },
	[C_CODENAME] = { "codename", VG_TYPE_TEXT, 0, "OS version codename" },
	[C_ARCH] = { "arch", VG_TYPE_TEXT, 0, "OS Architecture" },
	[C_EXTRA] = { "extra", VG_TYPE_TEXT, VG_COL_HIDDEN, "Extra release specification (macOS)" },
	[C_INSTALL_DATE] = { "install_date", VG_TYPE_BIGINT, VG_COL_HIDDEN,
			     "The install date of the OS (Windows)" },
	[C_REVISION] = { "revision", VG_TYPE_INTEGER, VG_COL_HIDDEN,
			 "Update Build Revision (Windows)" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
	[C_MOUNT_NAMESPACE_ID] = { "mount_namespace_id", VG_TYPE_TEXT, VG_COL_HIDDEN,
				   "Mount namespace id" },
};

/* The os-release keys that map straight to a column. */
static const struct {
	const char *key;
	int col;
} osv_keys[] = {
	{ "NAME", C_NAME },   { "VERSION", C_VERSION },	      { "BUILD_ID", C_BUILD },
	{ "ID", C_PLATFORM }, { "ID_LIKE", C_PLATFORM_LIKE }, { "VERSION_CODENAME", C_CODENAME },
};

struct osv {
	const char *text[C_ARCH]; /* borrowed from the file buffer, NULL if absent */
	const char *other_codename;
	int64_t num[3]; /* major, minor, patch */
	int n_num;	/* how many of num[] VERSION_ID gave */
};

/* Removes one level of quotes from @v in place (os-release(5) quoting). */
static char *osv_unquote(char *v)
{
	size_t n = strlen(v);
	char *w = v;

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v[n - 1] = '\0';
		v++;
	}
	w = v;
	for (char *r = v; *r; r++) {
		if (*r == '\\' && r[1])
			r++;
		*w++ = *r;
	}
	*w = '\0';
	return v;
}

/* Parses "a.b.c" leading numbers into @o->num. */
static void osv_version_id(struct osv *o, const char *v)
{
	for (o->n_num = 0; o->n_num < 3 && *v >= '0' && *v <= '9';) {
		char *end;

		o->num[o->n_num++] = strtoll(v, &end, 10);
		if (*end != '.')
			break;
		v = end + 1;
	}
}

/* Parses os-release @text (modified in place; @o borrows from it). */
static void osv_parse(struct osv *o, char *text)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *v;
		bool known = false;

		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		v = osv_unquote(eq + 1);
		for (size_t i = 0; i < VG_ARRAY_SIZE(osv_keys); i++) {
			if (!strcmp(line, osv_keys[i].key)) {
				o->text[osv_keys[i].col] = v;
				known = true;
			}
		}
		if (!known && strstr(line, "CODENAME"))
			o->other_codename = v;
		if (!strcmp(line, "VERSION_ID"))
			osv_version_id(o, v);
	}
}

/* Debian's point release from debian_version ("12.11") when VERSION_ID lacks it. */
static void osv_debian(struct osv *o, int rootfd)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	struct osv d = { 0 };

	if (vg_nsroot_read(rootfd, "/etc/debian_version", 256, &sb) == 0) {
		osv_version_id(&d, sb.buf);
		if (d.n_num > o->n_num && (o->n_num == 0 || d.num[0] == o->num[0])) {
			memcpy(o->num, d.num, sizeof(o->num));
			o->n_num = d.n_num;
		}
	}
	vg_strbuf_release(&sb);
}

static void osv_emit(struct vg_query *q, const struct osv *o, int64_t pid)
{
	struct utsname u;
	char mnt[32];

	vg_row_begin(q);
	vg_row_text(q, C_NAME, o->text[C_NAME] ? o->text[C_NAME] : "Unknown");
	for (int c = C_VERSION; c < C_ARCH; c++) {
		if (c >= C_MAJOR && c <= C_PATCH)
			vg_row_int(q, c, c - C_MAJOR < o->n_num ? o->num[c - C_MAJOR] : 0);
		else if (o->text[c])
			vg_row_text(q, c, o->text[c]);
	}
	if (!o->text[C_PLATFORM])
		vg_row_text(q, C_PLATFORM, "posix");
	if (!o->text[C_CODENAME] && o->other_codename)
		vg_row_text(q, C_CODENAME, o->other_codename);
	if (uname(&u) == 0)
		vg_row_text(q, C_ARCH, u.machine);
	vg_row_int(q, C_PID_WITH_NAMESPACE, pid);
	if (pid > 0)
		vg_row_text(q, C_MOUNT_NAMESPACE_ID, vg_nsroot_mnt_id(pid, mnt, sizeof(mnt)));
	vg_row_end(q);
}

/* One row as seen from @pid's root (0: ours). */
static void osv_one(struct vg_query *q, int64_t pid)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	struct osv o = { 0 };
	int rootfd = -1;

	if (vg_nsroot_open(pid, &rootfd) < 0)
		goto out; /* no such process: no row */
	if (vg_nsroot_read(rootfd, "/etc/os-release", 65536, &sb) < 0 || sb.len == 0) {
		vg_strbuf_reset(&sb);
		vg_nsroot_read(rootfd, "/usr/lib/os-release", 65536, &sb);
	}
	osv_parse(&o, sb.buf);
	if (o.text[C_PLATFORM] && !strcmp(o.text[C_PLATFORM], "debian"))
		osv_debian(&o, rootfd);
	osv_emit(q, &o, pid);
out:
	if (rootfd >= 0)
		close(rootfd);
	vg_strbuf_release(&sb);
}

static int os_version_generate(struct vg_query *q)
{
	vg_nsroot_each_pid(q, C_PID_WITH_NAMESPACE, osv_one);
	return 0;
}

const struct vg_table vg_table_os_version = {
	.name = "os_version",
	.description = "A single row containing the operating system name and version",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1,
	.generate = os_version_generate,
};
