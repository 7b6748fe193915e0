// SPDX-License-Identifier: Apache-2.0
/*
 * output.c - the shell's printers (see output.h), matching osqueryi:
 *
 *   pretty       +---+ bordered table, widths in UTF-8 code points + 2;
 *                nothing at all for zero rows
 *   line         "name = value", names right-aligned (at least 5 wide),
 *                a blank line between rows
 *   list         values joined by the separator, header first
 *   csv          RFC 4180: quoted when needed, quotes doubled, CRLF
 *   column       left-aligned columns two spaces apart (.width or automatic)
 *   json         "[\n  {...},\n  {...}\n]\n", keys sorted, values as strings
 *   json_pretty  the same, indented two spaces per level
 *   jsonl        one compact JSON object per line
 *
 * HOW IT WORKS: pretty and column keep the rows (one allocation per row)
 * until vg_printer_end(), because widths depend on every value; the other
 * modes print each row at once. NULL prints as the nullvalue.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>

struct vg_printer {
	const struct vg_out_opts *o;
	FILE *fp;
	size_t n_cols;
	char **names;
	size_t *order; /* column indexes sorted by name (JSON key order) */
	char **rows;   /* buffered rows: n_cols NUL-terminated strings each, back to back */
	size_t n_rows, alloc_rows;
	size_t n_printed;
};

static const char *const mode_names[] = {
	[VG_OUT_PRETTY] = "pretty",
	[VG_OUT_LINE] = "line",
	[VG_OUT_LIST] = "list",
	[VG_OUT_CSV] = "csv",
	[VG_OUT_COLUMN] = "column",
	[VG_OUT_JSON] = "json",
	[VG_OUT_JSON_PRETTY] = "json_pretty",
	[VG_OUT_JSONL] = "jsonl",
};

int vg_out_mode_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(mode_names[i], name))
			return (int)i;
	return -1;
}

const char *vg_out_mode_name(enum vg_out_mode mode)
{
	return mode_names[mode];
}

/* Width of @s in UTF-8 code points (continuation bytes do not count). */
static size_t width_of(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static struct vg_printer *sort_names_ctx;

static int cmp_by_name(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return strcmp(sort_names_ctx->names[*x], sort_names_ctx->names[*y]);
}

static void print_csv_field(struct vg_printer *p, const char *v, size_t len)
{
	const char *sep = p->o->separator;
	bool quote = false;

	for (size_t i = 0; i < len && !quote; i++)
		quote = v[i] == '"' || v[i] == '\n' || v[i] == '\r' || (sep[0] && v[i] == sep[0]);
	if (!quote) {
		fwrite(v, 1, len, p->fp);
		return;
	}
	fputc('"', p->fp);
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '"')
			fputc('"', p->fp);
		fputc(v[i], p->fp);
	}
	fputc('"', p->fp);
}

static void print_header(struct vg_printer *p)
{
	if (!p->o->header)
		return;
	for (size_t i = 0; i < p->n_cols; i++) {
		if (i)
			fputs(p->o->separator, p->fp);
		if (p->o->mode == VG_OUT_CSV)
			print_csv_field(p, p->names[i], strlen(p->names[i]));
		else
			fputs(p->names[i], p->fp);
	}
	fputs(p->o->mode == VG_OUT_CSV ? "\r\n" : "\n", p->fp);
}

struct vg_printer *vg_printer_begin(const struct vg_out_opts *opts, FILE *fp, size_t n_cols,
				    const char *const *names)
{
	struct vg_printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->o = opts;
	p->fp = fp;
	p->n_cols = n_cols;
	p->names = calloc(n_cols + 1, sizeof(*p->names));
	p->order = calloc(n_cols + 1, sizeof(*p->order));
	if (!p->names || !p->order)
		goto fail;
	for (size_t i = 0; i < n_cols; i++) {
		p->names[i] = strdup(names[i] ? names[i] : "");
		if (!p->names[i])
			goto fail;
		p->order[i] = i;
	}
	sort_names_ctx = p;
	qsort(p->order, n_cols, sizeof(*p->order), cmp_by_name);
	sort_names_ctx = NULL;
	if (opts->mode == VG_OUT_JSON)
		fputs("[\n", fp);
	else if (opts->mode == VG_OUT_JSON_PRETTY)
		fputc('[', fp);
	return p;
fail:
	vg_printer_end(p);
	return NULL;
}

/* Keeps a copy of a row for the width-dependent modes. */
static void buffer_row(struct vg_printer *p, const char *const *vals, const size_t *lens)
{
	const char *nul = p->o->nullvalue;
	size_t total = 0;
	char *row, *w;

	for (size_t i = 0; i < p->n_cols; i++)
		total += (vals[i] ? lens[i] : strlen(nul)) + 1;
	if (p->n_rows == p->alloc_rows) {
		size_t n = p->alloc_rows ? p->alloc_rows * 2 : 64;
		char **r = realloc(p->rows, n * sizeof(*r));

		if (!r)
			return;
		p->rows = r;
		p->alloc_rows = n;
	}
	row = malloc(total ? total : 1);
	if (!row)
		return;
	w = row;
	for (size_t i = 0; i < p->n_cols; i++) {
		const char *v = vals[i] ? vals[i] : nul;
		size_t len = vals[i] ? lens[i] : strlen(nul);

		memcpy(w, v, len);
		w[len] = '\0';
		w += len + 1;
	}
	p->rows[p->n_rows++] = row;
}

static void print_json_row(struct vg_printer *p, const char *const *vals, const size_t *lens,
			   bool pretty)
{
	const char *nul = p->o->nullvalue;

	if (pretty)
		fputs(p->n_printed ? ",\n  {\n" : "\n  {\n", p->fp);
	else if (p->o->mode == VG_OUT_JSON)
		fputs(p->n_printed ? ",\n  {" : "  {", p->fp);
	else
		fputc('{', p->fp);
	for (size_t k = 0; k < p->n_cols; k++) {
		size_t i = p->order[k];
		const char *v = vals[i] ? vals[i] : nul;
		size_t len = vals[i] ? lens[i] : strlen(nul);

		/* Duplicate names: the last value wins, as in osquery's row map. */
		if (k + 1 < p->n_cols && !strcmp(p->names[i], p->names[p->order[k + 1]]))
			continue;
		if (pretty)
			fputs("    ", p->fp);
		vg_json_write_string(p->fp, p->names[i], strlen(p->names[i]));
		fputs(pretty ? ": " : ":", p->fp);
		vg_json_write_string(p->fp, v, len);
		if (k + 1 < p->n_cols)
			fputs(pretty ? ",\n" : ",", p->fp);
		else if (pretty)
			fputc('\n', p->fp);
	}
	if (pretty) {
		fputs("  }", p->fp);
	} else {
		fputc('}', p->fp);
		if (p->o->mode == VG_OUT_JSONL) /* flushed when the statement ends */
			fputc('\n', p->fp);
	}
}

static void print_line_row(struct vg_printer *p, const char *const *vals, const size_t *lens)
{
	int w = 5;

	for (size_t i = 0; i < p->n_cols; i++) {
		int n = (int)width_of(p->names[i]);

		if (n > w)
			w = n;
	}
	if (p->n_printed)
		fputc('\n', p->fp);
	for (size_t i = 0; i < p->n_cols; i++) {
		int pad = w - (int)width_of(p->names[i]);

		fprintf(p->fp, "%*s%s = ", pad, "", p->names[i]);
		if (vals[i])
			fwrite(vals[i], 1, lens[i], p->fp);
		else
			fputs(p->o->nullvalue, p->fp);
		fputc('\n', p->fp);
	}
}

void vg_printer_row(struct vg_printer *p, const char *const *vals, const size_t *lens)
{
	switch (p->o->mode) {
	case VG_OUT_PRETTY:
	case VG_OUT_COLUMN:
		buffer_row(p, vals, lens);
		return;
	case VG_OUT_JSON:
	case VG_OUT_JSONL:
		print_json_row(p, vals, lens, false);
		break;
	case VG_OUT_JSON_PRETTY:
		print_json_row(p, vals, lens, true);
		break;
	case VG_OUT_LINE:
		print_line_row(p, vals, lens);
		break;
	case VG_OUT_LIST:
	case VG_OUT_CSV:
		if (!p->n_printed)
			print_header(p);
		for (size_t i = 0; i < p->n_cols; i++) {
			const char *v = vals[i] ? vals[i] : p->o->nullvalue;
			size_t len = vals[i] ? lens[i] : strlen(v);

			if (i)
				fputs(p->o->separator, p->fp);
			if (p->o->mode == VG_OUT_CSV)
				print_csv_field(p, v, len);
			else
				fwrite(v, 1, len, p->fp);
		}
		fputs(p->o->mode == VG_OUT_CSV ? "\r\n" : "\n", p->fp);
		break;
	}
	p->n_printed++;
}

/* The i-th value of buffered row @row. */
static const char *row_value(const char *row, size_t i)
{
	while (i--)
		row += strlen(row) + 1;
	return row;
}

static void print_border(struct vg_printer *p, const size_t *widths)
{
	fputc('+', p->fp);
	for (size_t i = 0; i < p->n_cols; i++) {
		for (size_t k = 0; k < widths[i]; k++)
			fputc('-', p->fp);
		fputc('+', p->fp);
	}
	fputc('\n', p->fp);
}

static void print_cell(struct vg_printer *p, const char *v, size_t width, bool pretty)
{
	size_t n = width_of(v);

	if (pretty)
		fputc(' ', p->fp);
	fputs(v, p->fp);
	for (; n < width; n++)
		fputc(' ', p->fp);
}

static void print_pretty(struct vg_printer *p)
{
	size_t *w = calloc(p->n_cols + 1, sizeof(*w));

	if (!w || !p->n_rows)
		goto out;
	for (size_t i = 0; i < p->n_cols; i++)
		w[i] = width_of(p->names[i]);
	for (size_t r = 0; r < p->n_rows; r++) {
		const char *v = p->rows[r];

		for (size_t i = 0; i < p->n_cols; i++, v += strlen(v) + 1) {
			size_t n = width_of(v);

			if (n > w[i])
				w[i] = n;
		}
	}
	for (size_t i = 0; i < p->n_cols; i++)
		w[i] += 2;
	print_border(p, w);
	fputc('|', p->fp);
	for (size_t i = 0; i < p->n_cols; i++) {
		print_cell(p, p->names[i], w[i] - 1, true);
		fputc('|', p->fp);
	}
	fputc('\n', p->fp);
	print_border(p, w);
	for (size_t r = 0; r < p->n_rows; r++) {
		fputc('|', p->fp);
		for (size_t i = 0; i < p->n_cols; i++) {
			print_cell(p, row_value(p->rows[r], i), w[i] - 1, true);
			fputc('|', p->fp);
		}
		fputc('\n', p->fp);
	}
	print_border(p, w);
out:
	free(w);
}

static void print_column(struct vg_printer *p)
{
	size_t *w = p->n_rows ? calloc(p->n_cols + 1, sizeof(*w)) : NULL;

	if (!w)
		return;
	for (size_t i = 0; i < p->n_cols; i++) {
		if (i < p->o->n_widths && p->o->widths[i] > 0) {
			w[i] = (size_t)p->o->widths[i];
			continue;
		}
		w[i] = width_of(p->names[i]);
		for (size_t r = 0; r < p->n_rows; r++) {
			size_t n = width_of(row_value(p->rows[r], i));

			if (n > w[i])
				w[i] = n;
		}
	}
	if (p->o->header) {
		for (size_t i = 0; i < p->n_cols; i++) {
			print_cell(p, p->names[i], i + 1 < p->n_cols ? w[i] : 0, false);
			fputs(i + 1 < p->n_cols ? "  " : "\n", p->fp);
		}
		for (size_t i = 0; i < p->n_cols; i++) {
			for (size_t k = 0; k < w[i]; k++)
				fputc('-', p->fp);
			fputs(i + 1 < p->n_cols ? "  " : "\n", p->fp);
		}
	}
	for (size_t r = 0; r < p->n_rows; r++) {
		for (size_t i = 0; i < p->n_cols; i++) {
			print_cell(p, row_value(p->rows[r], i), i + 1 < p->n_cols ? w[i] : 0,
				   false);
			fputs(i + 1 < p->n_cols ? "  " : "\n", p->fp);
		}
	}
	free(w);
}

void vg_printer_end(struct vg_printer *p)
{
	if (!p)
		return;
	if (p->names && p->order) {
		switch (p->o->mode) {
		case VG_OUT_PRETTY:
			print_pretty(p);
			break;
		case VG_OUT_COLUMN:
			print_column(p);
			break;
		case VG_OUT_JSON:
			fputs("\n]\n", p->fp);
			break;
		case VG_OUT_JSON_PRETTY:
			fputs(p->n_printed ? "\n]\n" : "]\n", p->fp);
			break;
		default:
			break;
		}
	}
	fflush(p->fp);
	for (size_t r = 0; r < p->n_rows; r++)
		free(p->rows[r]);
	free(p->rows);
	for (size_t i = 0; p->names && i < p->n_cols; i++)
		free(p->names[i]);
	free(p->names);
	free(p->order);
	free(p);
}
