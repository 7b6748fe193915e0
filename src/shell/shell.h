// SPDX-License-Identifier: Apache-2.0
/*
 * shell.h - the vigil shell: runs SQL and dot-commands against the SQL
 * engine and prints results (osqueryi-compatible).
 *
 * A struct vg_shell belongs to the main thread. Errors are printed to
 * stderr as "Error: <message>" and counted; nothing else is printed for a
 * failed statement.
 */
#ifndef VIGIL_SHELL_SHELL_H
#define VIGIL_SHELL_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"

struct sqlite3;
struct vg_strbuf;

struct vg_shell {
	struct sqlite3 *db; /* borrowed */
	FILE *out;	    /* results (stdout) */
	struct vg_out_opts opts;
	bool bail;     /* stop at the first error */
	bool echo;     /* print each command before running it */
	bool timer;    /* print run times */
	bool planner;  /* print EXPLAIN QUERY PLAN to stderr */
	bool quit;     /* .exit/.quit was run */
	int exit_code; /* for .exit N */
	unsigned n_errors;
	uint64_t n_rows; /* rows printed so far */
};

/* Sets up @sh on @db with the output settings of the flags. */
void vg_shell_init(struct vg_shell *sh, struct sqlite3 *db);

/* Runs every statement in @sql, printing each result. Returns 0 or -1 (error printed). */
int vg_shell_exec(struct vg_shell *sh, const char *sql);

/* Runs one dot-command line (starting with '.'). Returns 0 or -1 (error printed). */
int vg_shell_dot(struct vg_shell *sh, const char *line);

/*
 * Feeds one input line: a dot-command when no SQL is pending, otherwise SQL
 * accumulated in @pending until it forms complete statements (ending in ';').
 * Returns 0 or -1 after an error.
 */
int vg_shell_feed(struct vg_shell *sh, const char *line, struct vg_strbuf *pending);

/* Reads and runs @fp to its end (non-interactive input). */
int vg_shell_run_stream(struct vg_shell *sh, FILE *fp);

/*
 * Runs @sql over and over (every 200 ms), printing only the event rows that
 * arrived since the run before (follow mode, see vg_events_follow_begin()),
 * until *@stop is set; @tick (may be NULL) is called with @arg between runs
 * (the caller's housekeeping: config reloads). JSON modes print one object
 * per line; the other modes print the header once. Each run's new rows are
 * flushed together as the run ends: none waits for later events.
 * Returns 0 or -1 (error printed).
 */
int vg_shell_follow(struct vg_shell *sh, const char *sql, volatile sig_atomic_t *stop,
		    void (*tick)(void *arg), void *arg);

/* The interactive prompt with line editing and history. */
int vg_shell_interactive(struct vg_shell *sh);

/* Prints an error message as "Error: ..." to stderr and counts it. */
void vg_shell_error(struct vg_shell *sh, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
