// SPDX-License-Identifier: Apache-2.0
/*
 * bench_latency - how long after the syscall a file change is visible in
 * SQL: a child creates files at a steady rate and reports when each
 * create() returned; this process runs FIM and polls
 * `SELECT ... FROM file_events WHERE eid > N` every millisecond, noting when
 * each CREATED row first shows. Prints p50, p99 and max in ms.
 *
 * Usage: bench_latency DIR [FILES [PER_SECOND]]
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fim.h"
#include "sql.h"
#include "util.h"
#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void writer(const char *dir, long n, long rate, int fd)
{
	int64_t t0 = vg_mono_ns();

	for (long i = 0; i < n; i++) {
		int64_t due = t0 + i * 1000000000LL / rate, now = vg_mono_ns();
		char p[4096];
		int64_t msg[2];
		int f;

		if (due > now) {
			struct timespec ts = { .tv_sec = (due - now) / 1000000000,
					       .tv_nsec = (due - now) % 1000000000 };

			nanosleep(&ts, NULL);
		}
		snprintf(p, sizeof(p), "%s/f%ld", dir, i);
		f = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		msg[0] = i;
		msg[1] = vg_now_ns();
		if (f >= 0)
			close(f);
		if (write(fd, msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 5000, rate = argc > 3 ? atol(argv[3]) : 2000;
	const struct vg_table *t = vg_registry_find("file_events");
	struct vg_store_options so = {
		.name = "file_events",
		.n_columns = vg_events_payload_columns(t),
		.schema_hash = vg_events_schema_hash(t),
	};
	struct vg_fim_options fo = { .publisher = "auto" };
	int64_t *sys_ns = calloc((size_t)n, sizeof(int64_t));
	int64_t *lat = calloc((size_t)n, sizeof(int64_t));
	struct vg_store *store = NULL;
	struct vg_fim *fim = NULL;
	sqlite3 *db = NULL;
	long seen = 0, reported = 0;
	unsigned long long last = 0;
	json_error_t je;
	char text[1024];
	json_t *cfg;
	int pfd[2];
	pid_t pid;

	if (argc < 2 || !sys_ns || !lat) {
		fprintf(stderr, "usage: bench_latency DIR [FILES [PER_SECOND]]\n");
		return 2;
	}
	snprintf(text, sizeof(text), "{\"file_paths\": {\"b\": [\"%s/%%%%\"]}}", argv[1]);
	cfg = json_loads(text, 0, &je);
	if (!cfg || vg_store_open(&so, &store) || vg_events_bind("file_events", store) ||
	    vg_fim_start(cfg, store, &fo, &fim) || vg_sql_open(&db) || pipe2(pfd, O_NONBLOCK)) {
		fprintf(stderr, "bench_latency: cannot start\n");
		return 1;
	}
	vg_fim_wait_scan(fim, 10000);
	for (long i = 0; i < n; i++)
		sys_ns[i] = -1;
	pid = fork();
	if (pid == 0)
		writer(argv[1], n, rate, pfd[1]);
	close(pfd[1]);
	for (int64_t deadline = vg_mono_ns() + (n / rate + 30) * 1000000000LL;
	     seen < n && vg_mono_ns() < deadline;) {
		struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };
		int64_t msg[2];
		sqlite3_stmt *st = NULL;
		char sql[256];

		while (read(pfd[0], msg, sizeof(msg)) == sizeof(msg))
			if (msg[0] >= 0 && msg[0] < n)
				sys_ns[msg[0]] = msg[1];
		snprintf(sql, sizeof(sql),
			 "SELECT eid, target_path FROM file_events WHERE eid > %llu AND action = "
			 "'CREATED'",
			 last);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
			int64_t now = vg_now_ns();

			while (sqlite3_step(st) == SQLITE_ROW) {
				const char *p = (const char *)sqlite3_column_text(st, 1);
				const char *slash = p ? strrchr(p, '/') : NULL;
				long i = slash ? atol(slash + 2) : -1;

				last = (unsigned long long)sqlite3_column_int64(st, 0);
				if (i >= 0 && i < n && !lat[i]) {
					lat[i] = now; /* the time it became visible */
					seen++;
				}
			}
		}
		sqlite3_finalize(st);
		nanosleep(&ms, NULL);
	}
	waitpid(pid, NULL, 0);
	for (long i = 0; i < n; i++) /* late reports from the pipe */
		if (lat[i] && sys_ns[i] > 0)
			lat[reported++] = lat[i] - sys_ns[i];
	qsort(lat, (size_t)reported, sizeof(*lat), cmp_i64);
	printf("latency_files: %ld created, %ld visible\n", n, seen);
	if (reported) {
		printf("latency_p50_ms: %.2f ms\n", (double)lat[reported / 2] / 1e6);
		printf("latency_p99_ms: %.2f ms\n", (double)lat[reported * 99 / 100] / 1e6);
		printf("latency_max_ms: %.2f ms\n", (double)lat[reported - 1] / 1e6);
	}
	vg_fim_stop(fim);
	sqlite3_close(db);
	vg_events_unbind("file_events");
	vg_store_close(store);
	json_decref(cfg);
	free(sys_ns);
	free(lat);
	return 0;
}
