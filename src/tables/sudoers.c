// SPDX-License-Identifier: Apache-2.0
/*
 * sudoers.c - the `sudoers` table: the rules of /etc/sudoers and of every
 * file it includes.
 *
 * HOW IT WORKS: /etc/sudoers is read (capped at 8 MiB), lines ending in '\'
 * are joined, and each non-comment line becomes a row: `header` is its first
 * word, `rule_details` the rest with runs of blanks collapsed to one space
 * (as osquery prints it). "#include"/"@include" and
 * "#includedir"/"@includedir" lines produce a row (header "include" or
 * "includedir", details the path) and are then followed: a relative path is
 * taken from the including file's directory, and a directory's files are
 * read in name order, skipping names with a '.' or ending in '~' (sudo's
 * rules). "#<digits>" starts a rule (a uid), not a comment.
 *
 * SAFETY: like sudo, a file is only parsed when it is a regular file owned by
 * root and not world-writable, and a final symlink is not followed. Nesting
 * stops at 128 levels and 1024 files, so include loops end.
 *
 * The hidden `root_path` column (vigil's own) reads the tree under another
 * directory: `WHERE root_path = '/mnt/img'` parses /mnt/img/etc/sudoers and
 * maps absolute include paths under it (images, containers, tests).
 *
 * LIMITS: "%h" in include paths is not expanded; quoted paths are unquoted
 * but escapes inside them are kept.
 */
#include "vigil/table.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfile.h"
#include "vigil/strbuf.h"

#define SUDO_MAX_DEPTH 128
#define SUDO_MAX_FILES 1024

enum { C_SOURCE, C_HEADER, C_RULE_DETAILS, C_ROOT_PATH };

static const struct vg_column columns[] = {
	[C_SOURCE] = { "source", VG_TYPE_TEXT, 0, "Source file containing the given rule" },
	[C_HEADER] = { "header", VG_TYPE_TEXT, 0, "Symbol for given rule" },
	[C_RULE_DETAILS] = { "rule_details", VG_TYPE_TEXT, 0, "Rule definition" },
	[C_ROOT_PATH] = { "root_path", VG_TYPE_TEXT, VG_COL_HIDDEN | VG_COL_ADDITIONAL,
			  "Directory the sudoers tree is read under (default /)" },
};

/* One generate call. */
struct sudo_ctx {
	struct vg_query *q;
	const char *root;     /* "" or a directory without a trailing '/' */
	const char *root_col; /* the root_path value to put in rows, or NULL */
	size_t n_files;	      /* files opened so far */
};

static void sudo_emit(struct sudo_ctx *c, const char *source, const char *header,
		      const char *details)
{
	vg_row_begin(c->q);
	vg_row_text(c->q, C_SOURCE, source);
	vg_row_text(c->q, C_HEADER, header);
	vg_row_text(c->q, C_RULE_DETAILS, details);
	if (c->root_col)
		vg_row_text(c->q, C_ROOT_PATH, c->root_col);
	vg_row_end(c->q);
}

static void sudo_file(struct sudo_ctx *c, const char *path, int depth);

/* Follows an includedir: its eligible files in name order. @dir is logical. */
static void sudo_includedir(struct sudo_ctx *c, const char *dir, int depth)
{
	struct vg_strbuf real = VG_STRBUF_INIT, sub = VG_STRBUF_INIT;
	struct dirent **ents = NULL;
	int n;

	vg_strbuf_addf(&real, "%s%s", c->root, dir);
	n = scandir(real.buf, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);

		if (len && !strchr(name, '.') && name[len - 1] != '~') {
			vg_strbuf_reset(&sub);
			vg_strbuf_addf(&sub, "%s/%s", dir, name);
			sudo_file(c, sub.buf, depth + 1);
		}
		free(ents[i]);
	}
	free(ents);
	vg_strbuf_release(&sub);
	vg_strbuf_release(&real);
}

/*
 * Handles an include line of @source (logical path): emits its row and
 * follows it. @arg is the path as written (possibly quoted or relative).
 */
static void sudo_include(struct sudo_ctx *c, const char *source, const char *real_source,
			 bool is_dir, char *arg, int depth)
{
	struct vg_strbuf path = VG_STRBUF_INIT, shown = VG_STRBUF_INIT;
	size_t len = strlen(arg);

	if (len >= 2 && arg[0] == '"' && arg[len - 1] == '"') {
		arg[len - 1] = '\0';
		arg++;
	}
	if (arg[0] != '/') {
		const char *slash = strrchr(source, '/');

		vg_strbuf_add(&path, source, slash ? (size_t)(slash - source) : 0);
		vg_strbuf_addch(&path, '/');
	}
	vg_strbuf_addstr(&path, arg);
	vg_strbuf_addf(&shown, "%s%s", c->root, path.buf);
	sudo_emit(c, real_source, is_dir ? "includedir" : "include", shown.buf);
	if (is_dir)
		sudo_includedir(c, path.buf, depth);
	else
		sudo_file(c, path.buf, depth + 1);
	vg_strbuf_release(&shown);
	vg_strbuf_release(&path);
}

/* One logical line (joined, modified in place) of file @source. */
static void sudo_line(struct sudo_ctx *c, const char *source, const char *real_source, char *line,
		      struct vg_strbuf *details, int depth)
{
	char *header, *tok;

	line = vg_cfg_trim(line);
	header = vg_cfg_token(&line);
	if (!header)
		return;
	if (!strcmp(header, "#include") || !strcmp(header, "@include") ||
	    !strcmp(header, "#includedir") || !strcmp(header, "@includedir")) {
		line = vg_cfg_trim(line);
		if (*line)
			sudo_include(c, source, real_source, strstr(header, "dir") != NULL, line,
				     depth);
		return;
	}
	if (header[0] == '#' && !(header[1] >= '0' && header[1] <= '9'))
		return; /* a comment; "#<uid>" is a user */
	vg_strbuf_reset(details);
	while ((tok = vg_cfg_token(&line))) {
		if (details->len)
			vg_strbuf_addch(details, ' ');
		vg_strbuf_addstr(details, tok);
	}
	sudo_emit(c, real_source, header, details->buf);
}

/* Reads and parses logical path @path (under the root), following includes. */
static void sudo_file(struct sudo_ctx *c, const char *path, int depth)
{
	struct vg_strbuf text = VG_STRBUF_INIT, real = VG_STRBUF_INIT, joined = VG_STRBUF_INIT;
	struct vg_strbuf details = VG_STRBUF_INIT;
	struct stat st = { 0 };
	char *cursor, *line;
	int err;

	if (depth > SUDO_MAX_DEPTH || c->n_files >= SUDO_MAX_FILES)
		goto out;
	c->n_files++;
	vg_strbuf_addf(&real, "%s%s", c->root, path);
	err = vg_cfg_read_st(AT_FDCWD, real.buf, true, VG_CFG_MAX_BYTES, &text, &st);
	if ((err && err != -EFBIG) || st.st_uid != 0 || (st.st_mode & S_IWOTH))
		goto out;
	cursor = text.buf;
	while ((line = vg_cfg_next_line(&cursor))) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\\') {
			vg_strbuf_add(&joined, line, len - 1);
			if (*cursor)
				continue;
		} else {
			vg_strbuf_add(&joined, line, len);
		}
		sudo_line(c, path, real.buf, joined.buf, &details, depth);
		vg_strbuf_reset(&joined);
	}
out:
	vg_strbuf_release(&details);
	vg_strbuf_release(&joined);
	vg_strbuf_release(&real);
	vg_strbuf_release(&text);
}

static int sudoers_generate(struct vg_query *q)
{
	struct vg_strbuf root = VG_STRBUF_INIT;
	struct sudo_ctx c = { .q = q, .root = "" };
	size_t pos = 0;
	const char *v;

	if (!vg_cfg_has_eq(q, C_ROOT_PATH)) {
		sudo_file(&c, "/etc/sudoers", 1);
		return 0;
	}
	while ((v = vg_query_next_eq(q, C_ROOT_PATH, &pos))) {
		vg_strbuf_reset(&root);
		vg_strbuf_addstr(&root, v);
		while (root.len && root.buf[root.len - 1] == '/')
			root.buf[--root.len] = '\0';
		c.root = root.buf;
		c.root_col = v;
		c.n_files = 0;
		sudo_file(&c, "/etc/sudoers", 1);
	}
	vg_strbuf_release(&root);
	return 0;
}

const struct vg_table vg_table_sudoers = {
	.name = "sudoers",
	.description = "Rules for running commands as other users via sudo",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 20,
	.est_cost = 200,
	.generate = sudoers_generate,
};
