// SPDX-License-Identifier: Apache-2.0
/*
 * The event store: rows in and out, caps and expiry, cursors across
 * restarts, concurrent appenders and readers, a SIGKILLed writer, corrupt
 * and foreign segment files, a full disk, the directory lock and
 * permissions, and bounds that skip what cannot match.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vigil/store.h"
#include "vt.h"

#define NCOLS 3
#define SEC   1000000000LL

/* Row i: (i * 3, "path/<i>", NULL or i when i is odd). */
static void make_row(uint64_t i, char *buf, size_t size, struct vg_value *v)
{
	int n = snprintf(buf, size, "path/%llu", (unsigned long long)i);

	v[0] = (struct vg_value){ .type = VG_VAL_INT, .v.i = (int64_t)i * 3 };
	v[1] = (struct vg_value){ .type = VG_VAL_TEXT, .len = (uint32_t)n, .v.s = buf };
	v[2] = (struct vg_value){ .type = i % 2 ? VG_VAL_INT : VG_VAL_NULL, .v.i = (int64_t)i };
}

static struct vg_store *open_store(const char *dir, uint64_t max_rows, int64_t expiry,
				   uint32_t seg_rows)
{
	struct vg_store_options o = {
		.name = "test_events",
		.n_columns = NCOLS,
		.schema_hash = 0x5eed,
		.dir = dir,
		.max_rows = max_rows,
		.expiry_s = expiry,
		.segment_rows = seg_rows,
	};
	struct vg_store *s = NULL;

	return vg_store_open(&o, &s) ? NULL : s;
}

/* Appends rows @from..@to with time base + i seconds. */
static int append_range(struct vg_store *s, uint64_t from, uint64_t to, int64_t base)
{
	for (uint64_t i = from; i <= to; i++) {
		struct vg_value v[NCOLS];
		char buf[64];
		int err;

		make_row(i, buf, sizeof(buf), v);
		err = vg_store_append(s, base + (int64_t)i * SEC, v, NCOLS, NULL);
		if (err)
			return err;
	}
	return 0;
}

struct seen {
	uint64_t n, first, last;
	bool ordered, values_ok;
	uint64_t examined, snapshot;
};

/* Scans @b checking each row's values against make_row(eid). */
static struct seen scan(struct vg_store *s, struct vg_store_bounds b)
{
	struct seen r = { .ordered = true, .values_ok = true };
	struct vg_store_scan *sc = NULL;

	if (vg_store_scan_open(s, &b, &sc))
		return (struct seen){ 0 };
	while (vg_store_scan_next(sc) == 1) {
		uint64_t eid = vg_store_scan_eid(sc);
		struct vg_value got[NCOLS], want[NCOLS];
		char buf[64];

		make_row(eid, buf, sizeof(buf), want);
		for (size_t c = 0; c < NCOLS; c++) {
			if (vg_store_scan_value(sc, c, &got[c]) || got[c].type != want[c].type ||
			    (got[c].type == VG_VAL_INT && got[c].v.i != want[c].v.i) ||
			    (got[c].type == VG_VAL_TEXT &&
			     (got[c].len != want[c].len || memcmp(got[c].v.s, buf, got[c].len))))
				r.values_ok = false;
		}
		if (r.n && eid <= r.last)
			r.ordered = false;
		if (!r.n)
			r.first = eid;
		r.last = eid;
		r.n++;
	}
	r.examined = vg_store_scan_examined(sc);
	r.snapshot = vg_store_scan_snapshot_eid(sc);
	vg_store_scan_close(sc);
	return r;
}

static const struct vg_store_bounds all = VG_STORE_ALL_BOUNDS;

VT_TEST(append_and_scan_memory)
{
	struct vg_store *s = open_store(NULL, 0, 0, 64);
	struct vg_store_stats st;
	struct seen r;

	VT_ASSERT(s);
	VT_ASSERT_OK(append_range(s, 1, 1000, 0));
	VT_ASSERT_OK(vg_store_seal(s)); /* 15 sealed segments and an empty head */
	VT_ASSERT_OK(append_range(s, 1001, 1010, 0));
	r = scan(s, all);
	VT_ASSERT_EQ(r.n, 1010);
	VT_ASSERT_EQ(r.first, 1);
	VT_ASSERT_EQ(r.last, 1010);
	VT_ASSERT(r.ordered && r.values_ok);
	vg_store_stats(s, &st);
	VT_ASSERT_EQ(st.rows, 1010);
	VT_ASSERT_EQ(st.segments, 16);
	VT_ASSERT(!st.persistent);
	VT_ASSERT_EQ(st.oldest_time_ns, 1 * SEC);
	VT_ASSERT_EQ(st.newest_time_ns, 1010 * SEC);
	vg_store_close(s);
}

VT_TEST(bad_rows_rejected)
{
	struct vg_store *s = open_store(NULL, 0, 0, 0);
	struct vg_value v[NCOLS + 1] = { 0 };

	VT_ASSERT(s);
	VT_ASSERT_EQ(vg_store_append(s, 0, v, NCOLS + 1, NULL), -EINVAL);
	v[1] = (struct vg_value){ .type = VG_VAL_TEXT, .len = 5, .v.s = NULL };
	VT_ASSERT_EQ(vg_store_append(s, 0, v, NCOLS, NULL), -EINVAL);
	vg_store_close(s);
}

VT_TEST(row_cap_wraps_around)
{
	struct vg_store *s = open_store(NULL, 1000, 0, 256);
	struct vg_store_stats st;
	struct seen r;

	VT_ASSERT(s);
	VT_ASSERT_OK(append_range(s, 1, 5000, 0));
	vg_store_expire(s, 0);
	r = scan(s, all);
	VT_ASSERT_EQ(r.n, 1000);
	VT_ASSERT_EQ(r.first, 4001);
	VT_ASSERT_EQ(r.last, 5000);
	VT_ASSERT(r.values_ok);
	vg_store_stats(s, &st);
	VT_ASSERT_EQ(st.rows, 1000);
	VT_ASSERT_EQ(st.dropped_expired, 4000);
	VT_ASSERT(st.segments <= 6); /* whole old segments are freed, not only hidden */
	vg_store_close(s);
}

VT_TEST(expiry_keeps_unread_rows)
{
	struct timespec ts;
	struct vg_store *s = open_store(NULL, 0, 60, 100);
	int64_t now;
	struct seen r;

	VT_ASSERT(s);
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * SEC;
	/* A cursor that has read up to eid 150 holds back rows 151 and later. */
	VT_ASSERT_OK(vg_store_cursor_commit(s, "q1", 150));
	/* 300 rows from a day ago, then 100 from the last 100 seconds. */
	VT_ASSERT_OK(append_range(s, 1, 300, now - 86400 * SEC));
	VT_ASSERT_OK(append_range(s, 301, 400, now - 400 * SEC));
	VT_ASSERT_OK(vg_store_seal(s));
	vg_store_expire(s, now);
	r = scan(s, all);
	VT_ASSERT_EQ(r.first, 151); /* rows up to 150 were read: those may go */
	VT_ASSERT_EQ(r.last, 400);
	VT_ASSERT_OK(vg_store_cursor_commit(s, "q1", 400));
	vg_store_expire(s, now);
	r = scan(s, all);
	VT_ASSERT_EQ(r.first, 301);
	VT_ASSERT_EQ(r.n, 100);
	vg_store_close(s);
}

VT_TEST(cap_drops_unread_and_counts_them)
{
	struct vg_store *s = open_store(NULL, 100, 0, 50);
	struct vg_store_stats st;

	VT_ASSERT(s);
	VT_ASSERT_OK(vg_store_cursor_commit(s, "slow", 10));
	VT_ASSERT_OK(append_range(s, 1, 300, 0));
	vg_store_expire(s, 0);
	vg_store_stats(s, &st);
	VT_ASSERT_EQ(st.rows, 100);
	VT_ASSERT_EQ(st.dropped_unread, 190); /* eids 11..200 never read by "slow" */
	vg_store_close(s);
}

VT_TEST(cursor_exactly_once_across_restarts)
{
	char *dir = vt_tmpdir();
	struct vg_store *s = open_store(dir, 0, 0, 64);
	struct vg_store_bounds b = all;
	struct seen r;

	VT_ASSERT(s);
	VT_ASSERT_OK(append_range(s, 1, 100, 0));
	b.min_eid = vg_store_cursor_get(s, "q") + 1;
	r = scan(s, b);
	VT_ASSERT_EQ(r.n, 100);
	VT_ASSERT_OK(vg_store_cursor_commit(s, "q", r.snapshot));
	vg_store_close(s);

	s = open_store(dir, 0, 0, 64);
	VT_ASSERT(s);
	VT_ASSERT_EQ(vg_store_cursor_get(s, "q"), 100);
	VT_ASSERT_OK(append_range(s, 101, 150, 0));
	b.min_eid = vg_store_cursor_get(s, "q") + 1;
	r = scan(s, b);
	VT_ASSERT_EQ(r.n, 50);
	VT_ASSERT_EQ(r.first, 101);
	VT_ASSERT_EQ(r.last, 150);
	VT_ASSERT(r.values_ok);
	VT_ASSERT_OK(vg_store_cursor_commit(s, "q", r.snapshot));
	/* A second query keeps its own cursor. */
	VT_ASSERT_EQ(vg_store_cursor_get(s, "other"), 0);
	vg_store_close(s);

	s = open_store(dir, 0, 0, 64);
	VT_ASSERT(s);
	b.min_eid = vg_store_cursor_get(s, "q") + 1;
	r = scan(s, b);
	VT_ASSERT_EQ(r.n, 0);
	r = scan(s, all); /* everything is still there for ad-hoc queries */
	VT_ASSERT_EQ(r.n, 150);
	VT_ASSERT(r.values_ok && r.ordered);
	VT_ASSERT_OK(vg_store_cursor_remove(s, "q"));
	VT_ASSERT_EQ(vg_store_cursor_get(s, "q"), 0);
	vg_store_close(s);
	vt_rmtree(dir);
	free(dir);
}

struct worker {
	struct vg_store *s;
	uint64_t n;
	bool ok;
};

static void *appender(void *arg)
{
	struct worker *w = arg;

	w->ok = true;
	for (uint64_t i = 0; i < w->n; i++) {
		struct vg_value v[NCOLS] = { { .type = VG_VAL_INT, .v.i = 7 },
					     { .type = VG_VAL_TEXT, .len = 3, .v.s = "abc" },
					     { .type = VG_VAL_NULL } };

		if (vg_store_append(w->s, (int64_t)i, v, NCOLS, NULL))
			w->ok = false;
	}
	return NULL;
}

static _Atomic bool readers_stop;

static void *reader(void *arg)
{
	struct worker *w = arg;

	w->ok = true;
	while (!readers_stop) {
		struct vg_store_scan *sc = NULL;
		uint64_t prev = 0, n = 0;

		if (vg_store_scan_open(w->s, &all, &sc)) {
			w->ok = false;
			return NULL;
		}
		while (vg_store_scan_next(sc) == 1) {
			struct vg_value v;
			uint64_t eid = vg_store_scan_eid(sc);

			if (eid <= prev || vg_store_scan_value(sc, 1, &v) || v.len != 3 ||
			    memcmp(v.v.s, "abc", 3))
				w->ok = false;
			prev = eid;
			n++;
		}
		/* A snapshot is exact: eids 1..snapshot, every one of them. */
		if (n != vg_store_scan_snapshot_eid(sc))
			w->ok = false;
		vg_store_scan_close(sc);
		w->n++;
	}
	return NULL;
}

VT_TEST(concurrent_appenders_and_readers)
{
	char *dir = vt_tmpdir();
	struct vg_store *s = open_store(dir, 0, 0, 4096);
	struct worker a[2] = { { s, 50000, false }, { s, 50000, false } }, r = { s, 0, false };
	pthread_t ta[2], tr;
	struct seen all_rows;

	VT_ASSERT(s);
	readers_stop = false;
	pthread_create(&tr, NULL, reader, &r);
	for (int i = 0; i < 2; i++)
		pthread_create(&ta[i], NULL, appender, &a[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(ta[i], NULL);
	readers_stop = true;
	pthread_join(tr, NULL);
	VT_ASSERT(a[0].ok && a[1].ok);
	VT_ASSERT(r.ok);
	VT_ASSERT(r.n > 0);
	all_rows = scan(s, all);
	VT_ASSERT_EQ(all_rows.n, 100000);
	VT_ASSERT(all_rows.ordered);
	vg_store_close(s);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(sigkilled_writer_loses_no_acknowledged_row)
{
	char *dir = vt_tmpdir();
	int pipefd[2];
	uint64_t acked = 0, last = 0;
	struct vg_store *s;
	struct seen r;
	pid_t pid;

	VT_ASSERT(pipe(pipefd) == 0);
	pid = fork();
	VT_ASSERT(pid >= 0);
	if (pid == 0) {
		struct vg_store *cs = open_store(dir, 0, 0, 1000);

		close(pipefd[0]);
		if (!cs)
			_exit(2);
		for (uint64_t i = 1;; i++) {
			struct vg_value v[NCOLS];
			char buf[64];
			uint64_t eid;

			make_row(i, buf, sizeof(buf), v);
			if (vg_store_append(cs, (int64_t)i * SEC, v, NCOLS, &eid) ||
			    write(pipefd[1], &eid, sizeof(eid)) != sizeof(eid))
				_exit(1);
		}
	}
	close(pipefd[1]);
	/* Let it write a few segments' worth, then kill it mid-stream. */
	while (acked < 5500 && read(pipefd[0], &last, sizeof(last)) == sizeof(last))
		acked++;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pipefd[0]);
	VT_ASSERT_EQ(last, acked);
	s = open_store(dir, 0, 0, 1000);
	VT_ASSERT(s);
	r = scan(s, all);
	VT_ASSERT(r.n >= acked); /* every acknowledged row, maybe a few more */
	VT_ASSERT_EQ(r.first, 1);
	VT_ASSERT_EQ(r.last, r.n);
	VT_ASSERT(r.values_ok && r.ordered);
	/* Appends continue after the recovered eids. */
	{
		struct vg_value v[NCOLS];
		char buf[64];
		uint64_t eid;

		make_row(r.n + 1, buf, sizeof(buf), v);
		VT_ASSERT_OK(vg_store_append(s, 0, v, NCOLS, &eid));
		VT_ASSERT_EQ(eid, r.n + 1);
	}
	vg_store_close(s);
	vt_rmtree(dir);
	free(dir);
}

/* Path of the sealed segment file holding eid @first. */
static void seg_path(const char *dir, uint64_t first, uint64_t last, char *out, size_t size)
{
	snprintf(out, size, "%s/%020llu-%020llu.seg", dir, (unsigned long long)first,
		 (unsigned long long)last);
}

VT_TEST(corrupt_truncated_and_foreign_segments_set_aside)
{
	char *dir = vt_tmpdir(), path[512];
	struct vg_store *s = open_store(dir, 0, 0, 100);
	struct vg_store_stats st;
	struct seen r;
	int fd;

	VT_ASSERT(s);
	VT_ASSERT_OK(append_range(s, 1, 500, 0));
	VT_ASSERT_OK(vg_store_seal(s));
	vg_store_close(s);
	/* Flip a payload byte of 101-200, truncate 201-300, overwrite 301-400. */
	seg_path(dir, 101, 200, path, sizeof(path));
	fd = open(path, O_RDWR);
	VT_ASSERT(fd >= 0);
	VT_ASSERT(pwrite(fd, "\xff", 1, 120) == 1);
	close(fd);
	seg_path(dir, 201, 300, path, sizeof(path));
	VT_ASSERT(truncate(path, 150) == 0);
	seg_path(dir, 301, 400, path, sizeof(path));
	VT_ASSERT_OK(vt_write_file(path, "not a segment at all", 20));

	s = open_store(dir, 0, 0, 100);
	VT_ASSERT(s);
	vg_store_stats(s, &st);
	VT_ASSERT_EQ(st.corrupt_segments, 3);
	VT_ASSERT_EQ(st.rows, 200);
	r = scan(s, all);
	VT_ASSERT_EQ(r.n, 200); /* 1-100 and 401-500 */
	VT_ASSERT(r.values_ok);
	seg_path(dir, 201, 300, path, sizeof(path));
	strcat(path, ".corrupt");
	VT_ASSERT(access(path, F_OK) == 0);
	/* The store goes on: new rows after the highest eid it knows. */
	VT_ASSERT_OK(append_range(s, 501, 510, 0));
	r = scan(s, all);
	VT_ASSERT_EQ(r.n, 210);
	vg_store_close(s);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(bounds_skip_segments)
{
	struct vg_store *s = open_store(NULL, 0, 0, 100);
	struct vg_store_bounds b = all;
	struct seen r;

	VT_ASSERT(s);
	VT_ASSERT_OK(append_range(s, 1, 1000, 0));
	VT_ASSERT_OK(vg_store_seal(s));
	VT_ASSERT_OK(append_range(s, 1001, 1050, 0));
	b.min_time_ns = 990 * SEC; /* time >= 990 s: the last sealed segment and the head */
	r = scan(s, b);
	VT_ASSERT_EQ(r.n, 61);
	VT_ASSERT_EQ(r.first, 990);
	VT_ASSERT(r.examined <= 150);
	b = all;
	b.min_eid = 951;
	b.max_eid = 960;
	r = scan(s, b);
	VT_ASSERT_EQ(r.n, 10);
	VT_ASSERT(r.examined <= 61); /* one segment, up to the first eid past 960 */
	vg_store_close(s);
}

VT_TEST(directory_lock_and_permissions)
{
	char *dir = vt_tmpdir(), sub[512];
	struct vg_store *s = open_store(dir, 0, 0, 0), *s2 = NULL;
	struct vg_store_options o = { .name = "x", .n_columns = NCOLS, .dir = dir };

	VT_ASSERT(s);
	VT_ASSERT_EQ(vg_store_open(&o, &s2), -EBUSY);
	vg_store_close(s);
	VT_ASSERT(chmod(dir, 0777) == 0);
	VT_ASSERT_EQ(vg_store_open(&o, &s2), -EPERM);
	VT_ASSERT(chmod(dir, 0700) == 0);
	VT_ASSERT(chown(dir, 12345, 12345) == 0);
	VT_ASSERT_EQ(vg_store_open(&o, &s2), -EPERM);
	VT_ASSERT(chown(dir, 0, 0) == 0);
	snprintf(sub, sizeof(sub), "%s/new/deeper", dir);
	o.dir = sub;
	VT_ASSERT_EQ(vg_store_open(&o, &s2), -ENOENT);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(full_disk_keeps_events_in_memory)
{
	char *dir = vt_tmpdir();
	struct vg_store_stats st;
	struct vg_store *s;
	struct seen r;

	if (mount("vigil-test", dir, "tmpfs", 0, "size=4m,mode=0700") != 0)
		vt_skip("cannot mount a small tmpfs (need root)");
	s = open_store(dir, 0, 0, 20000);
	VT_ASSERT(s);
	/* 16 MiB heads do not fit in 4 MiB: persistence stops at once. */
	VT_ASSERT_OK(append_range(s, 1, 50000, 0));
	vg_store_stats(s, &st);
	VT_ASSERT(!st.persistent);
	r = scan(s, all);
	VT_ASSERT_EQ(r.n, 50000);
	VT_ASSERT(r.values_ok);
	vg_store_close(s);
	umount2(dir, MNT_DETACH);
	vt_rmtree(dir);
	free(dir);
}
