// SPDX-License-Identifier: Apache-2.0
/*
 * startup_items.c - the `startup_items` table: what starts at boot or login
 * on Linux: systemd unit files, SysV /etc/init.d scripts and XDG autostart
 * entries (system-wide and per user).
 *
 * HOW IT WORKS: systemd may not be PID 1 (containers), so nothing asks it:
 * unit files are read from the unit search path, highest precedence first
 * (/etc, /run, /usr/local/lib, /lib, /usr/lib), the first file of a name
 * winning. A symlink to /dev/null is a masked unit; a symlink to a unit of
 * another name is an alias and is skipped (its target is listed). Enabled
 * units are the names linked from *.wants/ and *.requires/ directories of
 * /etc/systemd/system and /run/systemd/system (an instance "a@b.service"
 * enables the template "a@.service"). status is what `systemctl is-enabled`
 * would say: enabled, disabled, static (no [Install] section) or masked.
 * args is the first ExecStart= command line (prefixes like '-' and '@'
 * dropped) and username the User= of a service.
 *
 * /etc/init.d scripts are "enabled" Startup Items, as in osquery. XDG
 * .desktop files give name (Name=), path and args (Exec= split at the first
 * blank), and status "disabled" when Hidden=true. User entries are read
 * below each passwd home directory with O_NOFOLLOW, since users own them.
 *
 * Limits: unit files and .desktop files over 256 KiB are truncated; drop-in
 * directories (*.d/) are not merged.
 */
#include "vigil/table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_NAME,
	C_PATH,
	C_ARGS,
	C_TYPE,
	C_SOURCE,
	C_STATUS,
	C_USERNAME,
};

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, 0, "Name of startup item" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Path of startup item" },
	[C_ARGS] = { "args", VG_TYPE_TEXT, 0, "Arguments provided to startup executable" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Type of startup item (systemd unit, Startup Item)" },
	[C_SOURCE] = { "source", VG_TYPE_TEXT, 0, "Directory containing startup item" },
	[C_STATUS] = { "status", VG_TYPE_TEXT, 0,
		       "Startup status: enabled, disabled, static or masked" },
	[C_USERNAME] = { "username", VG_TYPE_TEXT, 0, "The user associated with the startup item" },
};

#define SI_MAX_FILE (256u << 10)

static const char *const si_unit_dirs[] = {
	"/etc/systemd/system", "/run/systemd/system",	  "/usr/local/lib/systemd/system",
	"/lib/systemd/system", "/usr/lib/systemd/system",
};

/* Directories whose *.wants/ and *.requires/ links mean "enabled by the admin". */
static const char *const si_enable_dirs[] = { "/etc/systemd/system", "/run/systemd/system" };

static const char *const si_unit_suffixes[] = {
	".service", ".socket", ".timer", ".path", ".target", ".mount", ".automount", ".swap",
};

/* A set of strings (names seen, names enabled): a sorted-on-demand array. */
struct si_set {
	char **v;
	size_t n, alloc;
	bool sorted;
};

static int si_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void si_set_add(struct si_set *s, const char *str)
{
	char *dup = strdup(str);

	if (!dup)
		return; /* a name missing from a set only changes a status word */
	if (s->n == s->alloc) {
		size_t alloc = s->alloc ? s->alloc * 2 : 256;
		char **v = reallocarray(s->v, alloc, sizeof(*v));

		if (!v) {
			free(dup);
			return;
		}
		s->v = v;
		s->alloc = alloc;
	}
	s->v[s->n++] = dup;
	s->sorted = false;
}

static bool si_set_has(struct si_set *s, const char *str)
{
	if (!s->n)
		return false;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(*s->v), si_cmp);
		s->sorted = true;
	}
	return bsearch(&str, s->v, s->n, sizeof(*s->v), si_cmp) != NULL;
}

static void si_set_release(struct si_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool si_is_unit(const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < VG_ARRAY_SIZE(si_unit_suffixes); i++) {
		size_t n = strlen(si_unit_suffixes[i]);

		if (len > n && !strcmp(name + len - n, si_unit_suffixes[i]))
			return true;
	}
	return false;
}

/* Adds the links of every *.wants/ and *.requires/ directory of @dir to @en. */
static void si_enabled_in(const char *dir, struct si_set *en)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		int fd;
		DIR *sub;
		struct dirent *le;

		if (!(len > 6 && !strcmp(de->d_name + len - 6, ".wants")) &&
		    !(len > 9 && !strcmp(de->d_name + len - 9, ".requires")))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || !(sub = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((le = readdir(sub))) {
			char *at = strchr(le->d_name, '@'), *dot = strrchr(le->d_name, '.');

			if (le->d_name[0] == '.')
				continue;
			si_set_add(en, le->d_name);
			if (at && dot && dot > at) {
				/* The instance a@b.service enables the template a@.service. */
				char tmpl[512];

				snprintf(tmpl, sizeof(tmpl), "%.*s%s", (int)(at + 1 - le->d_name),
					 le->d_name, dot);
				si_set_add(en, tmpl);
			}
		}
		closedir(sub);
	}
	closedir(d);
}

/* What a unit file says about starting. */
struct si_unit {
	struct vg_strbuf exec; /* first ExecStart= */
	struct vg_strbuf user; /* User= */
	bool has_install;      /* an [Install] section that can enable it */
};

/* Appends value @v (@n bytes) to @sb with ExecStart's prefix characters dropped. */
static void si_exec_value(struct vg_strbuf *sb, const char *v, size_t n)
{
	while (n && strchr("-@:+!", *v)) {
		v++;
		n--;
	}
	vg_strbuf_add(sb, v, n);
}

/* Parses unit file text @buf into @u (continuation lines are joined). */
static void si_unit_parse(char *buf, struct si_unit *u)
{
	char *save = NULL;
	enum { S_OTHER, S_SERVICE, S_INSTALL } sec = S_OTHER;
	bool cont = false;

	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(l);
		bool more = n && l[n - 1] == '\\';

		if (more)
			n--;
		if (cont) {
			/* The backslash becomes one blank between the two parts. */
			vg_strbuf_rtrim(&u->exec);
			vg_strbuf_addch(&u->exec, ' ');
			vg_strbuf_add(&u->exec, l + strspn(l, " \t"), n - strspn(l, " \t"));
			cont = more;
			continue;
		}
		l += strspn(l, " \t");
		if (*l == '[')
			sec = !strncmp(l, "[Service]", 9)   ? S_SERVICE
			      : !strncmp(l, "[Install]", 9) ? S_INSTALL
							    : S_OTHER;
		else if (sec == S_SERVICE && !strncmp(l, "ExecStart=", 10) && !u->exec.len) {
			si_exec_value(&u->exec, l + 10, strlen(l + 10) - (more ? 1 : 0));
			cont = more && u->exec.len;
		} else if (sec == S_SERVICE && !strncmp(l, "User=", 5)) {
			vg_strbuf_reset(&u->user);
			vg_strbuf_addstr(&u->user, l + 5);
			vg_strbuf_rtrim(&u->user);
		} else if (sec == S_INSTALL &&
			   (!strncmp(l, "WantedBy=", 9) || !strncmp(l, "RequiredBy=", 11) ||
			    !strncmp(l, "Alias=", 6) || !strncmp(l, "Also=", 5) ||
			    !strncmp(l, "UpheldBy=", 9))) {
			u->has_install = true;
		}
	}
	vg_strbuf_rtrim(&u->exec);
}

/* Common columns of a row; the caller adds the rest and ends it. */
static void si_row(struct vg_query *q, const char *name, const char *path, const char *type,
		   const char *source, const char *status)
{
	vg_row_begin(q);
	vg_row_text(q, C_NAME, name);
	vg_row_text(q, C_PATH, path);
	vg_row_text(q, C_TYPE, type);
	vg_row_text(q, C_SOURCE, source);
	vg_row_text(q, C_STATUS, status);
}

/* Lists unit @name of directory @dir (fd @dfd) unless a higher directory had it. */
static void si_unit_file(struct vg_query *q, int dfd, const char *dir, const char *name,
			 struct si_set *seen, struct si_set *en)
{
	struct si_unit u = { VG_STRBUF_INIT, VG_STRBUF_INIT, false };
	struct vg_strbuf sb = VG_STRBUF_INIT, path = VG_STRBUF_INIT;
	const char *status;
	struct stat st;

	if (!si_is_unit(name) || si_set_has(seen, name) ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		goto out;
	vg_strbuf_addf(&path, "%s/%s", dir, name);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		const char *base;

		if (n <= 0)
			goto out;
		target[n] = '\0';
		base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		si_set_add(seen, name);
		if (!strcmp(target, "/dev/null")) {
			si_row(q, name, path.buf, "systemd unit", dir, "masked");
			vg_row_end(q);
			goto out;
		}
		if (strcmp(base, name))
			goto out; /* an alias: its target is listed under its own name */
	} else if (!S_ISREG(st.st_mode)) {
		goto out;
	}
	si_set_add(seen, name);
	vg_read_file_at(dfd, name, SI_MAX_FILE, &sb);
	si_unit_parse(sb.buf, &u);
	status = si_set_has(en, name) ? "enabled" : u.has_install ? "disabled" : "static";
	si_row(q, name, path.buf, "systemd unit", dir, status);
	vg_row_text(q, C_ARGS, u.exec.buf);
	vg_row_text(q, C_USERNAME, u.user.buf);
	vg_row_end(q);
out:
	vg_strbuf_release(&u.exec);
	vg_strbuf_release(&u.user);
	vg_strbuf_release(&sb);
	vg_strbuf_release(&path);
}

static void si_systemd(struct vg_query *q)
{
	struct si_set seen = { 0 }, en = { 0 };

	for (size_t i = 0; i < VG_ARRAY_SIZE(si_enable_dirs); i++)
		si_enabled_in(si_enable_dirs[i], &en);
	for (size_t i = 0; i < VG_ARRAY_SIZE(si_unit_dirs); i++) {
		DIR *d = opendir(si_unit_dirs[i]);
		struct dirent *de;

		if (!d)
			continue;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				si_unit_file(q, dirfd(d), si_unit_dirs[i], de->d_name, &seen, &en);
		closedir(d);
	}
	si_set_release(&seen);
	si_set_release(&en);
}

/* The regular files of directory fd @dfd (taken: closed here) as scripts. */
static void si_scripts(struct vg_query *q, int dfd, const char *dir, const char *user)
{
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct vg_strbuf path = VG_STRBUF_INIT;
	struct dirent *de;
	struct stat st;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) ||
		    !S_ISREG(st.st_mode))
			continue;
		vg_strbuf_reset(&path);
		vg_strbuf_addf(&path, "%s%s", dir, de->d_name);
		si_row(q, de->d_name, path.buf, "Startup Item", dir, "enabled");
		if (user)
			vg_row_text(q, C_USERNAME, user);
		vg_row_end(q);
	}
	closedir(d);
	vg_strbuf_release(&path);
}

/* One XDG .desktop file @name in @dfd. */
static void si_desktop(struct vg_query *q, int dfd, const char *dir, const char *name,
		       const char *user)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	const char *title = NULL, *exec = NULL;
	char *save = NULL;
	bool hidden = false;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return;
	close(fd); /* proves it is no symlink; vg_read_file_at re-opens by name */
	if (vg_read_file_at(dfd, name, SI_MAX_FILE, &sb) < 0 && !sb.len)
		goto out;
	for (char *l = strtok_r(sb.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!title && !strncmp(l, "Name=", 5))
			title = l + 5;
		else if (!exec && !strncmp(l, "Exec=", 5))
			exec = l + 5;
		else if (!strncmp(l, "Hidden=true", 11))
			hidden = true;
	}
	si_row(q, title ? title : name, NULL, "Startup Item", dir, hidden ? "disabled" : "enabled");
	if (exec) {
		size_t n = strcspn(exec, " \t");

		vg_row_textn(q, C_PATH, exec, n);
		vg_row_text(q, C_ARGS, exec + n + strspn(exec + n, " \t"));
	}
	if (user)
		vg_row_text(q, C_USERNAME, user);
	vg_row_end(q);
out:
	vg_strbuf_release(&sb);
}

/* The .desktop files of directory fd @dfd (taken: closed here). */
static void si_autostart(struct vg_query *q, int dfd, const char *dir, const char *user)
{
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] != '.' && len > 8 && !strcmp(de->d_name + len - 8, ".desktop"))
			si_desktop(q, dirfd(d), dir, de->d_name, user);
	}
	closedir(d);
}

/* Opens @a/@b below @home without following symlinks past the home itself. */
static int si_open_below(int home, const char *a, const char *b)
{
	const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
	int fa = openat(home, a, flags), fb;

	if (fa < 0)
		return -1;
	fb = openat(fa, b, flags);
	close(fa);
	return fb;
}

/* ~/.config/autostart and ~/.config/autostart-scripts of every passwd user. */
static void si_users(struct vg_query *q)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd pw, *res;
	struct vg_strbuf dir = VG_STRBUF_INIT;
	char buf[4096];

	if (!f)
		return;
	while (fgetpwent_r(f, &pw, buf, sizeof(buf), &res) == 0) {
		int home;

		if (!pw.pw_dir || pw.pw_dir[0] != '/' || !strcmp(pw.pw_dir, "/"))
			continue;
		home = open(pw.pw_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (home < 0)
			continue;
		vg_strbuf_reset(&dir);
		vg_strbuf_addf(&dir, "%s/.config/autostart/", pw.pw_dir);
		si_autostart(q, si_open_below(home, ".config", "autostart"), dir.buf, pw.pw_name);
		vg_strbuf_reset(&dir);
		vg_strbuf_addf(&dir, "%s/.config/autostart-scripts/", pw.pw_dir);
		si_scripts(q, si_open_below(home, ".config", "autostart-scripts"), dir.buf,
			   pw.pw_name);
		close(home);
	}
	fclose(f);
	vg_strbuf_release(&dir);
}

static int startup_items_generate(struct vg_query *q)
{
	si_users(q);
	si_scripts(q, open("/etc/init.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "/etc/init.d/",
		   NULL);
	si_autostart(q, open("/etc/xdg/autostart", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
		     "/etc/xdg/autostart/", NULL);
	si_systemd(q);
	return 0;
}

const struct vg_table vg_table_startup_items = {
	.name = "startup_items",
	.description = "Applications and binaries set as startup items",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 300,
	.est_cost = 10000,
	.generate = startup_items_generate,
};
