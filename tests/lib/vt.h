// SPDX-License-Identifier: Apache-2.0
/*
 * vt.h - vigil's test harness.
 *
 * VT_TEST(name) { ... } registers a test; main() (vt.c) runs them all, or the
 * ones named on the command line. VT_ASSERT_* print both values with
 * file:line and fail the current test. vt_skip() exits 77 (CTest's skip),
 * unless VIGIL_TEST_NO_SKIP=1 (CI), where a skip is a failure.
 *
 * SQL helpers open the real engine (every registered table) and return
 * results as text; process helpers run the built `vigil` binary.
 */
#ifndef VIGIL_VT_H
#define VIGIL_VT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct sqlite3;

typedef void vt_test_fn(void);
void vt_register(const char *name, vt_test_fn *fn);
void vt_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_Noreturn void vt_skip(const char *reason);
/* True once the current test has failed (its body may return early). */
bool vt_failed(void);

#define VT_TEST(name)                                                \
	static void vt_test_##name(void);                            \
	__attribute__((constructor)) static void vt_reg_##name(void) \
	{                                                            \
		vt_register(#name, vt_test_##name);                  \
	}                                                            \
	static void vt_test_##name(void)

#define VT_ASSERT(cond)                                                             \
	do {                                                                        \
		if (!(cond)) {                                                      \
			vt_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
			return;                                                     \
		}                                                                   \
	} while (0)

#define VT_ASSERT_EQ(a, b)                                                                   \
	do {                                                                                 \
		long long vt_a_ = (long long)(a), vt_b_ = (long long)(b);                    \
		if (vt_a_ != vt_b_) {                                                        \
			vt_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, vt_a_, \
				vt_b_);                                                      \
			return;                                                              \
		}                                                                            \
	} while (0)

#define VT_ASSERT_STR_EQ(a, b)                                                            \
	do {                                                                              \
		const char *vt_a_ = (a), *vt_b_ = (b);                                    \
		if (!vt_a_ || !vt_b_ || strcmp(vt_a_, vt_b_)) {                           \
			vt_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				vt_a_ ? vt_a_ : "(null)", vt_b_ ? vt_b_ : "(null)");      \
			return;                                                           \
		}                                                                         \
	} while (0)

#define VT_ASSERT_CONTAINS(hay, needle)                                                          \
	do {                                                                                     \
		const char *vt_h_ = (hay), *vt_n_ = (needle);                                    \
		if (!vt_h_ || !strstr(vt_h_, vt_n_)) {                                           \
			vt_fail(__FILE__, __LINE__, "%s contains %s: \"%s\" lacks \"%s\"", #hay, \
				#needle, vt_h_ ? vt_h_ : "(null)", vt_n_);                       \
			return;                                                                  \
		}                                                                                \
	} while (0)

#define VT_ASSERT_OK(expr)                                                            \
	do {                                                                          \
		int vt_rc_ = (expr);                                                  \
		if (vt_rc_ != 0) {                                                    \
			vt_fail(__FILE__, __LINE__, "%s returned %d", #expr, vt_rc_); \
			return;                                                       \
		}                                                                     \
	} while (0)

/* ---- SQL ---- */

/* The shared engine (opened on first use, closed at exit). */
struct sqlite3 *vt_db(void);

/*
 * Runs @sql and returns its rows as text: a heap array of n_rows * n_cols
 * strings (NULL for SQL NULL). On a SQL error returns NULL and, if @err is
 * given, *@err a heap copy of the message. Free with vt_rows_free().
 */
struct vt_rows {
	size_t n_rows, n_cols;
	char **names;
	char **cells;
};
struct vt_rows *vt_query(const char *sql, char **err);
void vt_rows_free(struct vt_rows *r);
/* Cell (@row, column named @col), or NULL if absent / NULL. */
const char *vt_cell(const struct vt_rows *r, size_t row, const char *col);
/* The index of the column named @col, or -1. */
int vt_col(const struct vt_rows *r, const char *col);

/*
 * First column of the first row of @sql (printf-formatted), copied into a
 * static buffer; "" when there is no row, "(error: msg)" on a SQL error.
 */
const char *vt_scalar(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Checks that table @table declares exactly the columns @spec lists as
 * "name TYPE" pairs separated by commas ("pid BIGINT, name TEXT"), in order
 * (hidden columns included). Fails the test with the difference.
 */
bool vt_check_columns(const char *file, int line, const char *table, const char *spec);
#define VT_ASSERT_COLUMNS(table, spec)                                  \
	do {                                                            \
		if (!vt_check_columns(__FILE__, __LINE__, table, spec)) \
			return;                                         \
	} while (0)

/* ---- event stores ---- */

struct vg_store;

/*
 * Opens an in-memory store with event table @name's layout and binds the
 * table to it. Returns 0 or -errno.
 */
int vt_event_store(const char *name, struct vg_store **out);
/* Unbinds table @name and closes @store (NULL-safe). */
void vt_event_store_close(const char *name, struct vg_store *store);

/* ---- processes and files ---- */

/*
 * Runs the built vigil (VIGIL_BIN) with @argv (NULL-terminated, without
 * argv[0]) and @input on stdin (NULL: /dev/null). Captures stdout and stderr
 * (heap, caller frees) and returns the exit status (or -1).
 */
int vt_run_vigil(const char *const *argv, const char *input, char **out, char **err);

/* A new temporary directory (heap path); removed with vt_rmtree(). */
char *vt_tmpdir(void);
int vt_rmtree(const char *path);
/* Writes @len bytes of @data to @path (mode 0644). Returns 0 or -errno. */
int vt_write_file(const char *path, const void *data, size_t len);
/*
 * Makes a temporary user (useradd -M, name @prefix<pid>) whose home is a new
 * temporary directory, calls @fn(home, uid as text), then deletes the user
 * and the directory whatever @fn did. Fails the test if the user cannot be
 * made.
 */
void vt_with_temp_user(const char *file, int line, const char *prefix,
		       void (*fn)(const char *home, const char *uid));

/* The output of shell command @cmd (heap, trailing newline removed), or NULL. */
char *vt_shell_output(const char *cmd);

#endif
