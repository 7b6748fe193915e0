// SPDX-License-Identifier: Apache-2.0
/*
 * File integrity monitoring end to end, on the real kernel: a config with
 * osquery's keys, real file operations, and the rows read back through SQL
 * from file_events. Every scenario runs with fanotify and again with the
 * inotify fallback (which cannot say who made a change).
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fim.h"
#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

struct run {
	const char *publisher;
	char *dir; /* watched recursively as category "data" */
	char *acc; /* watched one level, category "acc" with accesses */
	struct vg_store *store;
	struct vg_fim *fim;
};

static json_t *config_for(const char *dir, const char *acc, const char *extra)
{
	char text[4096];
	json_error_t je;

	snprintf(text, sizeof(text),
		 "{\"file_paths\": {\"data\": [\"%s/%%%%\"], \"acc\": [\"%s/%%\"]%s},"
		 " \"exclude_paths\": {\"data\": [\"%s/excluded/\"]},"
		 " \"file_accesses\": [\"acc\"]}",
		 dir, acc, extra ? extra : "", dir);
	return json_loads(text, 0, &je);
}

static bool start(struct run *r, const char *publisher)
{
	struct vg_fim_options fo = { .publisher = publisher, .hash_max_bytes = 1 << 20 };
	json_t *cfg;
	char sub[600];
	bool ok;

	memset(r, 0, sizeof(*r));
	r->publisher = publisher;
	r->dir = vt_tmpdir();
	r->acc = vt_tmpdir();
	snprintf(sub, sizeof(sub), "%s/excluded", r->dir);
	mkdir(sub, 0755);
	cfg = config_for(r->dir, r->acc, NULL);
	ok = cfg && vt_event_store("file_events", &r->store) == 0 &&
	     vg_fim_start(cfg, r->store, &fo, &r->fim) == 0;
	json_decref(cfg);
	return ok;
}

static void finish(struct run *r)
{
	vg_fim_stop(r->fim);
	vt_event_store_close("file_events", r->store);
	vt_rmtree(r->dir);
	vt_rmtree(r->acc);
	free(r->dir);
	free(r->acc);
}

/* The rows for paths under @prefix as "ACTION name" lines (name relative to it). */
static char *actions(struct run *r, const char *prefix)
{
	char sql[1024], *out;
	struct vt_rows *rows;
	size_t len = strlen(prefix), off = 0, cap = 1;

	vg_fim_sync(r->fim, 5000);
	snprintf(sql, sizeof(sql),
		 "SELECT action, substr(target_path, %zu) AS name FROM file_events "
		 "WHERE substr(target_path, 1, %zu) = '%s' ORDER BY eid",
		 len + 2, len, prefix);
	rows = vt_query(sql, NULL);
	for (size_t i = 0; rows && i < rows->n_rows; i++)
		cap += strlen(rows->cells[2 * i]) +
		       strlen(rows->cells[2 * i + 1] ? rows->cells[2 * i + 1] : "") + 2;
	out = calloc(1, cap);
	for (size_t i = 0; rows && i < rows->n_rows; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s %s\n", rows->cells[2 * i],
					rows->cells[2 * i + 1] ? rows->cells[2 * i + 1] : "");
	vt_rows_free(rows);
	return out;
}

/*
 * Runs @fn(@arg) in a child process: fanotify leaves out what vigil's own
 * process does (its hashing workers read watched files), and this test is
 * that process.
 */
static bool in_child(void (*fn)(const void *arg), const void *arg)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static void write_hello(const void *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "hello\n", 6) != 6)
		_exit(1);
	close(fd);
}

static void chmod_rename_unlink(const void *arg)
{
	const char *const *p = arg;

	if (chmod(p[0], 0600) || rename(p[0], p[1]) || unlink(p[1]))
		_exit(1);
}

static void write_x(const void *arg)
{
	if (vt_write_file(arg, "x", 1))
		_exit(1);
}

static void read_file(const void *arg)
{
	char buf[8];
	int fd = open(arg, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
		_exit(1);
	close(fd);
}

/* Drops lines equal to the line before them. */
static void squeeze(char *s)
{
	char *w = s, *prev = NULL;
	size_t prev_len = 0;

	while (*s) {
		char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) + 1 : strlen(s);

		if (!prev || prev_len != len || memcmp(prev, s, len)) {
			memmove(w, s, len);
			prev = w;
			prev_len = len;
			w += len;
		}
		s += len;
	}
	*w = '\0';
}

static void scenario_actions(const char *publisher)
{
	struct run r;
	char path[600], path2[600], cmd[800], *got;
	const char *want;

	if (!start(&r, publisher)) {
		vt_fail(__FILE__, __LINE__, "%s: cannot start", publisher);
		return;
	}
	snprintf(path, sizeof(path), "%s/a.txt", r.dir);
	snprintf(path2, sizeof(path2), "%s/b.txt", r.dir);
	VT_ASSERT(in_child(write_hello, path));
	/* Hashing happens after the fact: let it see the file before it goes. */
	vg_fim_sync(r.fim, 5000);
	{
		const char *const paths[] = { path, path2 };

		VT_ASSERT(in_child(chmod_rename_unlink, paths));
	}
	got = actions(&r, r.dir);
	/* The write and the close are one UPDATED when fanotify merges them: squeeze. */
	squeeze(got);
	want = "CREATED a.txt\nUPDATED a.txt\nATTRIBUTES_MODIFIED a.txt\n"
	       "MOVED_FROM a.txt\nMOVED_TO b.txt\nDELETED b.txt\n";
	if (strcmp(got, want))
		vt_fail(__FILE__, __LINE__, "%s: rows\n%s\nwant\n%s", publisher, got, want);
	free(got);
	/* The rename is one story: a shared transaction id and the old path. */
	snprintf(cmd, sizeof(cmd),
		 "SELECT count(DISTINCT transaction_id) = 1 AND min(transaction_id) != 0 "
		 "FROM file_events WHERE action IN ('MOVED_FROM', 'MOVED_TO')");
	VT_ASSERT_STR_EQ(vt_scalar("%s", cmd), "1");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT old_path FROM file_events WHERE action = 'MOVED_TO'"),
			 path);
	/* The closed UPDATED row is hashed; the hash is the file's. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT sha256 FROM file_events WHERE action = 'UPDATED' "
				   "AND hashed = 1"),
			 "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
	/* (Its mode is gone with the file by the time a worker looks: not checked.) */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT category || ' ' || source FROM file_events WHERE "
				   "action = 'ATTRIBUTES_MODIFIED'"),
			 "data kernel");
	/* A file that stays is described: its mode and size after the change. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT mode || ' ' || size FROM file_events WHERE action = "
				   "'UPDATED' AND hashed = 1"),
			 "0644 6");
	finish(&r);
}

static void scenario_who_excluded_accesses(const char *publisher)
{
	struct run r;
	char path[600], sql[1024], *got;
	pid_t child;
	int status;

	if (!start(&r, publisher)) {
		vt_fail(__FILE__, __LINE__, "%s: cannot start", publisher);
		return;
	}
	/* A child with a known pid makes the change. */
	snprintf(path, sizeof(path), "%s/by-child", r.dir);
	child = fork();
	if (child == 0)
		_exit(vt_write_file(path, "x", 1) ? 1 : 0);
	VT_ASSERT(waitpid(child, &status, 0) == child && WIFEXITED(status));
	snprintf(path, sizeof(path), "%s/excluded/secret", r.dir);
	VT_ASSERT(in_child(write_x, path));
	snprintf(path, sizeof(path), "%s/read-me", r.acc);
	VT_ASSERT(in_child(write_x, path));
	VT_ASSERT(in_child(read_file, path));
	got = actions(&r, r.dir);
	if (!strstr(got, "CREATED by-child\n") || strstr(got, "secret")) {
		vt_fail(__FILE__, __LINE__, "%s: rows:\n%s", publisher, got);
		free(got);
		finish(&r);
		return;
	}
	free(got);
	snprintf(sql, sizeof(sql),
		 "SELECT pid FROM file_events WHERE target_path = '%s/by-child' AND action = "
		 "'CREATED'",
		 r.dir);
	if (!strcmp(publisher, "fanotify")) {
		char want[32];

		snprintf(want, sizeof(want), "%d", (int)child);
		VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	} else {
		VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "-1");
	}
	got = actions(&r, r.acc);
	if (!strstr(got, "OPENED read-me\n") || !strstr(got, "ACCESSED read-me\n")) {
		vt_fail(__FILE__, __LINE__, "%s: accesses:\n%s", publisher, got);
		free(got);
		finish(&r);
		return;
	}
	free(got);
	/* Accesses categories are never hashed: reading would be an access itself. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT max(hashed) FROM file_events WHERE category = 'acc'"),
			 "0");
	finish(&r);
}

static void scenario_names_and_reload(const char *publisher)
{
	struct run r;
	char path[700], *more, extra[800], sql[1024];
	json_t *cfg;

	if (!start(&r, publisher)) {
		vt_fail(__FILE__, __LINE__, "%s: cannot start", publisher);
		return;
	}
	snprintf(path, sizeof(path), "%s/new\nline \xff name", r.dir);
	VT_ASSERT(in_child(write_x, path));
	vg_fim_sync(r.fim, 5000);
	snprintf(sql, sizeof(sql),
		 "SELECT hex(target_path) FROM file_events WHERE action = 'CREATED' AND "
		 "target_path LIKE '%s/new%%'",
		 r.dir);
	{
		char want[1600];
		size_t off = 0;

		for (const unsigned char *p = (const unsigned char *)path; *p; p++)
			off += (size_t)snprintf(want + off, sizeof(want) - off, "%02X", *p);
		VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	}
	/* Reload: a new category; the old one keeps its events. */
	more = vt_tmpdir();
	snprintf(extra, sizeof(extra), ", \"more\": [\"%s/%%\"]", more);
	cfg = config_for(r.dir, r.acc, extra);
	VT_ASSERT_OK(vg_fim_reload(r.fim, cfg));
	json_decref(cfg);
	snprintf(path, sizeof(path), "%s/after-reload", more);
	VT_ASSERT(in_child(write_x, path));
	snprintf(path, sizeof(path), "%s/still-watched", r.dir);
	VT_ASSERT(in_child(write_x, path));
	vg_fim_sync(r.fim, 5000);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT category FROM file_events WHERE target_path LIKE "
				   "'%%/after-reload' AND action = 'CREATED'"),
			 "more");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT category FROM file_events WHERE target_path LIKE "
				   "'%%/still-watched' AND action = 'CREATED'"),
			 "data");
	vt_rmtree(more);
	free(more);
	finish(&r);
}

static void make_faults(const void *arg)
{
	const char *dir = arg;
	char p[5000];
	int n;

	snprintf(p, sizeof(p), "%s/fifo", dir);
	if (mkfifo(p, 0644))
		_exit(1);
	snprintf(p, sizeof(p), "%s/target", dir);
	if (vt_write_file(p, "secret", 6))
		_exit(1);
	snprintf(p, sizeof(p), "%s/link", dir);
	if (symlink("target", p))
		_exit(1);
	/* A path of 4095 bytes: nested directories of 200-byte names. */
	n = snprintf(p, sizeof(p), "%s", dir);
	while (n + 202 < 4000) {
		p[n++] = '/';
		memset(p + n, 'd', 200);
		n += 200;
		p[n] = '\0';
		if (mkdir(p, 0755))
			_exit(1);
	}
	p[n++] = '/';
	memset(p + n, 'f', (size_t)(4095 - n));
	p[4095] = '\0';
	if (vt_write_file(p, "deep", 4))
		_exit(1);
}

/* A FIFO, a symlink and a 4095-byte path: rows, never a hang or a followed link. */
static void scenario_faults(const char *publisher)
{
	struct run r;
	char sql[1024];

	if (!start(&r, publisher)) {
		vt_fail(__FILE__, __LINE__, "%s: cannot start", publisher);
		return;
	}
	VT_ASSERT(in_child(make_faults, r.dir));
	VT_ASSERT_OK(vg_fim_sync(r.fim, 10000));
	snprintf(sql, sizeof(sql),
		 "SELECT hashed FROM file_events WHERE target_path = '%s/fifo' AND action = "
		 "'CREATED'",
		 r.dir);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "-1");
	/* The link is a CREATED row of its own, never hashed through to its target. */
	snprintf(sql, sizeof(sql),
		 "SELECT hashed FROM file_events WHERE target_path = '%s/link' AND action = "
		 "'CREATED'",
		 r.dir);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "-1");
	/* The 4095-byte path arrives whole, hashed to its content on some row: inotify
	 * may see the file first through the scan of its new directory (CREATED),
	 * fanotify through its close (UPDATED). */
	VT_ASSERT_STR_EQ(
	    vt_scalar("SELECT count(*) > 0 FROM file_events WHERE length(target_path) "
		      "= 4095 AND sha256 = "
		      "'74611c1d6455b534323a21f8133a6f43dc3a8188e7b946f96dcc28dde932fcb2'"),
	    "1");
	finish(&r);
}

/* Writes 20 times, 3 ms apart, to the file @arg, then closes it. */
static void write_loop(const void *arg)
{
	int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	for (int i = 0; fd >= 0 && i < 20; i++) {
		if (write(fd, "line\n", 5) != 5)
			_exit(1);
		usleep(3000);
	}
	if (fd < 0)
		_exit(1);
	close(fd);
}

/*
 * A write loop is one UPDATED row when it starts and one, hashed, when the
 * file is closed; the last one counts the writes folded into it.
 */
static void scenario_write_burst(const char *publisher)
{
	struct run r;
	char path[600], sql[1024];
	struct vt_rows *rows;

	if (!start(&r, publisher)) {
		vt_fail(__FILE__, __LINE__, "%s: cannot start", publisher);
		return;
	}
	snprintf(path, sizeof(path), "%s/burst", r.dir);
	VT_ASSERT(in_child(write_loop, path));
	VT_ASSERT_OK(vg_fim_sync(r.fim, 5000));
	snprintf(sql, sizeof(sql),
		 "SELECT count, hashed, size FROM file_events WHERE target_path = '%s' AND "
		 "action = 'UPDATED' ORDER BY eid",
		 path);
	rows = vt_query(sql, NULL);
	VT_ASSERT(rows);
	/* 20 writes (the kernel merges some it has not handed over yet): two rows. */
	VT_ASSERT_EQ(rows->n_rows, 2);
	VT_ASSERT_STR_EQ(vt_cell(rows, 0, "count"), "1");
	VT_ASSERT(atoi(vt_cell(rows, 1, "count")) >= 5);
	VT_ASSERT(atoi(vt_cell(rows, 1, "count")) <= 20);
	VT_ASSERT_STR_EQ(vt_cell(rows, 1, "hashed"), "1");
	VT_ASSERT_STR_EQ(vt_cell(rows, 1, "size"), "100");
	vt_rows_free(rows);
	finish(&r);
}

VT_TEST(fanotify_write_burst)
{
	scenario_write_burst("fanotify");
}

VT_TEST(inotify_write_burst)
{
	scenario_write_burst("inotify");
}

VT_TEST(fanotify_faults)
{
	scenario_faults("fanotify");
}

VT_TEST(inotify_faults)
{
	scenario_faults("inotify");
}

VT_TEST(fanotify_actions)
{
	scenario_actions("fanotify");
}

VT_TEST(fanotify_who_excluded_accesses)
{
	scenario_who_excluded_accesses("fanotify");
}

VT_TEST(fanotify_names_and_reload)
{
	scenario_names_and_reload("fanotify");
}

VT_TEST(inotify_actions)
{
	scenario_actions("inotify");
}

VT_TEST(inotify_who_excluded_accesses)
{
	scenario_who_excluded_accesses("inotify");
}

VT_TEST(inotify_names_and_reload)
{
	scenario_names_and_reload("inotify");
}
