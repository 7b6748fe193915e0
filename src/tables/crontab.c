// SPDX-License-Identifier: Apache-2.0
/*
 * crontab.c - the `crontab` table: scheduled jobs from the system crontab,
 * /etc/cron.d and the per-user spools.
 *
 * HOW IT WORKS: /etc/crontab and every file in /etc/cron.d are in the system
 * format (a user field after the schedule, which is skipped); the files of
 * /var/spool/cron/crontabs (Debian), /var/spool/cron (Red Hat) and
 * /var/at/tabs are user crontabs (no user field). Directories are opened once
 * and their files read with openat(O_NOFOLLOW|O_NONBLOCK) in name order;
 * hidden names (Debian's .placeholder), subdirectories, FIFOs and symlinks
 * are skipped. A line is a job when it starts with '@' (an event such as
 * @reboot: `event` is set, the time fields are empty) or when its first field
 * is a minute spec ([0-9*,/-]); comments, blank lines and environment
 * settings (NAME=value) are skipped. `command` is the rest of the line as
 * written. With `pid_with_namespace = N` the paths are read inside that
 * process's mount namespace.
 *
 * LIMITS: files are capped at 8 MiB each; a job needs its command on the
 * same line (cron has no continuation lines either).
 */
#include "vigil/table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "vigil/strbuf.h"

enum {
	C_EVENT,
	C_MINUTE,
	C_HOUR,
	C_DAY_OF_MONTH,
	C_MONTH,
	C_DAY_OF_WEEK,
	C_COMMAND,
	C_PATH,
	C_PID_WITH_NAMESPACE,
};

static const struct vg_column columns[] = {
	[C_EVENT] = { "event", VG_TYPE_TEXT, 0, "The job @event name (rare)" },
	[C_MINUTE] = { "minute", VG_TYPE_TEXT, 0, "The exact minute for the job" },
	[C_HOUR] = { "hour", VG_TYPE_TEXT, 0, "The hour of the day for the job" },
	[C_DAY_OF_MONTH] = { "day_of_month", VG_TYPE_TEXT, 0, "The day of the month for the job" },
	[C_MONTH] = { "month", VG_TYPE_TEXT, 0, "The month of the year for the job" },
	[C_DAY_OF_WEEK] = { "day_of_week", VG_TYPE_TEXT, 0, "The day of the week for the job" },
	[C_COMMAND] = { "command", VG_TYPE_TEXT, 0, "Raw command string" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "File parsed" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
};

/* Where crontabs live; system ones have a user field. */
static const struct {
	const char *path;
	bool is_dir, is_system;
} cron_sources[] = {
	{ "/etc/crontab", false, true },
	{ "/etc/cron.d", true, true },
	{ "/var/spool/cron/crontabs", true, false },
	{ "/var/spool/cron", true, false },
	{ "/var/at/tabs", true, false },
};

/* One file being parsed. */
struct cron_file {
	struct vg_query *q;
	const char *path; /* as shown in `path` */
	bool is_system;	  /* has a user field */
	int64_t ns_pid;
};

static bool cron_is_schedule(const char *tok)
{
	return tok[0] && strspn(tok, "0123456789*,/-") == strlen(tok);
}

/* Emits the job of one line (modified in place), if it is one. */
static void cron_line(const struct cron_file *f, char *line)
{
	char *fields[5] = { NULL }, *event = NULL, *tok;

	line = vg_cfg_trim(line);
	if (!line[0] || line[0] == '#')
		return;
	if (line[0] == '@') {
		event = vg_cfg_token(&line);
	} else {
		if (strcspn(line, " \t") > strcspn(line, "="))
			return; /* NAME=value */
		for (int i = 0; i < 5; i++) {
			fields[i] = vg_cfg_token(&line);
			if (!fields[i] || !(i > 1 || cron_is_schedule(fields[i])))
				return;
		}
	}
	if (f->is_system && !(tok = vg_cfg_token(&line)))
		return; /* the user field, without a command after it */
	if (!*line)
		return;
	vg_row_begin(f->q);
	vg_row_text(f->q, C_EVENT, event ? event : "");
	for (int i = 0; i < 5; i++)
		vg_row_text(f->q, C_MINUTE + i, fields[i] ? fields[i] : "");
	vg_row_text(f->q, C_COMMAND, line);
	vg_row_text(f->q, C_PATH, f->path);
	if (f->ns_pid)
		vg_row_int(f->q, C_PID_WITH_NAMESPACE, f->ns_pid);
	vg_row_end(f->q);
}

/* Reads and parses one crontab (@name relative to @dirfd). */
static void cron_file(const struct cron_file *f, int dirfd, const char *name,
		      struct vg_strbuf *text)
{
	char *cursor, *line;
	int err;

	vg_strbuf_reset(text);
	err = vg_cfg_read(dirfd, name, true, VG_CFG_MAX_BYTES, text);
	if (err && err != -EFBIG)
		return;
	cursor = text->buf;
	while ((line = vg_cfg_next_line(&cursor))) {
		if (err == -EFBIG && !*cursor)
			break; /* the cut, partial last line */
		cron_line(f, line);
	}
}

static int cron_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses every visible file of directory @dir, in name order. */
static void cron_dir(struct cron_file *f, const char *dir, struct vg_strbuf *text)
{
	struct vg_strbuf path = VG_STRBUF_INIT;
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto out;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		goto out;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type == DT_DIR || de->d_type == DT_LNK)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			char **v = reallocarray(names, na, sizeof(*v));

			if (!v)
				break;
			names = v;
			alloc = na;
		}
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	if (n) /* qsort wants an array even for nothing */
		qsort(names, n, sizeof(*names), cron_name_cmp);
	for (size_t i = 0; i < n; i++) {
		vg_strbuf_reset(&path);
		vg_strbuf_addf(&path, "%s/%s", dir, names[i]);
		f->path = path.buf;
		cron_file(f, dirfd(d), names[i], text);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	vg_strbuf_release(&path);
}

static int crontab_generate(struct vg_query *q)
{
	struct vg_strbuf text = VG_STRBUF_INIT;
	struct vg_cfg_root root = { 0 };

	while (vg_cfg_next_root(q, C_PID_WITH_NAMESPACE, &root)) {
		for (size_t i = 0; i < VG_ARRAY_SIZE(cron_sources); i++) {
			struct cron_file f = { .q = q, .ns_pid = root.pid };
			char path[128];

			snprintf(path, sizeof(path), "%s%s", root.path, cron_sources[i].path);
			f.is_system = cron_sources[i].is_system;
			f.path = path;
			if (cron_sources[i].is_dir)
				cron_dir(&f, path, &text);
			else
				cron_file(&f, AT_FDCWD, path, &text);
		}
	}
	vg_strbuf_release(&text);
	return 0;
}

const struct vg_table vg_table_crontab = {
	.name = "crontab",
	.description = "Line parsed values from system and user cron/tab",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 20,
	.est_cost = 300,
	.generate = crontab_generate,
};
