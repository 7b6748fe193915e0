// SPDX-License-Identifier: Apache-2.0
/*
 * vt.c - the test harness behind vt.h: registration, assertions, main(),
 * SQL helpers on the real engine and helpers that run the built binary.
 */
#include "vt.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql.h"
#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"
#include "vtab.h"

#define MAX_TESTS 256

static struct {
	const char *name;
	vt_test_fn *fn;
} tests[MAX_TESTS];
static size_t n_tests;
static bool current_failed;
static sqlite3 *shared_db;

void vt_register(const char *name, vt_test_fn *fn)
{
	if (n_tests == MAX_TESTS)
		abort();
	tests[n_tests].name = name;
	tests[n_tests].fn = fn;
	n_tests++;
}

void vt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	current_failed = true;
}

bool vt_failed(void)
{
	return current_failed;
}

void vt_skip(const char *reason)
{
	const char *no_skip = getenv("VIGIL_TEST_NO_SKIP");

	if (no_skip && !strcmp(no_skip, "1")) {
		fprintf(stderr, "FAIL (skip not allowed): %s\n", reason);
		exit(1);
	}
	fprintf(stderr, "SKIP: %s\n", reason);
	exit(77);
}

sqlite3 *vt_db(void)
{
	if (!shared_db && vg_sql_open(&shared_db)) {
		fprintf(stderr, "cannot open the SQL engine\n");
		exit(1);
	}
	return shared_db;
}

void vt_rows_free(struct vt_rows *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_rows * r->n_cols; i++)
		free(r->cells[i]);
	for (size_t i = 0; i < r->n_cols; i++)
		free(r->names[i]);
	free(r->cells);
	free(r->names);
	free(r);
}

struct vt_rows *vt_query(const char *sql, char **err)
{
	struct vt_rows *r = calloc(1, sizeof(*r));
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int rc;

	if (err)
		*err = NULL;
	if (!r)
		abort();
	if (sqlite3_prepare_v2(vt_db(), sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	r->n_cols = (size_t)sqlite3_column_count(st);
	r->names = calloc(r->n_cols + 1, sizeof(*r->names));
	for (size_t i = 0; i < r->n_cols; i++)
		r->names[i] = strdup(sqlite3_column_name(st, (int)i));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (r->n_rows == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			r->cells = realloc(r->cells, alloc * (r->n_cols + 1) * sizeof(char *));
			if (!r->cells)
				abort();
		}
		for (size_t i = 0; i < r->n_cols; i++) {
			const char *v = (const char *)sqlite3_column_text(st, (int)i);

			r->cells[r->n_rows * r->n_cols + i] = v ? strdup(v) : NULL;
		}
		r->n_rows++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return r;
fail:
	if (err)
		*err = strdup(sqlite3_errmsg(vt_db()));
	sqlite3_finalize(st);
	vt_rows_free(r);
	return NULL;
}

int vt_col(const struct vt_rows *r, const char *col)
{
	for (size_t i = 0; i < r->n_cols; i++)
		if (!strcmp(r->names[i], col))
			return (int)i;
	return -1;
}

const char *vt_cell(const struct vt_rows *r, size_t row, const char *col)
{
	int c = vt_col(r, col);

	if (c < 0 || row >= r->n_rows)
		return NULL;
	return r->cells[row * r->n_cols + (size_t)c];
}

const char *vt_scalar(const char *fmt, ...)
{
	static char buf[8192];
	struct vt_rows *r;
	char *sql = NULL, *err = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&sql, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	r = vt_query(sql, &err);
	if (!r)
		snprintf(buf, sizeof(buf), "(error: %s)", err ? err : "?");
	else if (!r->n_rows || !r->n_cols || !r->cells[0])
		buf[0] = '\0';
	else
		snprintf(buf, sizeof(buf), "%s", r->cells[0]);
	vt_rows_free(r);
	free(err);
	free(sql);
	return buf;
}

static const char *type_name(enum vg_type t)
{
	static const char *const names[] = { "TEXT", "INTEGER", "BIGINT", "DOUBLE" };

	return names[t];
}

bool vt_check_columns(const char *file, int line, const char *table, const char *spec)
{
	const struct vg_table *t = vg_registry_find(table);
	struct vg_strbuf have = VG_STRBUF_INIT;
	bool ok;

	if (!t) {
		vt_fail(file, line, "table %s is not registered", table);
		return false;
	}
	for (size_t i = 0; i < t->n_columns; i++)
		vg_strbuf_addf(&have, "%s%s %s", i ? ", " : "", t->columns[i].name,
			       type_name(t->columns[i].type));
	ok = !strcmp(have.buf, spec);
	if (!ok)
		vt_fail(file, line, "columns of %s:\n  have: %s\n  want: %s", table, have.buf,
			spec);
	vg_strbuf_release(&have);
	return ok;
}

/* Reads @fd1 and @fd2 to EOF into @sb1 and @sb2, whichever has data. */
static void drain_fds(int fd1, struct vg_strbuf *sb1, int fd2, struct vg_strbuf *sb2)
{
	struct pollfd p[2] = { { .fd = fd1, .events = POLLIN }, { .fd = fd2, .events = POLLIN } };
	char buf[8192];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0)
				vg_strbuf_add(i ? sb2 : sb1, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				p[i].fd = -1;
		}
	}
}

int vt_run_vigil(const char *const *argv, const char *input, char **out, char **err)
{
	const char *bin = getenv("VIGIL_BIN");
	struct vg_strbuf o = VG_STRBUF_INIT, e = VG_STRBUF_INIT;
	int po[2], pe[2], pi[2], status = -1;
	const char *args[64];
	size_t n = 0;
	pid_t pid;

	if (!bin)
		bin = "./vigil";
	args[n++] = bin;
	for (; argv && *argv && n < 63; argv++)
		args[n++] = *argv;
	args[n] = NULL;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || pipe2(pi, O_CLOEXEC))
		abort();
	pid = fork();
	if (pid == 0) {
		dup2(pi[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(bin, (char *const *)(uintptr_t)args);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	close(pi[0]);
	if (input) {
		size_t len = strlen(input), off = 0;

		signal(SIGPIPE, SIG_IGN);
		while (off < len) {
			ssize_t w = write(pi[1], input + off, len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	close(pi[1]);
	drain_fds(po[0], &o, pe[0], &e);
	close(po[0]);
	close(pe[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		status = -1;
	else
		status = WEXITSTATUS(status);
	*out = vg_strbuf_detach(&o, NULL);
	if (err)
		*err = vg_strbuf_detach(&e, NULL);
	else
		vg_strbuf_release(&e);
	return status;
}

char *vt_tmpdir(void)
{
	char *p = strdup("/tmp/vigil-test-XXXXXX");

	if (!p || !mkdtemp(p))
		abort();
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int vt_rmtree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

int vt_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;
	size_t off = 0;
	int err = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0) {
			err = -errno;
			break;
		}
		off += (size_t)n;
	}
	close(fd);
	return err;
}

void vt_with_temp_user(const char *file, int line, const char *prefix,
		       void (*fn)(const char *home, const char *uid))
{
	char *home = vt_tmpdir(), *uid, cmd[512], name[64];

	snprintf(name, sizeof(name), "%s%d", prefix, (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "for i in 1 2 3 4 5; do useradd -M -d '%s' %s 2>/dev/null && break; done; "
		 "id -u %s 2>/dev/null",
		 home, name, name);
	uid = vt_shell_output(cmd);
	if (uid && *uid)
		fn(home, uid);
	else
		vt_fail(file, line, "useradd %s failed", name);
	snprintf(cmd, sizeof(cmd), "userdel %s 2>/dev/null; true", name);
	free(vt_shell_output(cmd));
	free(uid);
	vt_rmtree(home);
	free(home);
}

char *vt_shell_output(const char *cmd)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	FILE *fp = popen(cmd, "r");
	char buf[4096];
	size_t n;

	if (!fp)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		vg_strbuf_add(&sb, buf, n);
	if (pclose(fp) != 0) {
		vg_strbuf_release(&sb);
		return NULL;
	}
	vg_strbuf_rtrim(&sb);
	return vg_strbuf_detach(&sb, NULL);
}

int main(int argc, char **argv)
{
	size_t failed = 0, ran = 0;

	for (size_t i = 0; i < n_tests; i++) {
		bool selected = argc < 2;

		for (int k = 1; k < argc; k++)
			selected |= !strcmp(argv[k], tests[i].name);
		if (!selected)
			continue;
		current_failed = false;
		tests[i].fn();
		ran++;
		if (current_failed) {
			failed++;
			fprintf(stderr, "FAIL %s\n", tests[i].name);
		} else {
			fprintf(stderr, "ok   %s\n", tests[i].name);
		}
	}
	if (shared_db)
		sqlite3_close(shared_db);
	fprintf(stderr, "%zu passed, %zu failed\n", ran - failed, failed);
	return failed ? 1 : 0;
}

int vt_event_store(const char *name, struct vg_store **out)
{
	const struct vg_table *t = vg_registry_find(name);
	struct vg_store_options so = { .name = name };
	int err;

	if (!t)
		return -ENOENT;
	so.n_columns = vg_events_payload_columns(t);
	so.schema_hash = vg_events_schema_hash(t);
	err = vg_store_open(&so, out);
	if (!err && (err = vg_events_bind(name, *out))) {
		vg_store_close(*out);
		*out = NULL;
	}
	return err;
}

void vt_event_store_close(const char *name, struct vg_store *store)
{
	if (!store)
		return;
	vg_events_unbind(name);
	vg_store_close(store);
}
