// SPDX-License-Identifier: Apache-2.0
/*
 * shell_history.c - the `shell_history` table: the commands in each user's
 * shell history files.
 *
 * HOW IT WORKS: the users come from pwlist.c (`uid =` is one getpwuid_r per
 * value, else /etc/passwd). Each home directory is opened once and its
 * .bash_history, .zsh_history, .zhistory, .history and .sh_history are read
 * with openat(O_NOFOLLOW|O_NONBLOCK) (user-controlled files: no symlink is
 * followed, no FIFO can hang the scan). Formats:
 *   - bash with HISTTIMEFORMAT: a "#<epoch>" line gives the time of the
 *     command line after it;
 *   - zsh EXTENDED_HISTORY: ": <epoch>:<elapsed>;<command>"; zsh's
 *     metafied bytes (0x83 then c^32) are decoded;
 *   - anything else: one command per line, time 0.
 * Blank lines are skipped.
 *
 * LIMITS: a history file is read up to 32 MiB (its oldest part) and a
 * command is cut at 64 KiB; multi-line zsh commands give one row per line.
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "pwlist.h"
#include "vigil/strbuf.h"

#define HIST_MAX_BYTES	   (32u * 1024u * 1024u)
#define HIST_MAX_CMD_BYTES 65536u /* longer commands are truncated */
#define ZSH_META	   '\x83'

enum { C_UID, C_TIME, C_COMMAND, C_HISTORY_FILE };

static const struct vg_column columns[] = {
	[C_UID] = { "uid", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Shell history owner" },
	[C_TIME] = { "time", VG_TYPE_INTEGER, 0, "Entry timestamp" },
	[C_COMMAND] = { "command", VG_TYPE_TEXT, 0, "Unparsed date/line/command history line" },
	[C_HISTORY_FILE] = { "history_file", VG_TYPE_TEXT, 0,
			     "Path to the .*_history for this user" },
};

static const char *const hist_files[] = { ".bash_history", ".zsh_history", ".zhistory", ".history",
					  ".sh_history" };

/* The file being parsed, for its rows. */
struct hist_file {
	struct vg_query *q;
	uint32_t uid;
	const char *path;
	int64_t pending_time; /* from a bash "#<epoch>" line, for the next command */
};

/* Parses all-digit @s (1..11 digits) up to @end into *@out. */
static bool hist_epoch(const char *s, const char *end, int64_t *out)
{
	int64_t v = 0;

	if (end <= s || end - s > 11)
		return false;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return true;
}

/* Matches ": <epoch>:<elapsed>;" at @line: sets *@time, returns the command or NULL. */
static char *hist_zsh_extended(char *line, int64_t *time)
{
	char *p = line + 1, *start, *colon;

	if (line[0] != ':' || *p != ' ')
		return NULL;
	while (*p == ' ')
		p++;
	start = p;
	colon = strchr(p, ':');
	if (!colon || !hist_epoch(start, colon, time))
		return NULL;
	p = colon + 1;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == ';' ? p + 1 : NULL;
}

/* Undoes zsh's metafication in place. */
static void hist_unmeta(char *s)
{
	char *out = strchr(s, ZSH_META);

	if (!out)
		return;
	for (char *in = out; *in; in++) {
		if (*in == ZSH_META && in[1])
			*out++ = (char)(*++in ^ 32);
		else
			*out++ = *in;
	}
	*out = '\0';
}

static void hist_line(struct hist_file *f, char *line)
{
	int64_t time = 0;
	char *cmd;

	if (!line[0])
		return;
	if (line[0] == '#' && hist_epoch(line + 1, line + strlen(line), &time)) {
		f->pending_time = time;
		return;
	}
	cmd = hist_zsh_extended(line, &time);
	if (cmd) {
		hist_unmeta(cmd);
	} else {
		cmd = line;
		time = f->pending_time;
	}
	f->pending_time = 0;
	vg_row_begin(f->q);
	vg_row_int(f->q, C_UID, f->uid);
	vg_row_int(f->q, C_TIME, time);
	vg_row_textn(f->q, C_COMMAND, cmd, strnlen(cmd, HIST_MAX_CMD_BYTES));
	vg_row_text(f->q, C_HISTORY_FILE, f->path);
	vg_row_end(f->q);
}

/* Parses the history files in the home directory @home of user @uid. */
static void hist_user(struct vg_query *q, uint32_t uid, const char *home, struct vg_strbuf *text,
		      struct vg_strbuf *path)
{
	int home_fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (home_fd < 0)
		return;
	for (size_t i = 0; i < VG_ARRAY_SIZE(hist_files); i++) {
		struct hist_file f = { .q = q, .uid = uid };
		char *cursor, *line;
		int err;

		vg_strbuf_reset(text);
		err = vg_cfg_read(home_fd, hist_files[i], true, HIST_MAX_BYTES, text);
		if (err && err != -EFBIG)
			continue;
		vg_strbuf_reset(path);
		vg_strbuf_addf(path, "%s%s%s", home, home[strlen(home) - 1] == '/' ? "" : "/",
			       hist_files[i]);
		f.path = path->buf;
		cursor = text->buf;
		while ((line = vg_cfg_next_line(&cursor))) {
			if (err == -EFBIG && !*cursor)
				break; /* the cut, partial last line */
			hist_line(&f, line);
		}
	}
	close(home_fd);
}

static int shell_history_generate(struct vg_query *q)
{
	struct vg_strbuf text = VG_STRBUF_INIT, path = VG_STRBUF_INIT;
	struct vg_pwlist users = VG_PWLIST_INIT;
	struct vg_pw_select sel = { .uid_col = C_UID, .name_col = -1, .root = "" };
	int err;

	err = vg_pwlist_collect(q, &sel, &users);
	for (size_t i = 0; i < users.n; i++)
		if (users.v[i].dir[0] == '/')
			hist_user(q, users.v[i].uid, users.v[i].dir, &text, &path);
	vg_pwlist_release(&users);
	vg_strbuf_release(&path);
	vg_strbuf_release(&text);
	if (err)
		return vg_query_error(q, "shell_history: cannot list users: %s", strerror(-err));
	return 0;
}

const struct vg_table vg_table_shell_history = {
	.name = "shell_history",
	.description = "A line-delimited (command) table of per-user .*_history data",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 5000,
	.est_cost = 20000,
	.generate = shell_history_generate,
};
