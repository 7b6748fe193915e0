// SPDX-License-Identifier: Apache-2.0
/*
 * output.h - the shell's result printers, one per output mode, with
 * osqueryi's formats (pretty, line, list, csv, column, json, json_pretty)
 * plus JSON Lines for streams.
 *
 * A printer receives a result as begin (column names), rows, end. Modes that
 * need column widths (pretty, column) buffer the rows until end; the others
 * write each row as it comes. Everything goes to one FILE (borrowed).
 */
#ifndef VIGIL_SHELL_OUTPUT_H
#define VIGIL_SHELL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum vg_out_mode {
	VG_OUT_PRETTY = 0,
	VG_OUT_LINE,
	VG_OUT_LIST,
	VG_OUT_CSV,
	VG_OUT_COLUMN,
	VG_OUT_JSON,
	VG_OUT_JSON_PRETTY,
	VG_OUT_JSONL,
};

struct vg_out_opts {
	enum vg_out_mode mode;
	bool header;
	char separator[64];
	char nullvalue[64];
	int widths[32]; /* .width, for column mode; 0 = automatic */
	size_t n_widths;
};

struct vg_printer;

/* The mode named @name ("pretty", "csv", ...), or -1. */
int vg_out_mode_parse(const char *name);
const char *vg_out_mode_name(enum vg_out_mode mode);

/*
 * Starts a result with @n_cols columns named @names (copied). @opts and @fp
 * are borrowed until vg_printer_end(). Returns NULL on allocation failure.
 */
struct vg_printer *vg_printer_begin(const struct vg_out_opts *opts, FILE *fp, size_t n_cols,
				    const char *const *names);

/* Prints (or buffers) one row: @vals[i] is NULL for SQL NULL; @lens gives byte lengths. */
void vg_printer_row(struct vg_printer *p, const char *const *vals, const size_t *lens);

/* Finishes the result, flushes @fp and frees @p. */
void vg_printer_end(struct vg_printer *p);

/*
 * JSON string escaping shared by the JSON modes: writes @s (@len bytes) as a
 * quoted JSON string. Control characters are escaped; a byte that is not part
 * of valid UTF-8 is written as \udcXX (the "surrogateescape" convention), so
 * file names with invalid UTF-8 survive a round trip.
 */
void vg_json_write_string(FILE *fp, const char *s, size_t len);

#endif
