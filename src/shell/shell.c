// SPDX-License-Identifier: Apache-2.0
/*
 * shell.c - statement execution and input handling for the vigil shell.
 *
 * HOW IT WORKS: vg_shell_exec() prepares statements one after another from
 * the input text (sqlite3_prepare_v2's tail), steps each, and streams its
 * rows into a printer (output.c). Input lines are fed through
 * vg_shell_feed(): a line starting with '.' outside a statement is a
 * dot-command (dot.c); anything else accumulates until sqlite3_complete()
 * says the statements are whole. The interactive loop uses libedit.
 */
#include "shell.h"

#include <editline/readline.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vigil/events.h"
#include "vigil/flags.h"
#include "vigil/strbuf.h"

#define HISTORY_LINES 1000

void vg_shell_init(struct vg_shell *sh, sqlite3 *db)
{
	struct vg_out_opts *o = &sh->opts;
	bool csv = vg_flag_bool(VG_F_csv);
	int sep_flag = vg_flags_find("separator");
	struct vg_flag_info sep;

	memset(sh, 0, sizeof(*sh));
	sh->db = db;
	sh->out = stdout;
	/* Only this thread prints: no lock per character (--follow prints a lot). */
	__fsetlocking(sh->out, FSETLOCKING_BYCALLER);
	sh->planner = vg_flag_bool(VG_F_planner);
	o->mode = VG_OUT_PRETTY;
	if (vg_flag_bool(VG_F_json))
		o->mode = VG_OUT_JSON;
	if (vg_flag_bool(VG_F_json_pretty))
		o->mode = VG_OUT_JSON_PRETTY;
	if (csv)
		o->mode = VG_OUT_CSV;
	if (vg_flag_bool(VG_F_line))
		o->mode = VG_OUT_LINE;
	if (vg_flag_bool(VG_F_list))
		o->mode = VG_OUT_LIST;
	o->header = vg_flag_bool(VG_F_header);
	vg_flags_info((size_t)sep_flag, &sep);
	/* RFC 4180 CSV is comma-separated unless --separator says otherwise. */
	snprintf(o->separator, sizeof(o->separator), "%s",
		 csv && sep.source == VG_FLAG_FROM_DEFAULT ? "," : vg_flag_str(VG_F_separator));
	snprintf(o->nullvalue, sizeof(o->nullvalue), "%s", vg_flag_str(VG_F_nullvalue));
}

void vg_shell_error(struct vg_shell *sh, const char *fmt, ...)
{
	va_list ap;

	fflush(sh->out);
	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sh->n_errors++;
}

static void print_plan(struct vg_shell *sh, const char *sql, int len)
{
	char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %.*s", len, sql);
	sqlite3_stmt *st = NULL;

	if (eqp && sqlite3_prepare_v2(sh->db, eqp, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(stderr, "plan: %s\n", (const char *)sqlite3_column_text(st, 3));
	}
	sqlite3_finalize(st);
	sqlite3_free(eqp);
}

/* Steps @st to its end, printing rows. Returns the final sqlite3_step() code. */
static int run_statement(struct vg_shell *sh, sqlite3_stmt *st)
{
	int n = sqlite3_column_count(st);
	const char **names = NULL, **vals = NULL;
	struct vg_printer *pr = NULL;
	size_t *lens = NULL;
	int rc;

	if (n > 0) {
		names = calloc((size_t)n, sizeof(*names));
		vals = calloc((size_t)n, sizeof(*vals));
		lens = calloc((size_t)n, sizeof(*lens));
		if (!names || !vals || !lens) {
			rc = SQLITE_NOMEM;
			goto out;
		}
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!pr) {
			for (int i = 0; i < n; i++)
				names[i] = sqlite3_column_name(st, i);
			pr = vg_printer_begin(&sh->opts, sh->out, (size_t)n, names);
			if (!pr) {
				rc = SQLITE_NOMEM;
				goto out;
			}
		}
		for (int i = 0; i < n; i++) {
			vals[i] = sqlite3_column_type(st, i) == SQLITE_NULL
				      ? NULL
				      : (const char *)sqlite3_column_text(st, i);
			lens[i] = vals[i] ? (size_t)sqlite3_column_bytes(st, i) : 0;
		}
		vg_printer_row(pr, vals, lens);
		sh->n_rows++;
	}
	/* osqueryi prints "[\n\n]" for an empty JSON result, nothing in other modes. */
	if (!pr && rc == SQLITE_DONE && n > 0 && sh->opts.mode == VG_OUT_JSON) {
		for (int i = 0; i < n; i++)
			names[i] = sqlite3_column_name(st, i);
		pr = vg_printer_begin(&sh->opts, sh->out, (size_t)n, names);
	}
out:
	vg_printer_end(pr);
	free(names);
	free(vals);
	free(lens);
	return rc;
}

static double tv_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int vg_shell_exec(struct vg_shell *sh, const char *sql)
{
	const char *tail = sql;

	while (tail && *tail) {
		struct rusage r0, r1;
		sqlite3_stmt *st = NULL;
		int64_t t0 = 0;
		const char *start;
		int rc;

		while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r')
			tail++;
		start = tail;
		if (!*start)
			break;
		rc = sqlite3_prepare_v2(sh->db, start, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			vg_shell_error(sh, "%s", sqlite3_errmsg(sh->db));
			return -1;
		}
		if (!st) /* a comment or a lone ';' */
			continue;
		if (sh->echo)
			fprintf(sh->out, "%.*s\n", (int)(tail - start), start);
		if (sh->planner)
			print_plan(sh, start, (int)(tail - start));
		if (sh->timer) {
			getrusage(RUSAGE_SELF, &r0);
			t0 = vg_mono_ns();
		}
		rc = run_statement(sh, st);
		if (sh->timer) {
			getrusage(RUSAGE_SELF, &r1);
			fprintf(sh->out, "Run Time: real %.3f user %.6f sys %.6f\n",
				(double)(vg_mono_ns() - t0) / 1e9,
				tv_seconds(r1.ru_utime) - tv_seconds(r0.ru_utime),
				tv_seconds(r1.ru_stime) - tv_seconds(r0.ru_stime));
		}
		if (rc != SQLITE_DONE) {
			vg_shell_error(sh, "%s", sqlite3_errmsg(sh->db));
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
	}
	return 0;
}

int vg_shell_feed(struct vg_shell *sh, const char *line, struct vg_strbuf *pending)
{
	const char *p = line;
	int rc = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!pending->len && *p == '.') {
		if (sh->echo)
			fprintf(sh->out, "%s\n", line);
		return vg_shell_dot(sh, p);
	}
	if (!pending->len && !*p)
		return 0;
	vg_strbuf_addstr(pending, line);
	vg_strbuf_addch(pending, '\n');
	if (sqlite3_complete(pending->buf)) {
		rc = vg_shell_exec(sh, pending->buf);
		vg_strbuf_reset(pending);
	}
	return rc;
}

int vg_shell_run_stream(struct vg_shell *sh, FILE *fp)
{
	struct vg_strbuf pending = VG_STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (!sh->quit && (n = getline(&line, &cap, fp)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (vg_shell_feed(sh, line, &pending)) {
			rc = -1;
			if (sh->bail)
				break;
		}
	}
	/* A last statement without its ';' still runs. */
	if (!sh->quit && !(rc && sh->bail) && pending.len && vg_shell_exec(sh, pending.buf))
		rc = -1;
	free(line);
	vg_strbuf_release(&pending);
	return rc;
}

int vg_shell_follow(struct vg_shell *sh, const char *sql, volatile sig_atomic_t *stop,
		    void (*tick)(void *arg), void *arg)
{
	int rc = 0;

	if (vg_events_follow_begin()) {
		vg_shell_error(sh, "out of memory");
		return -1;
	}
	/*
	 * One write per batch of new rows instead of one per row (a row costs
	 * less than the write(2) that would carry it alone): rows are buffered
	 * while a run prints them and flushed when it ends, so none waits for
	 * later events.
	 */
	setvbuf(sh->out, NULL, _IOFBF, 1 << 16);
	if (sh->opts.mode == VG_OUT_JSON || sh->opts.mode == VG_OUT_JSON_PRETTY)
		sh->opts.mode = VG_OUT_JSONL;
	else if (sh->opts.mode == VG_OUT_PRETTY || sh->opts.mode == VG_OUT_COLUMN)
		sh->opts.mode = VG_OUT_LIST; /* widths cannot be known ahead of a stream */
	while (!*stop) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000000 };
		uint64_t before = sh->n_rows;

		rc = vg_shell_exec(sh, sql);
		if (rc)
			break;
		vg_events_query_commit();
		if (sh->n_rows > before) {
			sh->opts.header = false; /* once is enough */
			fflush(sh->out);
		}
		nanosleep(&ts, NULL); /* a signal cuts it short */
		if (tick)
			tick(arg);
	}
	vg_events_follow_end();
	return rc;
}

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *path = NULL;

	if (!home || !*home)
		return NULL;
	if (asprintf(&path, "%s/.vigil_history", home) < 0)
		return NULL;
	return path;
}

int vg_shell_interactive(struct vg_shell *sh)
{
	struct vg_strbuf pending = VG_STRBUF_INIT, entry = VG_STRBUF_INIT;
	char *hist = history_path();
	char *line;

	fprintf(sh->out,
		"vigil %s, an osquery-compatible monitor\n"
		"Enter \".help\" for instructions\n",
		VIGIL_VERSION);
	using_history();
	stifle_history(HISTORY_LINES);
	if (hist)
		read_history(hist);
	while (!sh->quit && (line = readline(pending.len ? "    ...> " : "vigil> "))) {
		/* History keeps whole statements: the lines of one are joined. */
		vg_strbuf_reset(&entry);
		if (pending.len) {
			vg_strbuf_add(&entry, pending.buf, pending.len);
			for (size_t i = 0; i < entry.len; i++)
				if (entry.buf[i] == '\n')
					entry.buf[i] = ' ';
		}
		vg_strbuf_addstr(&entry, line);
		vg_shell_feed(sh, line, &pending);
		if (!pending.len && *line)
			add_history(entry.buf);
		free(line);
	}
	if (!sh->quit)
		fputc('\n', sh->out);
	if (hist) {
		write_history(hist);
		chmod(hist, S_IRUSR | S_IWUSR);
	}
	free(hist);
	vg_strbuf_release(&entry);
	vg_strbuf_release(&pending);
	return 0;
}
