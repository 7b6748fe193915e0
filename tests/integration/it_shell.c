// SPDX-License-Identifier: Apache-2.0
/*
 * The `vigil` shell as a user runs it: the built binary with flags, a
 * positional query or stdin, every output mode, every dot-command, and
 * exit codes. Outputs are compared byte for byte with osqueryi's formats.
 */
#include <stdlib.h>

#include "vt.h"

/* Runs vigil; checks exit code and exact stdout (NULL: not checked). */
static bool run(const char *file, int line, const char *const *argv, const char *input, int want_rc,
		const char *want_out, char **out, char **err)
{
	int rc = vt_run_vigil(argv, input, out, err);

	if (rc != want_rc) {
		vt_fail(file, line, "exit code %d, want %d; stdout:\n%s\nstderr:\n%s", rc, want_rc,
			*out, err ? *err : "");
		return false;
	}
	if (want_out && strcmp(*out, want_out)) {
		vt_fail(file, line, "stdout:\n---\n%s---\nwant:\n---\n%s---", *out, want_out);
		return false;
	}
	return true;
}

#define RUN(argv, input, rc, want)                                                 \
	do {                                                                       \
		free(out);                                                         \
		free(err);                                                         \
		out = err = NULL;                                                  \
		if (!run(__FILE__, __LINE__, argv, input, rc, want, &out, &err)) { \
			free(out);                                                 \
			free(err);                                                 \
			return;                                                    \
		}                                                                  \
	} while (0)

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NOARGS	  ((const char *const[]){ NULL })

VT_TEST(output_modes)
{
	char *out = NULL, *err = NULL;
	const char *q = "SELECT 1 AS a, 'xy' AS bb";

	RUN(ARGS(q), NULL, 0, "+---+----+\n| a | bb |\n+---+----+\n| 1 | xy |\n+---+----+\n");
	RUN(ARGS("--json", "select 0"), NULL, 0, "[\n  {\"0\":\"0\"}\n]\n");
	RUN(ARGS("--json", "SELECT 2 AS z, 1 AS a UNION ALL SELECT 4, 3"), NULL, 0,
	    "[\n  {\"a\":\"1\",\"z\":\"2\"},\n  {\"a\":\"3\",\"z\":\"4\"}\n]\n");
	RUN(ARGS("--json_pretty", "select 0"), NULL, 0, "[\n  {\n    \"0\": \"0\"\n  }\n]\n");
	RUN(ARGS("--csv", "SELECT 1 AS a, 'x,\"y' AS b"), NULL, 0, "a,b\r\n1,\"x,\"\"y\"\r\n");
	RUN(ARGS("--csv", "--separator", ";", "SELECT 1 AS a, 'x,y' AS b"), NULL, 0,
	    "a;b\r\n1;x,y\r\n");
	RUN(ARGS("--line", "SELECT 1 AS a, 2 AS longname"), NULL, 0,
	    "       a = 1\nlongname = 2\n");
	RUN(ARGS("--line", "SELECT 1 AS a UNION ALL SELECT 2"), NULL, 0,
	    "    a = 1\n\n    a = 2\n");
	RUN(ARGS("--list", q), NULL, 0, "a|bb\n1|xy\n");
	RUN(ARGS("--list", "--header=false", q), NULL, 0, "1|xy\n");
	RUN(ARGS("--list", "--nullvalue", "NULL", "SELECT NULL AS n"), NULL, 0, "n\nNULL\n");
	/* Zero rows: nothing in pretty mode, an empty array in JSON. */
	RUN(ARGS("SELECT 1 WHERE 0"), NULL, 0, "");
	RUN(ARGS("--json", "SELECT 1 AS a WHERE 0"), NULL, 0, "[\n\n]\n");
	/* Pretty widths count UTF-8 code points, not bytes. */
	RUN(ARGS("SELECT 'h\xc3\xa9' AS w"), NULL, 0,
	    "+----+\n| w  |\n+----+\n| h\xc3\xa9 |\n+----+\n");
	free(out);
	free(err);
}

VT_TEST(json_escapes_control_and_invalid_utf8)
{
	char *out = NULL, *err = NULL;

	RUN(ARGS("--json", "SELECT 'a\"b\\c' || char(10) || char(9) || char(1) AS s"), NULL, 0,
	    "[\n  {\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\"}\n]\n");
	RUN(ARGS("--json", "SELECT CAST(x'41ff42' AS TEXT) AS s"), NULL, 0,
	    "[\n  {\"s\":\"A\\udcffB\"}\n]\n");
	free(out);
	free(err);
}

VT_TEST(stdin_statements)
{
	char *out = NULL, *err = NULL;

	RUN(ARGS("--list"), "select 1 as x;\nselect\n 2 as y;\n\n", 0, "x\n1\ny\n2\n");
	/* A last statement without ';' still runs. */
	RUN(ARGS("--list"), "select 3 as z", 0, "z\n3\n");
	/* A dot-command between statements. */
	RUN(ARGS("--list"), "select 1 as a;\n.headers off\nselect 2 as b;\n", 0, "a\n1\n2\n");
	free(out);
	free(err);
}

VT_TEST(errors_and_exit_codes)
{
	char *out = NULL, *err = NULL;

	RUN(ARGS("selec 1"), NULL, 1, "");
	VT_ASSERT_STR_EQ(err, "Error: near \"selec\": syntax error\n");
	RUN(ARGS("SELECT * FROM no_such_table"), NULL, 1, "");
	VT_ASSERT_STR_EQ(err, "Error: no such table: no_such_table\n");
	/* Later statements still run; the exit code reports the failure. */
	RUN(ARGS("--list"), "select 1 as a;\nselect bad;\nselect 2 as b;\n", 1, "a\n1\nb\n2\n");
	VT_ASSERT_CONTAINS(err, "no such column: bad");
	/* With .bail on, the first error stops the input. */
	RUN(ARGS("--list"), ".bail on\nselect 1 as a;\nselect bad;\nselect 2 as b;\n", 1, "a\n1\n");
	RUN(ARGS("--bogus_flag"), NULL, 1, "");
	VT_ASSERT_CONTAINS(err, "unknown flag --bogus_flag");
	RUN(ARGS("--header=maybe", "select 1"), NULL, 1, "");
	VT_ASSERT_CONTAINS(err, "not a boolean");
	free(out);
	free(err);
}

VT_TEST(dot_commands)
{
	char *out = NULL, *err = NULL;

	RUN(ARGS(".tables"), NULL, 0, NULL);
	VT_ASSERT_CONTAINS(out, "  => time\n");
	VT_ASSERT_CONTAINS(out, "  => osquery_info\n");
	RUN(ARGS(".tables osquery_f"), NULL, 0, "  => osquery_flags\n");
	RUN(ARGS(".schema time"), NULL, 0, NULL);
	VT_ASSERT_CONTAINS(out, "CREATE TABLE time(`weekday` TEXT, `year` INTEGER,");
	RUN(ARGS(".print hello  world"), NULL, 0, "hello world\n");
	RUN(ARGS(".all time"), NULL, 0, NULL);
	VT_ASSERT_CONTAINS(out, "| weekday");
	RUN(NOARGS, ".mode list\n.separator ,\nselect 1 as a, 2 as b;\n", 0, "a,b\n1,2\n");
	RUN(NOARGS, ".mode csv\nselect 'a b' as x;\n", 0, "x\r\na b\r\n");
	RUN(NOARGS, ".mode line\nselect 1 as a;\n", 0, "    a = 1\n");
	RUN(NOARGS, ".mode json\nselect 1 as a;\n", 0, "[\n  {\"a\":\"1\"}\n]\n");
	RUN(NOARGS, ".mode column\n.width 4 2\nselect 1 as a, 2 as b;\n", 0,
	    "a     b\n----  --\n1     2\n");
	RUN(NOARGS, ".mode list\n.headers off\nselect 1 as a;\n", 0, "1\n");
	RUN(NOARGS, ".mode list\n.nullvalue nil\nselect null as a;\n", 0, "a\nnil\n");
	RUN(NOARGS, ".mode list\n.echo on\nselect 1 as a;\n", 0, "select 1 as a;\na\n1\n");
	RUN(NOARGS, ".mode list\n.timer on\nselect 1 as a;\n", 0, NULL);
	VT_ASSERT_CONTAINS(out, "Run Time: real ");
	RUN(NOARGS, ".features\n", 0, NULL);
	RUN(NOARGS, ".show\n", 0, NULL);
	VT_ASSERT_CONTAINS(out, "mode: pretty");
	VT_ASSERT_CONTAINS(out, "separator: \"|\"");
	RUN(NOARGS, ".help\n", 0, "");
	VT_ASSERT_CONTAINS(err, ".tables [PREFIX]");
	RUN(NOARGS, ".quit\nselect 1;\n", 0, "");
	RUN(NOARGS, ".exit 3\n", 3, "");
	RUN(NOARGS, ".nosuch\n", 1, "");
	VT_ASSERT_CONTAINS(err, "unknown command or invalid arguments: \"nosuch\"");
	RUN(NOARGS, ".mode fancy\n", 1, "");
	VT_ASSERT_CONTAINS(err, "usage: .mode MODE");
	RUN(NOARGS, ".bail maybe\n", 1, "");
	VT_ASSERT_CONTAINS(err, "usage: .bail ON|OFF");
	free(out);
	free(err);
}

VT_TEST(help_version_flagfile_config)
{
	char *dir = vt_tmpdir(), path[600], conf[600], flagfile[700];
	char *out = NULL, *err = NULL;
	static const char bad[] = "{ \"options\": { \"header\": \"maybe\" } }";
	static const char good[] = "{ \"options\": { \"separator\": \"!\" } }";

	RUN(ARGS("--help"), NULL, 0, NULL);
	VT_ASSERT_CONTAINS(out, "--separator VALUE");
	VT_ASSERT_CONTAINS(out, "(default: \"|\")");
	VT_ASSERT_CONTAINS(out, "--config_path VALUE");
	RUN(ARGS("--version"), NULL, 0, "vigil version " VIGIL_VERSION "\n");

	snprintf(conf, sizeof(conf), "%s/vigil.conf", dir);
	VT_ASSERT_OK(vt_write_file(conf, good, sizeof(good) - 1));
	snprintf(path, sizeof(path), "%s/vigil.flags", dir);
	snprintf(flagfile, sizeof(flagfile), "--config_path=%s\n--list\n", conf);
	VT_ASSERT_OK(vt_write_file(path, flagfile, strlen(flagfile)));
	{
		char arg[700];

		snprintf(arg, sizeof(arg), "--flagfile=%s", path);
		RUN(ARGS(arg, "select 1 as a, 2 as b"), NULL, 0, "a!b\n1!2\n");
		RUN(ARGS(arg, "SELECT config_valid, length(config_hash) FROM osquery_info"), NULL,
		    0, "config_valid!length(config_hash)\n1!40\n");
	}
	VT_ASSERT_OK(vt_write_file(conf, bad, sizeof(bad) - 1));
	{
		char arg[700];

		snprintf(arg, sizeof(arg), "--config_path=%s", conf);
		RUN(ARGS(arg, "select 1"), NULL, 1, "");
		VT_ASSERT_CONTAINS(err, "not a boolean");
		RUN(ARGS(arg, "--config_check"), NULL, 1, "");
	}
	RUN(ARGS("--config_path=/nonexistent/x.conf", "select 1"), NULL, 1, "");
	VT_ASSERT_CONTAINS(err, "config /nonexistent/x.conf: No such file or directory");
	vt_rmtree(dir);
	free(dir);
	free(out);
	free(err);
}

VT_TEST(sql_functions)
{
	char *out = NULL, *err = NULL;

	RUN(ARGS("--list", "--header=false",
		 "SELECT split('a,b;;c', ',;', 2), regex_match('pid=42 ok', 'pid=([0-9]+)', 1), "
		 "regex_split('a1b22c', '[0-9]+', 2), to_base64('hi'), from_base64('aGk='), "
		 "sha256('abc'), md5(''), inet_aton('10.0.0.1'), concat_ws('-', 'a', NULL, 'b')"),
	    NULL, 0,
	    "c|42|c|aGk=|hi|ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad|"
	    "d41d8cd98f00b204e9800998ecf8427e|167772161|a-b\n");
	RUN(ARGS("SELECT regex_match('x', '(', 0)"), NULL, 1, "");
	free(out);
	free(err);
}
