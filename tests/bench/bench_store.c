// SPDX-License-Identifier: Apache-2.0
/*
 * bench_store - event store figures, printed as `metric: value unit` lines:
 * append rate (one appender; and with a concurrent reader), bytes per row
 * on disk and in memory, `count(*) ... WHERE time > now-60` over a large
 * store, a full scan, and the time to reopen a large store.
 *
 * Rows are typical file_events rows: the FIM workload of a writer that
 * creates a file, writes 4 KiB, renames it and deletes it (CREATED with the
 * empty file's hashes, UPDATED with fresh random hashes, MOVED_FROM/MOVED_TO
 * sharing a transaction id, DELETED), about 80k events a second, with the
 * writing process attributed.
 *
 * Usage: bench_store DIR [--rows N] [--big N]  (DIR: scratch, removed after)
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sql.h"
#include "util.h"
#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"

#define SEC 1000000000LL

struct gen {
	uint64_t i;	 /* row number */
	uint64_t rng;	 /* xorshift state */
	int64_t t0_ns;	 /* time of row 0 */
	int64_t step_ns; /* time between rows */
	char path[64], old[64], md5[33], sha1[41], sha256[65];
	struct vg_value v[21];
};

static const char empty_md5[] = "d41d8cd98f00b204e9800998ecf8427e";
static const char empty_sha1[] = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
static const char empty_sha256[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void rand_hex(struct gen *g, char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t k = 0; k < n; k++) {
		g->rng ^= g->rng << 13;
		g->rng ^= g->rng >> 7;
		g->rng ^= g->rng << 17;
		out[k] = digits[g->rng & 15];
	}
	out[n] = '\0';
}

static struct vg_value text(const char *s)
{
	return (struct vg_value){ .type = VG_VAL_TEXT, .len = (uint32_t)strlen(s), .v.s = s };
}

static struct vg_value num(int64_t x)
{
	return (struct vg_value){ .type = VG_VAL_INT, .v.i = x };
}

/* Fills g->v with row g->i and returns its time. */
static int64_t next_row(struct gen *g)
{
	static const char *const actions[] = { "CREATED", "UPDATED", "MOVED_FROM", "MOVED_TO",
					       "DELETED" };
	uint64_t file = g->i / 5, step = g->i % 5;
	int64_t t = g->t0_ns + (int64_t)g->i * g->step_ns;
	struct vg_value none = { .type = VG_VAL_NULL };

	snprintf(g->path, sizeof(g->path), "/srv/data/d%02llu/%s%llu",
		 (unsigned long long)(file % 16), step >= 3 ? "g" : "f", (unsigned long long)file);
	for (size_t c = 0; c < 21; c++)
		g->v[c] = none;
	g->v[0] = text(g->path);
	g->v[1] = text("data");
	g->v[2] = text(actions[step]);
	g->v[3] = num(step == 2 || step == 3 ? (int64_t)(file + 1000) : 0);
	g->v[4] = num((int64_t)(1000000 + file));
	g->v[5] = num(1000);
	g->v[6] = num(1000);
	g->v[7] = text("0644");
	g->v[8] = num(step == 0 ? 0 : 4096);
	g->v[9] = g->v[10] = g->v[11] = num(t / SEC);
	if (step == 0) {
		g->v[12] = text(empty_md5);
		g->v[13] = text(empty_sha1);
		g->v[14] = text(empty_sha256);
	} else if (step == 1) {
		rand_hex(g, g->md5, 32);
		rand_hex(g, g->sha1, 40);
		rand_hex(g, g->sha256, 64);
		g->v[12] = text(g->md5);
		g->v[13] = text(g->sha1);
		g->v[14] = text(g->sha256);
	}
	g->v[15] = num(step <= 1 ? 1 : 0);
	g->v[16] = num(4242);
	g->v[17] = text("/usr/bin/python3.11");
	g->v[18] = num(1000);
	if (step == 3) {
		snprintf(g->old, sizeof(g->old), "/srv/data/d%02llu/f%llu",
			 (unsigned long long)(file % 16), (unsigned long long)file);
		g->v[19] = text(g->old);
	}
	g->v[20] = text("kernel");
	g->i++;
	return t;
}

static struct vg_store *open_store(const char *dir, uint32_t seg_rows)
{
	const struct vg_table *t = vg_registry_find("file_events");
	struct vg_store_options o = {
		.name = "file_events",
		.n_columns = vg_events_payload_columns(t),
		.schema_hash = vg_events_schema_hash(t),
		.dir = dir,
		.segment_rows = seg_rows,
		.fsync_ms = 1000,
	};
	struct vg_store *s = NULL;
	int err = vg_store_open(&o, &s);

	if (err) {
		fprintf(stderr, "bench_store: cannot open store in %s: %s\n", dir ? dir : "memory",
			strerror(-err));
		exit(1);
	}
	return s;
}

/* Appends @n rows; returns the elapsed seconds. */
static double fill(struct vg_store *s, struct gen *g, uint64_t n)
{
	int64_t t0 = vg_mono_ns();

	for (uint64_t k = 0; k < n; k++) {
		int64_t t = next_row(g);

		if (vg_store_append(s, t, g->v, 21, NULL))
			exit(1);
	}
	return (double)(vg_mono_ns() - t0) / 1e9;
}

static _Atomic int reader_stop;

static void *reader(void *arg)
{
	struct vg_store *s = arg;
	const struct vg_store_bounds all = VG_STORE_ALL_BOUNDS;
	uint64_t *scans = calloc(1, sizeof(*scans));

	while (!reader_stop) {
		struct vg_store_bounds b = all;
		struct vg_store_stats st;
		struct vg_store_scan *sc;

		/* What a `time > now - 1` query would do, over and over. */
		vg_store_stats(s, &st);
		b.min_time_ns = st.newest_time_ns - SEC;
		if (vg_store_scan_open(s, &b, &sc))
			break;
		while (vg_store_scan_next(sc) == 1) {
			struct vg_value v;

			vg_store_scan_value(sc, 0, &v);
		}
		vg_store_scan_close(sc);
		(*scans)++;
	}
	return scans;
}

static double query_ms(sqlite3 *db, const char *sql, int runs, char *result, size_t size)
{
	double best[64];
	int n = runs < 64 ? runs : 64;

	for (int r = 0; r < n; r++) {
		sqlite3_stmt *st = NULL;
		int64_t t0 = vg_mono_ns();

		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
			fprintf(stderr, "bench_store: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		/* Every column of every row is fetched, as a client printing them would. */
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++)
				sqlite3_column_text(st, c);
			snprintf(result, size, "%s", (const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
		best[r] = (double)(vg_mono_ns() - t0) / 1e6;
	}
	for (int a = 0; a < n; a++) /* sort for the median */
		for (int b = a + 1; b < n; b++)
			if (best[b] < best[a]) {
				double x = best[a];

				best[a] = best[b];
				best[b] = x;
			}
	printf("  (%s: median of %d runs, range %.3f-%.3f ms)\n", sql, n, best[0], best[n - 1]);
	return best[n / 2];
}

int main(int argc, char **argv)
{
	uint64_t rows = 2000000, big = 10000000;
	struct vg_store_stats st;
	struct gen g = { .rng = 88172645463325252ull, .step_ns = 12500 }; /* 80k events/s */
	struct vg_store *s;
	pthread_t th;
	char dir[600], sql[256], res[64];
	sqlite3 *db = NULL;
	uint64_t *scans;
	double secs;
	int64_t t0;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_store DIR [--rows N] [--big N]\n");
		return 2;
	}
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rows"))
			rows = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--big"))
			big = strtoull(argv[i + 1], NULL, 10);
	}
	g.t0_ns = (vg_now_ns() / SEC - 3600) * SEC;

	/* 1. One appender, memory only, then to disk. */
	s = open_store(NULL, 0);
	secs = fill(s, &g, rows);
	printf("append_rate_memory: %.0f rows/s\n", (double)rows / secs);
	vg_store_stats(s, &st);
	vg_store_close(s);
	snprintf(dir, sizeof(dir), "%s/append", argv[1]);
	s = open_store(dir, 0);
	g.i = 0;
	secs = fill(s, &g, rows);
	printf("append_rate_disk: %.0f rows/s\n", (double)rows / secs);
	vg_store_seal(s);
	vg_store_stats(s, &st);
	printf("bytes_per_row_disk: %.1f bytes\n", (double)st.bytes_disk / (double)st.rows);
	vg_store_close(s);

	/* 2. The same with a reader querying the newest second all along. */
	snprintf(dir, sizeof(dir), "%s/reader", argv[1]);
	s = open_store(dir, 0);
	g.i = 0;
	reader_stop = 0;
	pthread_create(&th, NULL, reader, s);
	secs = fill(s, &g, rows);
	reader_stop = 1;
	pthread_join(th, (void **)&scans);
	printf("append_rate_with_reader: %.0f rows/s (reader: %llu scans)\n", (double)rows / secs,
	       (unsigned long long)*scans);
	free(scans);
	vg_store_close(s);

	/* 3. In memory, raw (head) bytes per row before sealing. */
	s = open_store(NULL, 1u << 20);
	g.i = 0;
	fill(s, &g, 100000);
	vg_store_stats(s, &st);
	printf("bytes_per_row_memory_head: %.1f bytes\n", (double)st.bytes_memory / 100000.0);
	vg_store_close(s);

	/* 4. A big store on disk: reopen time, recent-time query, full scan. */
	snprintf(dir, sizeof(dir), "%s/big", argv[1]);
	s = open_store(dir, 0);
	/* A day of events ending now: the last minute holds about 1/1440 of them. */
	g.i = 0;
	g.step_ns = 86400 * SEC / (int64_t)big;
	g.t0_ns = (vg_now_ns() / SEC) * SEC - (int64_t)big * g.step_ns;
	fill(s, &g, big);
	vg_store_seal(s);
	vg_store_close(s);
	t0 = vg_mono_ns();
	s = open_store(dir, 0);
	printf("reopen_ms_%lluM_rows: %.1f ms\n", (unsigned long long)(big / 1000000),
	       (double)(vg_mono_ns() - t0) / 1e6);
	vg_events_bind("file_events", s);
	if (vg_sql_open(&db))
		return 1;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM file_events WHERE time > %lld",
		 (long long)(vg_now_ns() / SEC - 60));
	printf("count_last_60s_ms_%lluM_rows: %.3f ms\n", (unsigned long long)(big / 1000000),
	       query_ms(db, sql, 21, res, sizeof(res)));
	printf("count_last_60s_rows: %s rows\n", res);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM file_events WHERE eid > %llu",
		 (unsigned long long)(big - 1000000));
	printf("scan_1M_rows_count_ms: %.1f ms\n", query_ms(db, sql, 5, res, sizeof(res)));
	snprintf(sql, sizeof(sql),
		 "SELECT target_path, action, sha256 FROM file_events WHERE eid > %llu",
		 (unsigned long long)(big - 1000000));
	printf("scan_1M_rows_3_columns_ms: %.1f ms\n", query_ms(db, sql, 5, res, sizeof(res)));
	snprintf(sql, sizeof(sql), "SELECT * FROM file_events WHERE eid > %llu",
		 (unsigned long long)(big - 1000000));
	printf("scan_1M_rows_all_columns_ms: %.1f ms\n", query_ms(db, sql, 3, res, sizeof(res)));
	sqlite3_close(db);
	vg_events_unbind("file_events");
	vg_store_close(s);
	return 0;
}
