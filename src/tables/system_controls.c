// SPDX-License-Identifier: Apache-2.0
/*
 * system_controls.c - the `system_controls` table: every sysctl under
 * /proc/sys with its current value and the value the boot configuration
 * sets (sysctl_conf.h).
 *
 * HOW IT WORKS: names are the /proc/sys paths with '/' written '.', and a
 * '.' inside one path component (a VLAN interface "eth0.1") written '/', as
 * sysctl(8) prints them. `name =` is turned back into one path and opened
 * directly; `subsystem =` walks only
 * /proc/sys/<subsystem>; otherwise the whole tree is walked with openat()
 * on directory fds and O_NOFOLLOW. Values are read only when current_value
 * is used, and the configuration only when config_value is. A control that
 * cannot be read (write-only ones such as vm.compact_memory) is listed with
 * a NULL current_value, as osquery does.
 *
 * Limits: values are capped at 64 KiB; the walk stops 16 levels deep.
 */
#include "vigil/table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysctl_conf.h"
#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_NAME,
	C_OID,
	C_SUBSYSTEM,
	C_CURRENT_VALUE,
	C_CONFIG_VALUE,
	C_TYPE,
	C_FIELD_NAME,
};

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, VG_COL_INDEX, "Full sysctl MIB name" },
	[C_OID] = { "oid", VG_TYPE_TEXT, VG_COL_ADDITIONAL, "Control MIB (empty on Linux)" },
	[C_SUBSYSTEM] = { "subsystem", VG_TYPE_TEXT, VG_COL_ADDITIONAL,
			  "Subsystem ID, control type" },
	[C_CURRENT_VALUE] = { "current_value", VG_TYPE_TEXT, 0, "Value of setting" },
	[C_CONFIG_VALUE] = { "config_value", VG_TYPE_TEXT, 0,
			     "The MIB value set in /etc/sysctl.conf or sysctl.d" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Data type" },
	[C_FIELD_NAME] = { "field_name", VG_TYPE_TEXT, VG_COL_HIDDEN,
			   "Specific attribute of opaque type (macOS)" },
};

#define SC_ROOT	     "/proc/sys"
#define SC_MAX_DEPTH 16
#define SC_MAX_VALUE 65536

struct sc_walk {
	struct vg_query *q;
	struct vg_sysctl_conf *conf; /* NULL when config_value is not used */
	bool want_value;
	struct vg_strbuf name; /* dotted name of the current directory */
	struct vg_strbuf value;
};

/* Appends /proc/sys component @comp to the dotted name, '.' written '/'. */
static void scw_push(struct vg_strbuf *name, const char *comp)
{
	if (name->len)
		vg_strbuf_addch(name, '.');
	for (const char *p = comp; *p; p++)
		vg_strbuf_addch(name, *p == '.' ? '/' : *p);
}

/* Reads the value of @file in @dirfd into @out. Returns 0 or -errno. */
static int scw_read(int dirfd, const char *file, struct vg_strbuf *out)
{
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	int err = 0;

	if (fd < 0)
		return -errno;
	vg_strbuf_reset(out);
	err = vg_read_fd(fd, SC_MAX_VALUE, out);
	if (err == -EFBIG) /* a value that long is kept cut */
		err = 0;
	close(fd);
	return err;
}

/* Emits the control @file in directory @dirfd, named w->name. */
static void scw_emit(struct sc_walk *w, int dirfd, const char *file)
{
	struct vg_query *q = w->q;

	vg_row_begin(q);
	vg_row_text(q, C_NAME, w->name.buf);
	vg_row_textn(q, C_SUBSYSTEM, w->name.buf, strcspn(w->name.buf, "."));
	if (w->want_value && scw_read(dirfd, file, &w->value) == 0) {
		vg_strbuf_rtrim(&w->value);
		vg_row_text(q, C_CURRENT_VALUE, w->value.buf);
	}
	if (w->conf) {
		const char *v = vg_sysctl_conf_get(w->conf, w->name.buf);

		if (v)
			vg_row_text(q, C_CONFIG_VALUE, v);
	}
	vg_row_text(q, C_TYPE, "string");
	vg_row_end(q);
}

/* Lists directory @fd (taken: closed here) recursively. */
static void scw_dir(struct sc_walk *w, int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		size_t keep = w->name.len;
		unsigned char type = de->d_type;
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (type == DT_UNKNOWN && !fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			type = S_ISDIR(st.st_mode)   ? DT_DIR
			       : S_ISREG(st.st_mode) ? DT_REG
						     : DT_UNKNOWN;
		scw_push(&w->name, de->d_name);
		if (type == DT_DIR && depth < SC_MAX_DEPTH) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

			if (sub >= 0)
				scw_dir(w, sub, depth + 1);
		} else if (type == DT_REG) {
			scw_emit(w, dirfd(d), de->d_name);
		}
		w->name.len = keep;
		w->name.buf[keep] = '\0';
	}
	closedir(d);
}

/*
 * Turns dotted @name into a path below /proc/sys in @path ('.' separates,
 * '/' is a literal dot). Rejects names that are empty, have empty
 * components, or "." / ".." components. Returns 0 or -EINVAL.
 */
static int sc_name_path(const char *name, struct vg_strbuf *path)
{
	const char *p = name;

	while (*p) {
		size_t n = strcspn(p, ".");

		if (n == 0)
			return -EINVAL;
		if ((n == 1 && p[0] == '/') || (n == 2 && p[0] == '/' && p[1] == '/'))
			return -EINVAL; /* "." or ".." once slashes become dots */
		if (path->len)
			vg_strbuf_addch(path, '/');
		for (size_t i = 0; i < n; i++)
			vg_strbuf_addch(path, p[i] == '/' ? '.' : p[i]);
		p += n;
		if (*p == '.' && !*++p)
			return -EINVAL;
	}
	return path->len ? 0 : -EINVAL;
}

/*
 * Lists control @name below @rootfd, or, when @dir_ok, the subtree it names
 * (a `name =` row can never match a directory's children, so only
 * `subsystem =` walks).
 */
static void sc_one(struct sc_walk *w, int rootfd, const char *name, bool dir_ok)
{
	struct vg_strbuf path = VG_STRBUF_INIT;
	struct stat st;
	char *slash;
	int fd;

	if (sc_name_path(name, &path) < 0 || fstatat(rootfd, path.buf, &st, AT_SYMLINK_NOFOLLOW))
		goto out;
	vg_strbuf_reset(&w->name);
	vg_strbuf_addstr(&w->name, name);
	if (S_ISDIR(st.st_mode) && dir_ok) {
		fd = openat(rootfd, path.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0)
			scw_dir(w, fd, 1);
	} else if (S_ISREG(st.st_mode)) {
		slash = strrchr(path.buf, '/');
		if (!slash) {
			scw_emit(w, rootfd, path.buf);
			goto out;
		}
		*slash = '\0';
		fd = openat(rootfd, path.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			scw_emit(w, fd, slash + 1);
			close(fd);
		}
	}
out:
	vg_strbuf_release(&path);
}

/* Walks by `name =`, else by `subsystem =`, else everything. */
static void sc_plan(struct sc_walk *w, int rootfd)
{
	const struct vg_query *q = w->q;
	size_t pos = 0;
	const char *v;
	bool any = false;

	while ((v = vg_query_next_eq(q, C_NAME, &pos))) {
		any = true;
		sc_one(w, rootfd, v, false);
	}
	if (any)
		return;
	for (pos = 0; (v = vg_query_next_eq(q, C_SUBSYSTEM, &pos));) {
		any = true;
		if (!strchr(v, '.'))
			sc_one(w, rootfd, v, true);
	}
	if (any || vg_query_next_eq(q, C_OID, &(size_t){ 0 }))
		return; /* Linux controls have no numeric OID: nothing matches */
	vg_strbuf_reset(&w->name);
	scw_dir(w, fcntl(rootfd, F_DUPFD_CLOEXEC, 0), 1);
}

static int system_controls_generate(struct vg_query *q)
{
	struct sc_walk w = {
		.q = q,
		.want_value = vg_query_col_used(q, C_CURRENT_VALUE),
		.name = VG_STRBUF_INIT,
		.value = VG_STRBUF_INIT,
	};
	int rootfd = open(SC_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (rootfd < 0)
		goto out; /* no /proc/sys (no procfs): no rows */
	if (vg_query_col_used(q, C_CONFIG_VALUE)) {
		err = vg_sysctl_conf_load(vg_sysctl_conf_dirs, vg_sysctl_conf_n_dirs,
					  "/etc/sysctl.conf", &w.conf);
		if (err) {
			vg_query_error(q, "system_controls: cannot load sysctl configuration: %s",
				       strerror(-err));
			goto out;
		}
	}
	sc_plan(&w, rootfd);
out:
	if (rootfd >= 0)
		close(rootfd);
	vg_sysctl_conf_free(w.conf);
	vg_strbuf_release(&w.name);
	vg_strbuf_release(&w.value);
	return err;
}

const struct vg_table vg_table_system_controls = {
	.name = "system_controls",
	.description = "sysctl names, values, and settings information",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1500,
	.est_cost = 30000,
	.generate = system_controls_generate,
};
