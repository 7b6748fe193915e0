// SPDX-License-Identifier: Apache-2.0
/*
 * dot.c - the shell's dot-commands, as osqueryi has them (.help lists them).
 *
 * A command line is split on blanks (with "double" or 'single' quotes
 * grouping words); the first word picks a handler from a table. A missing or
 * bad argument prints the command's usage as an error.
 */
#include "shell.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vigil/flags.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"
#include "vtab.h"

#define MAX_ARGS 34

struct dot_cmd {
	const char *name;
	const char *alias;
	const char *usage;
	const char *help;
	int (*run)(struct vg_shell *sh, int argc, char **argv);
};

static const struct dot_cmd *find_cmd(const char *name);

static int usage(struct vg_shell *sh, const char *name)
{
	const struct dot_cmd *c = find_cmd(name);

	vg_shell_error(sh, "usage: %s", c ? c->usage : name);
	return -1;
}

/* Parses ON/OFF (also 1/0, yes/no, true/false); -1 if neither. */
static int on_off(const char *s)
{
	static const char *const on[] = { "on", "1", "yes", "true" };
	static const char *const off[] = { "off", "0", "no", "false" };

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcasecmp(s, on[i]))
			return 1;
		if (!strcasecmp(s, off[i]))
			return 0;
	}
	return -1;
}

static int set_bool(struct vg_shell *sh, int argc, char **argv, bool *target)
{
	int v = argc == 2 ? on_off(argv[1]) : -1;

	if (v < 0)
		return usage(sh, argv[0]);
	*target = v;
	return 0;
}

static int cmd_all(struct vg_shell *sh, int argc, char **argv)
{
	char *sql;
	int rc;

	if (argc != 2)
		return usage(sh, "all");
	sql = sqlite3_mprintf("SELECT * FROM \"%w\";", argv[1]);
	if (!sql)
		return -1;
	rc = vg_shell_exec(sh, sql);
	sqlite3_free(sql);
	return rc;
}

static int cmd_bail(struct vg_shell *sh, int argc, char **argv)
{
	return set_bool(sh, argc, argv, &sh->bail);
}

static int cmd_echo(struct vg_shell *sh, int argc, char **argv)
{
	return set_bool(sh, argc, argv, &sh->echo);
}

static int cmd_timer(struct vg_shell *sh, int argc, char **argv)
{
	return set_bool(sh, argc, argv, &sh->timer);
}

static int cmd_headers(struct vg_shell *sh, int argc, char **argv)
{
	return set_bool(sh, argc, argv, &sh->opts.header);
}

static int cmd_exit(struct vg_shell *sh, int argc, char **argv)
{
	sh->quit = true;
	sh->exit_code = argc > 1 ? atoi(argv[1]) : 0;
	return 0;
}

static int cmd_features(struct vg_shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < vg_flags_count(); i++) {
		struct vg_flag_info f;

		vg_flags_info(i, &f);
		if (f.type == VG_FLAG_BOOL &&
		    (!strncmp(f.name, "disable_", 8) || !strncmp(f.name, "enable_", 7)))
			fprintf(sh->out, "%s: %s\n", f.name, f.value);
	}
	return 0;
}

static int cmd_help(struct vg_shell *sh, int argc, char **argv);

static int cmd_mode(struct vg_shell *sh, int argc, char **argv)
{
	int mode = argc == 2 ? vg_out_mode_parse(argv[1]) : -1;

	if (mode < 0)
		return usage(sh, "mode");
	sh->opts.mode = (enum vg_out_mode)mode;
	if (mode == VG_OUT_CSV && !strcmp(sh->opts.separator, "|"))
		snprintf(sh->opts.separator, sizeof(sh->opts.separator), ",");
	else if (mode == VG_OUT_LIST && !strcmp(sh->opts.separator, ","))
		snprintf(sh->opts.separator, sizeof(sh->opts.separator), "|");
	return 0;
}

static int cmd_nullvalue(struct vg_shell *sh, int argc, char **argv)
{
	if (argc != 2)
		return usage(sh, "nullvalue");
	snprintf(sh->opts.nullvalue, sizeof(sh->opts.nullvalue), "%s", argv[1]);
	return 0;
}

static int cmd_print(struct vg_shell *sh, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		fprintf(sh->out, "%s%s", i > 1 ? " " : "", argv[i]);
	fputc('\n', sh->out);
	return 0;
}

static int cmd_separator(struct vg_shell *sh, int argc, char **argv)
{
	if (argc != 2)
		return usage(sh, "separator");
	snprintf(sh->opts.separator, sizeof(sh->opts.separator), "%s", argv[1]);
	return 0;
}

static int cmd_schema(struct vg_shell *sh, int argc, char **argv)
{
	const struct vg_table *const *t;
	size_t n, shown = 0;

	if (argc > 2)
		return usage(sh, "schema");
	t = vg_registry_tables(&n);
	for (size_t i = 0; i < n; i++) {
		char *sql;

		if (argc == 2 && strncmp(t[i]->name, argv[1], strlen(argv[1])))
			continue;
		sql = vg_vtab_create_sql(t[i]);
		fprintf(sh->out, "%s;\n", sql);
		free(sql);
		shown++;
	}
	if (argc == 2 && !shown) {
		vg_shell_error(sh, "no table named like \"%s\"", argv[1]);
		return -1;
	}
	return 0;
}

static int cmd_tables(struct vg_shell *sh, int argc, char **argv)
{
	const struct vg_table *const *t;
	size_t n;

	if (argc > 2)
		return usage(sh, "tables");
	t = vg_registry_tables(&n);
	for (size_t i = 0; i < n; i++)
		if (argc < 2 || !strncmp(t[i]->name, argv[1], strlen(argv[1])))
			fprintf(sh->out, "  => %s\n", t[i]->name);
	return 0;
}

static int cmd_width(struct vg_shell *sh, int argc, char **argv)
{
	sh->opts.n_widths = 0;
	for (int i = 1; i < argc && sh->opts.n_widths < 32; i++)
		sh->opts.widths[sh->opts.n_widths++] = atoi(argv[i]);
	return 0;
}

static int cmd_version(struct vg_shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(sh->out, "vigil %s\nusing SQLite %s\n", VIGIL_VERSION, sqlite3_libversion());
	return 0;
}

static int cmd_show(struct vg_shell *sh, int argc, char **argv)
{
	const struct vg_out_opts *o = &sh->opts;

	(void)argc;
	(void)argv;
	fprintf(sh->out,
		"vigil - an osquery-compatible file integrity and process audit monitor\n"
		"  version: %s\n  using SQLite: %s\n\nGeneral settings:\n"
		"     Flagfile: %s\n       Config: %s\n\nShell settings:\n"
		"         echo: %s\n      headers: %s\n         mode: %s\n"
		"    nullvalue: \"%s\"\n       output: stdout\n    separator: \"%s\"\n"
		"        width: ",
		VIGIL_VERSION, sqlite3_libversion(), vg_flag_str(VG_F_flagfile),
		vg_flag_str(VG_F_config_path), sh->echo ? "on" : "off", o->header ? "on" : "off",
		vg_out_mode_name(o->mode), o->nullvalue, o->separator);
	for (size_t i = 0; i < o->n_widths; i++)
		fprintf(sh->out, "%s%d", i ? " " : "", o->widths[i]);
	fputs("\n\nNon-default flags/options:\n", sh->out);
	for (size_t i = 0; i < vg_flags_count(); i++) {
		struct vg_flag_info f;

		vg_flags_info(i, &f);
		if (f.source != VG_FLAG_FROM_DEFAULT && strcmp(f.value, f.default_value))
			fprintf(sh->out, "  %s: %s\n", f.name, f.value);
	}
	return 0;
}

static const struct dot_cmd cmds[] = {
	{ "all", NULL, ".all TABLE", "Select all from a table", cmd_all },
	{ "bail", NULL, ".bail ON|OFF", "Stop after hitting an error", cmd_bail },
	{ "echo", NULL, ".echo ON|OFF", "Turn command echo on or off", cmd_echo },
	{ "exit", NULL, ".exit [CODE]", "Exit this program", cmd_exit },
	{ "features", NULL, ".features", "List the enable_/disable_ features", cmd_features },
	{ "headers", "header", ".headers ON|OFF", "Turn display of headers on or off",
	  cmd_headers },
	{ "help", NULL, ".help", "Show this message", cmd_help },
	{ "mode", NULL, ".mode MODE",
	  "Set output mode: csv, column, line, list, pretty (default), json, json_pretty, jsonl",
	  cmd_mode },
	{ "nullvalue", NULL, ".nullvalue STRING", "Use STRING in place of NULL values",
	  cmd_nullvalue },
	{ "print", NULL, ".print STRING...", "Print literal STRING", cmd_print },
	{ "quit", NULL, ".quit", "Exit this program", cmd_exit },
	{ "schema", NULL, ".schema [TABLE]", "Show the CREATE statements", cmd_schema },
	{ "separator", NULL, ".separator STRING", "Change the separator for list and csv modes",
	  cmd_separator },
	{ "show", "summary", ".show", "Show the current values for various settings", cmd_show },
	{ "tables", "list", ".tables [PREFIX]", "List names of tables", cmd_tables },
	{ "timer", NULL, ".timer ON|OFF", "Turn the CPU timer measurement on or off", cmd_timer },
	{ "version", NULL, ".version", "Show the versions of vigil and SQLite", cmd_version },
	{ "width", NULL, ".width [NUM1]+", "Set column widths for \"column\" mode", cmd_width },
};

static const struct dot_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name) || (cmds[i].alias && !strcmp(cmds[i].alias, name)))
			return &cmds[i];
	return NULL;
}

static int cmd_help(struct vg_shell *sh, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fflush(sh->out);
	fputs("Welcome to the vigil shell. Please explore your OS!\n"
	      "You are connected to a transient in-memory virtual database.\n\n",
	      stderr);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "%-20s %s\n", cmds[i].usage, cmds[i].help);
	return 0;
}

/* Splits @line into words in place; quotes group words. Returns the count. */
static int split_args(char *line, char **argv)
{
	int argc = 0;
	char *p = line;

	while (*p && argc < MAX_ARGS) {
		char quote = 0, *w;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (*p == '"' || *p == '\'')
			quote = *p++;
		w = p;
		while (*p && (quote ? *p != quote : (*p != ' ' && *p != '\t')))
			p++;
		if (*p)
			*p++ = '\0';
		argv[argc++] = w;
	}
	return argc;
}

int vg_shell_dot(struct vg_shell *sh, const char *line)
{
	char *copy = strdup(line + 1), *argv[MAX_ARGS + 1] = { 0 };
	const struct dot_cmd *c;
	int argc, rc;

	if (!copy)
		return -1;
	argc = split_args(copy, argv);
	c = argc ? find_cmd(argv[0]) : NULL;
	if (!c) {
		vg_shell_error(
		    sh, "unknown command or invalid arguments: \"%s\". Enter \".help\" for help",
		    argc ? argv[0] : "");
		free(copy);
		return -1;
	}
	rc = c->run(sh, argc, argv);
	free(copy);
	return rc;
}
