// SPDX-License-Identifier: Apache-2.0
/*
 * deb_packages.c - the `deb_packages` table: the dpkg database, one row per
 * package that is not "not-installed" (osquery's rule: config-files and
 * half-installed packages are listed too).
 *
 * HOW IT WORKS: <admindir>/status (default /var/lib/dpkg; `admindir =` and
 * IN lists pick others) is read whole and scanned once, in place. Stanzas
 * are separated by blank lines; of each stanza only the fields below are
 * remembered, as pointers into the buffer, and the row is emitted at the end
 * of the stanza, so nothing is copied before vg_row_textn(). Continuation
 * lines (leading space/tab: Description, Conffiles) are skipped by their
 * first byte. Values are as libdpkg reports them: version is the Version
 * field (epoch included), revision the part after its last '-', size the
 * Installed-Size field (KiB, as osquery reports it), status the Status field.
 *
 * With `pid_with_namespace = N`, admindir is read below /proc/N/root (see
 * nsroot.h) and mount_namespace_id is set.
 *
 * Limits: a status file over 512 MiB is refused; a missing or unreadable
 * admindir gives no rows (osquery logs and returns nothing).
 */
#include "vigil/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsroot.h"
#include "util.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

enum {
	C_NAME,
	C_VERSION,
	C_SOURCE,
	C_SIZE,
	C_ARCH,
	C_REVISION,
	C_STATUS,
	C_MAINTAINER,
	C_SECTION,
	C_PRIORITY,
	C_ADMINDIR,
	C_PID_WITH_NAMESPACE,
	C_MOUNT_NAMESPACE_ID,
};

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "Package name" },
	[C_VERSION] = { "version", VG_TYPE_TEXT, 0, "Package version" },
	[C_SOURCE] = { "source", VG_TYPE_TEXT, 0, "Package source" },
	[C_SIZE] = { "size", VG_TYPE_BIGINT, 0, "Package size (Installed-Size, KiB)" },
	[C_ARCH] = { "arch", VG_TYPE_TEXT, 0, "Package architecture" },
	[C_REVISION] = { "revision", VG_TYPE_TEXT, 0, "Package revision" },
	[C_STATUS] = { "status", VG_TYPE_TEXT, 0, "Package status" },
	[C_MAINTAINER] = { "maintainer", VG_TYPE_TEXT, 0, "Package maintainer" },
	[C_SECTION] = { "section", VG_TYPE_TEXT, 0, "Package section" },
	[C_PRIORITY] = { "priority", VG_TYPE_TEXT, 0, "Package priority" },
	[C_ADMINDIR] = { "admindir", VG_TYPE_TEXT, VG_COL_ADDITIONAL | VG_COL_OPTIMIZED,
			 "libdpkg admindir. Defaults to /var/lib/dpkg" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
	[C_MOUNT_NAMESPACE_ID] = { "mount_namespace_id", VG_TYPE_TEXT, VG_COL_HIDDEN,
				   "Mount namespace id" },
};

#define DEB_DEFAULT_ADMINDIR "/var/lib/dpkg"
#define DEB_MAX_STATUS_BYTES (512u << 20)

/* The status-file fields kept per stanza, and the column each one fills. */
enum { F_PACKAGE, F_VERSION, F_SOURCE, F_SIZE, F_ARCH, F_STATUS, F_MAINT, F_SECTION, F_PRIO, F_N };

static const struct {
	const char *name;
	size_t len;
	int col;
} deb_fields[F_N] = {
	[F_PACKAGE] = { "Package:", 8, C_NAME },
	[F_VERSION] = { "Version:", 8, C_VERSION },
	[F_SOURCE] = { "Source:", 7, C_SOURCE },
	[F_SIZE] = { "Installed-Size:", 15, C_SIZE },
	[F_ARCH] = { "Architecture:", 13, C_ARCH },
	[F_STATUS] = { "Status:", 7, C_STATUS },
	[F_MAINT] = { "Maintainer:", 11, C_MAINTAINER },
	[F_SECTION] = { "Section:", 8, C_SECTION },
	[F_PRIO] = { "Priority:", 9, C_PRIORITY },
};

/* One stanza's field values: pointers into the status buffer, not terminated. */
struct deb_stanza {
	const char *v[F_N];
	size_t len[F_N];
};

/* Context shared by every row of one admindir. */
struct deb_ctx {
	const char *admindir;
	int64_t pid;
	const char *mnt_id;
};

static bool deb_installed(const struct deb_stanza *s)
{
	/* Status is "want eflag state"; osquery drops state not-installed. */
	static const char gone[] = " not-installed";
	size_t n = sizeof(gone) - 1;

	if (!s->v[F_PACKAGE])
		return false;
	return !(s->v[F_STATUS] && s->len[F_STATUS] >= n &&
		 !memcmp(s->v[F_STATUS] + s->len[F_STATUS] - n, gone, n));
}

static void deb_emit(struct vg_query *q, const struct deb_stanza *s, const struct deb_ctx *c)
{
	char num[32];

	if (!deb_installed(s))
		return;
	vg_row_begin(q);
	for (int f = 0; f < F_N; f++) {
		const char *v = s->v[f] ? s->v[f] : "";
		size_t len = s->v[f] ? s->len[f] : 0;

		if (f == F_SIZE) {
			snprintf(num, sizeof(num), "%.*s", (int)(len < 31 ? len : 31), v);
			if (len)
				vg_row_int(q, C_SIZE, strtoll(num, NULL, 10));
			continue;
		}
		vg_row_textn(q, deb_fields[f].col, v, len);
	}
	if (s->v[F_VERSION]) {
		const char *v = s->v[F_VERSION];
		const char *dash = memrchr(v, '-', s->len[F_VERSION]);

		if (dash)
			vg_row_textn(q, C_REVISION, dash + 1,
				     s->len[F_VERSION] - (size_t)(dash + 1 - v));
		else
			vg_row_text(q, C_REVISION, "");
	}
	vg_row_text(q, C_ADMINDIR, c->admindir);
	vg_row_int(q, C_PID_WITH_NAMESPACE, c->pid);
	if (c->mnt_id)
		vg_row_text(q, C_MOUNT_NAMESPACE_ID, c->mnt_id);
	vg_row_end(q);
}

/* Records the field on line [@p, @end) in @s if it is one we keep. */
static void deb_field(struct deb_stanza *s, const char *p, const char *end)
{
	for (int f = 0; f < F_N; f++) {
		size_t n = deb_fields[f].len;

		if ((size_t)(end - p) < n || p[0] != deb_fields[f].name[0] ||
		    memcmp(p, deb_fields[f].name, n))
			continue;
		p += n;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		s->v[f] = p;
		s->len[f] = (size_t)(end - p);
		return;
	}
}

/* Scans a whole status file in @buf (@len bytes) and emits its packages. */
static void deb_scan(struct vg_query *q, const char *buf, size_t len, const struct deb_ctx *c)
{
	const char *p = buf, *end = buf + len;
	struct deb_stanza s = { 0 };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if (eol == p || (eol == p + 1 && *p == '\r')) {
			deb_emit(q, &s, c);
			memset(&s, 0, sizeof(s));
		} else if (*p != ' ' && *p != '\t') {
			deb_field(&s, p, eol);
		}
		p = eol + 1;
	}
	deb_emit(q, &s, c);
}

/* Lists the packages of @admindir as seen from @pid's root (0: ours). */
static void deb_admindir(struct vg_query *q, const char *admindir, int64_t pid)
{
	struct vg_strbuf path = VG_STRBUF_INIT, sb = VG_STRBUF_INIT;
	struct deb_ctx c = { .admindir = admindir, .pid = pid };
	char mnt[32];
	int rootfd = -1, err;

	vg_strbuf_addf(&path, "%s/status", admindir);
	if (pid > 0) {
		err = vg_nsroot_open(pid, &rootfd);
		if (!err)
			err = vg_nsroot_read(rootfd, path.buf, DEB_MAX_STATUS_BYTES, &sb);
		c.mnt_id = vg_nsroot_mnt_id(pid, mnt, sizeof(mnt));
	} else {
		err = vg_read_file(path.buf, DEB_MAX_STATUS_BYTES, false, &sb);
	}
	if (err) {
		vg_log(VG_LOG_DEBUG, "deb_packages: cannot read %s: %s", path.buf, strerror(-err));
		goto out;
	}
	deb_scan(q, sb.buf, sb.len, &c);
out:
	if (rootfd >= 0)
		close(rootfd);
	vg_strbuf_release(&sb);
	vg_strbuf_release(&path);
}

/* Every admindir constraint (or the default) for @pid. */
static void deb_pid(struct vg_query *q, int64_t pid)
{
	size_t pos = 0;
	const char *dir;
	bool any = false;

	while ((dir = vg_query_next_eq(q, C_ADMINDIR, &pos))) {
		any = true;
		if (*dir)
			deb_admindir(q, dir, pid);
	}
	if (!any)
		deb_admindir(q, DEB_DEFAULT_ADMINDIR, pid);
}

static int deb_packages_generate(struct vg_query *q)
{
	vg_nsroot_each_pid(q, C_PID_WITH_NAMESPACE, deb_pid);
	return 0;
}

const struct vg_table vg_table_deb_packages = {
	.name = "deb_packages",
	.description = "The installed DEB package database",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1000,
	.est_cost = 20000,
	.generate = deb_packages_generate,
};
