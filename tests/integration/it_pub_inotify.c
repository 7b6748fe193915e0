// SPDX-License-Identifier: Apache-2.0
/*
 * The inotify publisher on the real kernel: the exact event sequence of
 * ordinary file operations, rename pairing with old_path, directory renames
 * keeping paths right, recursion into directories made after start,
 * non-recursive watches, accesses only when asked, names with newlines and
 * invalid UTF-8, update() adding and removing roots, roots missing at start
 * or deleted and recreated, queue overflow, and the drain rate on a flood.
 *
 * Each test waits for a sentinel file's CREATED (inotify keeps one
 * process's events in order), polling the publisher's fd against a
 * deadline, so everything before it has arrived when the test asserts.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vt.h"

#define DEADLINE_MS 5000

struct ev {
	enum vg_file_action action;
	unsigned flags;
	uint32_t cookie;
	char *path; /* NUL added; the event's bytes before it */
	size_t path_len;
	char *old_path;
	bool is_dir;
};

struct coll {
	struct ev *v;
	size_t n, cap;
	unsigned overflows;
	uint64_t count; /* events seen, kept or not */
	bool keep;	/* store the events (false: count only) */
};

static char *dup_bytes(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

static void on_event(void *ctx, const struct vg_file_event *fe)
{
	struct coll *c = ctx;
	struct ev *e;

	c->count++;
	if (!c->keep)
		return;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			abort();
	}
	e = &c->v[c->n++];
	*e = (struct ev){
		.action = fe->action,
		.flags = fe->flags,
		.cookie = fe->cookie,
		.path = dup_bytes(fe->path, fe->path_len),
		.path_len = fe->path_len,
		.old_path = fe->old_path ? dup_bytes(fe->old_path, fe->old_path_len) : NULL,
		.is_dir = fe->is_dir,
	};
}

static void on_overflow(void *ctx, const char *publisher)
{
	struct coll *c = ctx;

	if (!strcmp(publisher, "inotify"))
		c->overflows++;
}

static void coll_reset(struct coll *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].old_path);
	}
	c->n = 0;
}

static void coll_free(struct coll *c)
{
	coll_reset(c);
	free(c->v);
	*c = (struct coll){ 0 };
}

/* The index of the first (action, path) event at or after @from, or -1. */
static long find(const struct coll *c, size_t from, enum vg_file_action a, const char *path)
{
	for (size_t i = from; i < c->n; i++) {
		if (c->v[i].action == a && !strcmp(c->v[i].path, path))
			return (long)i;
	}
	return -1;
}

static size_t count(const struct coll *c, enum vg_file_action a, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->v[i].action == a && !strcmp(c->v[i].path, path);
	return n;
}

/* How many events have a path starting with @prefix. */
static size_t count_prefix(const struct coll *c, const char *prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += !strncmp(c->v[i].path, prefix, strlen(prefix));
	return n;
}

/*
 * Drains @state until an (@a, @path) event has been collected (any, if
 * @path is NULL: until the queue is empty once) or the deadline passes.
 */
static bool pump(void *state, struct coll *c, enum vg_file_action a, const char *path)
{
	int64_t deadline = vg_mono_ns() + DEADLINE_MS * 1000000LL;
	struct pollfd pfd = { .fd = vg_publisher_inotify.fd(state), .events = POLLIN };

	for (;;) {
		int64_t left_ms;
		int n = vg_publisher_inotify.drain(state, 4096);

		if (n < 0)
			return false;
		if (path ? find(c, 0, a, path) >= 0 : n == 0)
			return true;
		left_ms = (deadline - vg_mono_ns()) / 1000000;
		if (left_ms <= 0)
			return false;
		if (n == 0)
			poll(&pfd, 1, (int)(left_ms > 100 ? 100 : left_ms));
	}
}

/* Creates @dir/zz-sentinel-<n> and pumps until its CREATED arrives. */
static bool settle(void *state, struct coll *c, const char *dir)
{
	static unsigned n;
	char path[4096];

	snprintf(path, sizeof(path), "%s/zz-sentinel-%u", dir, n++);
	if (vt_write_file(path, "", 0))
		return false;
	return pump(state, c, VG_FILE_CREATED, path);
}

/* Drops the sentinel's events (they are last) so sequences can be compared exactly. */
static void drop_sentinels(struct coll *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (strstr(c->v[i].path, "/zz-sentinel-")) {
			free(c->v[i].path);
			free(c->v[i].old_path);
			continue;
		}
		c->v[k++] = c->v[i];
	}
	c->n = k;
}

static char *path_of(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = malloc(len);

	if (!p)
		abort();
	snprintf(p, len, "%s/%s", dir, name);
	return p;
}

static void *start(const struct vg_watch *w, size_t n, struct vg_sink *sink, struct coll *c)
{
	struct vg_watch_set ws = { .watches = w, .n_watches = n };
	void *state = NULL;

	*sink = (struct vg_sink){ .file_event = on_event, .overflow = on_overflow, .ctx = c };
	c->keep = true;
	if (vg_publisher_inotify.start(&ws, sink, &state))
		return NULL;
	return state;
}

/* Prints the events (for a failing assertion's context). */
static void dump(const struct coll *c)
{
	for (size_t i = 0; i < c->n; i++)
		fprintf(stderr, "  %zu: %s %s flags=%u cookie=%u old=%s\n", i,
			vg_file_action_name(c->v[i].action), c->v[i].path, c->v[i].flags,
			c->v[i].cookie, c->v[i].old_path ? c->v[i].old_path : "-");
}

VT_TEST(probe)
{
	VT_ASSERT_OK(vg_publisher_inotify.probe());
}

/* What a user checks after everyday operations in a watched directory. */
VT_TEST(exact_sequence)
{
	char *dir = vt_tmpdir();
	char *f = path_of(dir, "f"), *g = path_of(dir, "g"), *d = path_of(dir, "d");
	struct vg_watch w = { .path = dir };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = start(&w, 1, &sink, &c);
	struct {
		enum vg_file_action a;
		unsigned flags;
		const char *path;
		bool is_dir;
	} want[] = {
		{ VG_FILE_CREATED, 0, f, false },
		{ VG_FILE_UPDATED, VG_FILE_EV_WRITE, f, false },
		{ VG_FILE_UPDATED, VG_FILE_EV_CLOSE, f, false },
		{ VG_FILE_ATTRIBUTES_MODIFIED, 0, f, false },
		{ VG_FILE_MOVED_FROM, 0, f, false },
		{ VG_FILE_MOVED_TO, 0, g, false },
		{ VG_FILE_DELETED, 0, g, false },
		{ VG_FILE_CREATED, 0, d, true },
		{ VG_FILE_DELETED, 0, d, true },
	};
	struct vg_publisher_stats stats;
	bool ok = false;

	if (st) {
		ok = !vt_write_file(f, "hello", 5) && !chmod(f, 0600) && !rename(f, g) &&
		     !unlink(g) && !mkdir(d, 0755) && !rmdir(d) && settle(st, &c, dir);
		drop_sentinels(&c);
		if (c.n != sizeof(want) / sizeof(want[0]))
			dump(&c);
		vg_publisher_inotify.stats(st, &stats);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(c.n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < c.n; i++) {
		VT_ASSERT_STR_EQ(vg_file_action_name(c.v[i].action),
				 vg_file_action_name(want[i].a));
		VT_ASSERT_STR_EQ(c.v[i].path, want[i].path);
		VT_ASSERT_EQ(c.v[i].path_len, strlen(want[i].path));
		VT_ASSERT_EQ(c.v[i].is_dir, want[i].is_dir);
		if (want[i].a == VG_FILE_UPDATED)
			VT_ASSERT_EQ(c.v[i].flags, want[i].flags);
	}
	/* The rename pair: one non-zero cookie, and the old path on MOVED_TO. */
	VT_ASSERT(c.v[4].cookie != 0);
	VT_ASSERT_EQ(c.v[4].cookie, c.v[5].cookie);
	VT_ASSERT(c.v[4].old_path == NULL);
	VT_ASSERT_STR_EQ(c.v[5].old_path, f);
	VT_ASSERT(stats.received >= c.n);
	VT_ASSERT_EQ(stats.watches, 1);
	VT_ASSERT_EQ(stats.overflows, 0);
	coll_free(&c);
	free(f);
	free(g);
	free(d);
	free(dir);
}

/* A directory renamed inside a recursive root: later events use its new path. */
VT_TEST(directory_rename_keeps_paths)
{
	char *dir = vt_tmpdir();
	char *a = path_of(dir, "a"), *b = path_of(dir, "b"), *out = vt_tmpdir();
	char *ax = path_of(a, "sub/x"), *bx = path_of(b, "sub/x"), *asub = path_of(a, "sub");
	char *gone = path_of(out, "gone"), *gy = path_of(gone, "sub/y");
	struct vg_watch w = { .path = dir, .recursive = true };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = NULL;
	long from, to;
	bool ok = !mkdir(a, 0755) && !mkdir(asub, 0755);

	if (ok)
		st = start(&w, 1, &sink, &c);
	if (st) {
		/* In sight: a -> b. Out of sight: b -> another tree, then written there. */
		ok = !rename(a, b) && !vt_write_file(bx, "x", 1) && settle(st, &c, dir) &&
		     !rename(b, gone) && !vt_write_file(gy, "y", 1) && settle(st, &c, dir);
		vg_publisher_inotify.stop(st);
	}
	from = find(&c, 0, VG_FILE_MOVED_FROM, a);
	to = find(&c, 0, VG_FILE_MOVED_TO, b);
	vt_rmtree(dir);
	vt_rmtree(out);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT(from >= 0 && to == from + 1);
	VT_ASSERT(c.v[from].is_dir && c.v[to].is_dir);
	VT_ASSERT_EQ(c.v[from].cookie, c.v[to].cookie);
	VT_ASSERT_STR_EQ(c.v[to].old_path, a);
	VT_ASSERT(find(&c, 0, VG_FILE_CREATED, bx) > to);
	VT_ASSERT_EQ(count_prefix(&c, a), 1); /* only the MOVED_FROM */
	VT_ASSERT(find(&c, 0, VG_FILE_MOVED_FROM, b) >= 0);
	VT_ASSERT_EQ(count_prefix(&c, out), 0); /* nothing from outside the root */
	coll_free(&c);
	free(a);
	free(b);
	free(ax);
	free(bx);
	free(asub);
	free(gone);
	free(gy);
	free(out);
	free(dir);
}

/* A directory made after start, with files made at once inside it: each CREATED once. */
VT_TEST(recursive_new_directory)
{
	char *dir = vt_tmpdir();
	char *a = path_of(dir, "a"), *ab = path_of(dir, "a/b"), *abf = path_of(dir, "a/b/f");
	char *af = path_of(dir, "a/f"), *abc = path_of(dir, "a/b/c"),
	     *abcg = path_of(dir, "a/b/c/g");
	char *later = path_of(dir, "a/b/later");
	struct vg_watch w = { .path = dir, .recursive = true };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = start(&w, 1, &sink, &c);
	struct vg_publisher_stats stats = { 0 };
	bool ok = false;

	if (st) {
		ok = !mkdir(a, 0755) && !mkdir(ab, 0755) && !vt_write_file(abf, "1", 1) &&
		     !vt_write_file(af, "2", 1) && settle(st, &c, dir);
		/* Now watched: a file made later in the new tree arrives with its writes. */
		ok = ok && !vt_write_file(later, "4", 1) && !mkdir(abc, 0755) &&
		     !vt_write_file(abcg, "3", 1) && pump(st, &c, VG_FILE_CREATED, abcg) &&
		     settle(st, &c, dir);
		vg_publisher_inotify.stats(st, &stats);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, a), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, ab), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, abf), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, af), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, abc), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, abcg), 1);
	VT_ASSERT(find(&c, 0, VG_FILE_CREATED, a) < find(&c, 0, VG_FILE_CREATED, ab));
	VT_ASSERT(find(&c, 0, VG_FILE_CREATED, ab) < find(&c, 0, VG_FILE_CREATED, abf));
	VT_ASSERT(c.v[find(&c, 0, VG_FILE_CREATED, ab)].is_dir);
	VT_ASSERT(!c.v[find(&c, 0, VG_FILE_CREATED, abf)].is_dir);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, later), 1);
	VT_ASSERT(find(&c, 0, VG_FILE_UPDATED, later) > find(&c, 0, VG_FILE_CREATED, later));
	VT_ASSERT_EQ(stats.watches, 4); /* dir, a, a/b, a/b/c */
	coll_free(&c);
	free(a);
	free(ab);
	free(abf);
	free(af);
	free(abc);
	free(abcg);
	free(later);
	free(dir);
}

/* A non-recursive watch: the directory's own children only. */
VT_TEST(non_recursive_ignores_subdirectories)
{
	char *dir = vt_tmpdir();
	char *s = path_of(dir, "s"), *sx = path_of(dir, "s/x"), *y = path_of(dir, "y");
	char *s2 = path_of(dir, "s2"), *s2z = path_of(dir, "s2/z");
	struct vg_watch w = { .path = dir };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = NULL;
	bool ok = !mkdir(s, 0755);

	if (ok)
		st = start(&w, 1, &sink, &c);
	if (st) {
		ok = !vt_write_file(sx, "x", 1) && !vt_write_file(y, "y", 1) && !mkdir(s2, 0755) &&
		     !vt_write_file(s2z, "z", 1) && settle(st, &c, dir);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, y), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, s2), 1);
	VT_ASSERT_EQ(count_prefix(&c, sx), 0);
	VT_ASSERT_EQ(count_prefix(&c, s2z), 0);
	coll_free(&c);
	free(s);
	free(sx);
	free(y);
	free(s2);
	free(s2z);
	free(dir);
}

/* Reads a file whole (open + read + close). */
static int read_all(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (read(fd, buf, sizeof(buf)) > 0)
		continue;
	close(fd);
	return 0;
}

/* OPENED and ACCESSED only where the watch asks for accesses. */
VT_TEST(accesses_only_when_asked)
{
	char *dir = vt_tmpdir();
	char *da = path_of(dir, "a"), *db = path_of(dir, "b");
	char *fa = path_of(da, "f"), *fb = path_of(db, "f");
	struct vg_watch w[] = { { .path = da, .accesses = true }, { .path = db } };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = NULL;
	bool ok = !mkdir(da, 0755) && !mkdir(db, 0755) && !vt_write_file(fa, "a", 1) &&
		  !vt_write_file(fb, "b", 1);

	if (ok)
		st = start(w, 2, &sink, &c);
	if (st) {
		ok = !read_all(fa) && !read_all(fb) && settle(st, &c, da) && settle(st, &c, db);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(count(&c, VG_FILE_OPENED, fa), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_ACCESSED, fa), 1);
	VT_ASSERT(find(&c, 0, VG_FILE_OPENED, fa) < find(&c, 0, VG_FILE_ACCESSED, fa));
	VT_ASSERT_EQ(count_prefix(&c, fb), 0);
	/* Opening the sentinel for writing is an access in a, not in b. */
	VT_ASSERT(count_prefix(&c, db) > 0);
	for (size_t i = 0; i < c.n; i++)
		VT_ASSERT(
		    !(c.v[i].action == VG_FILE_OPENED && !strncmp(c.v[i].path, db, strlen(db))));
	coll_free(&c);
	free(da);
	free(db);
	free(fa);
	free(fb);
	free(dir);
}

/* A name with a newline and invalid UTF-8 arrives byte for byte. */
VT_TEST(odd_names_intact)
{
	static const char name[] = "new\nline\xff\xfe\xc3(\x01 end";
	char *dir = vt_tmpdir();
	char *f = path_of(dir, name), *g = path_of(dir, "\xe9t\xe9\n");
	struct vg_watch w = { .path = dir, .recursive = true };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = start(&w, 1, &sink, &c);
	long i = -1, j = -1;
	bool ok = false;

	if (st) {
		ok = !vt_write_file(f, "x", 1) && !rename(f, g) && settle(st, &c, dir);
		vg_publisher_inotify.stop(st);
	}
	i = find(&c, 0, VG_FILE_CREATED, f);
	j = find(&c, 0, VG_FILE_MOVED_TO, g);
	vt_rmtree(dir);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT(i >= 0);
	VT_ASSERT_EQ(c.v[i].path_len, strlen(f));
	VT_ASSERT(!memcmp(c.v[i].path, f, strlen(f)));
	VT_ASSERT(j > i);
	VT_ASSERT_STR_EQ(c.v[j].old_path, f);
	coll_free(&c);
	free(f);
	free(g);
	free(dir);
}

/* update() adds a root and removes another; the root that stays loses nothing. */
VT_TEST(update_adds_and_removes)
{
	char *dir = vt_tmpdir();
	char *da = path_of(dir, "a"), *db = path_of(dir, "b");
	char *a1 = path_of(da, "1"), *b1 = path_of(db, "1"), *a2 = path_of(da, "2");
	char *b2 = path_of(db, "2"), *a3 = path_of(da, "3");
	struct vg_watch w1[] = { { .path = da } };
	struct vg_watch w2[] = { { .path = db, .recursive = true }, { .path = da } };
	struct vg_watch w3[] = { { .path = db } };
	struct vg_watch_set ws2 = { .watches = w2, .n_watches = 2 };
	struct vg_watch_set ws3 = { .watches = w3, .n_watches = 1 };
	struct vg_publisher_stats s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = NULL;
	bool ok = !mkdir(da, 0755) && !mkdir(db, 0755);

	if (ok)
		st = start(w1, 1, &sink, &c);
	if (st) {
		vg_publisher_inotify.stats(st, &s1);
		/* a1 is queued before the update and read after it. */
		ok = !vt_write_file(a1, "1", 1) && !vt_write_file(b1, "1", 1) &&
		     !vg_publisher_inotify.update(st, &ws2) && !vt_write_file(a2, "2", 1) &&
		     !vt_write_file(b2, "2", 1) && settle(st, &c, da) && settle(st, &c, db);
		vg_publisher_inotify.stats(st, &s2);
		ok = ok && !vg_publisher_inotify.update(st, &ws3) && !vt_write_file(a3, "3", 1) &&
		     settle(st, &c, db);
		vg_publisher_inotify.stats(st, &s3);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, a1), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, b1), 0);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, a2), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, b2), 1);
	VT_ASSERT_EQ(count_prefix(&c, a3), 0);
	VT_ASSERT_EQ(s1.watches, 1);
	VT_ASSERT_EQ(s2.watches, 2);
	VT_ASSERT_EQ(s3.watches, 1);
	coll_free(&c);
	free(da);
	free(db);
	free(a1);
	free(b1);
	free(a2);
	free(b2);
	free(a3);
	free(dir);
}

/* A root deleted and made again is watched again, its content delivered. */
VT_TEST(root_deleted_and_recreated)
{
	char *dir = vt_tmpdir();
	char *r = path_of(dir, "root"), *f = path_of(r, "f"), *g = path_of(r, "g");
	char *sub = path_of(r, "sub"), *sf = path_of(r, "sub/f"), *h = path_of(r, "sub/h");
	char *other = path_of(dir, "other");
	struct vg_watch w = { .path = r, .recursive = true };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = NULL;
	bool ok = !mkdir(r, 0755) && !vt_write_file(f, "f", 1);

	if (ok)
		st = start(&w, 1, &sink, &c);
	if (st) {
		ok = !unlink(f) && !rmdir(r) && pump(st, &c, VG_FILE_DELETED, r);
		/* Made again with content, before or after the publisher notices. */
		ok = ok && !vt_write_file(other, "o", 1) && !mkdir(r, 0755) && !mkdir(sub, 0755) &&
		     !vt_write_file(sf, "s", 1) && pump(st, &c, VG_FILE_CREATED, sf);
		/* Watched again, recursively. */
		ok = ok && !vt_write_file(g, "g", 1) && !vt_write_file(h, "h", 1) &&
		     settle(st, &c, r) && settle(st, &c, sub);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	if (!ok)
		dump(&c);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT(find(&c, 0, VG_FILE_DELETED, f) < find(&c, 0, VG_FILE_DELETED, r));
	VT_ASSERT_EQ(count(&c, VG_FILE_DELETED, r), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, r), 1);
	VT_ASSERT(find(&c, 0, VG_FILE_DELETED, r) < find(&c, 0, VG_FILE_CREATED, r));
	VT_ASSERT(find(&c, 0, VG_FILE_CREATED, r) < find(&c, 0, VG_FILE_CREATED, sub));
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, sub), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, sf), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, g), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, h), 1);
	VT_ASSERT_EQ(count_prefix(&c, other), 0); /* the parent is watched, not delivered */
	coll_free(&c);
	free(r);
	free(f);
	free(g);
	free(sub);
	free(sf);
	free(h);
	free(other);
	free(dir);
}

/* A file as a root: its own events, not its siblings'; watched again when made anew. */
VT_TEST(file_root)
{
	char *dir = vt_tmpdir();
	char *f = path_of(dir, "watched"), *sib = path_of(dir, "sibling");
	struct vg_watch w = { .path = f };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = NULL;
	long del = -1, cre = -1;
	bool ok = !vt_write_file(f, "1", 1);

	if (ok)
		st = start(&w, 1, &sink, &c);
	if (st) {
		ok = !vt_write_file(f, "22", 2) && !chmod(f, 0600) && !vt_write_file(sib, "s", 1) &&
		     !unlink(f) && pump(st, &c, VG_FILE_DELETED, f) && !vt_write_file(f, "3", 1) &&
		     pump(st, &c, VG_FILE_CREATED, f) && !chmod(f, 0640) &&
		     pump(st, &c, VG_FILE_ATTRIBUTES_MODIFIED, f);
		vg_publisher_inotify.stop(st);
	}
	del = find(&c, 0, VG_FILE_DELETED, f);
	cre = find(&c, 0, VG_FILE_CREATED, f);
	vt_rmtree(dir);
	if (!ok)
		dump(&c);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT(find(&c, 0, VG_FILE_UPDATED, f) >= 0);
	VT_ASSERT(find(&c, 0, VG_FILE_UPDATED, f) < find(&c, 0, VG_FILE_ATTRIBUTES_MODIFIED, f));
	VT_ASSERT(del >= 0 && cre > del);
	VT_ASSERT_EQ(count(&c, VG_FILE_DELETED, f), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, f), 1);
	VT_ASSERT(find(&c, (size_t)cre, VG_FILE_ATTRIBUTES_MODIFIED, f) > cre);
	VT_ASSERT_EQ(count_prefix(&c, sib), 0);
	VT_ASSERT(!c.v[cre].is_dir);
	coll_free(&c);
	free(f);
	free(sib);
	free(dir);
}

/* A root that does not exist at start is watched once it appears, however deep. */
VT_TEST(root_missing_at_start)
{
	char *dir = vt_tmpdir();
	char *p1 = path_of(dir, "p"), *p2 = path_of(dir, "p/q"), *r = path_of(dir, "p/q/root");
	char *f = path_of(r, "f"), *g = path_of(r, "g"), *side = path_of(dir, "p/side");
	struct vg_watch w = { .path = r };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st = start(&w, 1, &sink, &c);
	struct vg_publisher_stats s0 = { 0 }, s1 = { 0 };
	bool ok = false;

	if (st) {
		vg_publisher_inotify.stats(st, &s0);
		ok = !mkdir(p1, 0755) && !vt_write_file(side, "s", 1) && !mkdir(p2, 0755) &&
		     !mkdir(r, 0755) && !vt_write_file(f, "f", 1) &&
		     pump(st, &c, VG_FILE_CREATED, f) && !vt_write_file(g, "g", 1) &&
		     settle(st, &c, r);
		vg_publisher_inotify.stats(st, &s1);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	if (!ok)
		dump(&c);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(s0.watches, 1); /* the temporary directory, waiting */
	VT_ASSERT_EQ(s1.watches, 1); /* the root only: the ancestors' watches are gone */
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, r), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, f), 1);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, g), 1);
	VT_ASSERT_EQ(count_prefix(&c, side), 0);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, p1), 0); /* ancestors are not delivered */
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, p2), 0);
	coll_free(&c);
	free(p1);
	free(p2);
	free(r);
	free(f);
	free(g);
	free(side);
	free(dir);
}

static int64_t sysctl_get(const char *name)
{
	char path[128];
	int64_t v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%" SCNd64, &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int sysctl_set(const char *name, int64_t v)
{
	char path[128], text[32];
	int n = snprintf(text, sizeof(text), "%" PRId64 "\n", v);

	snprintf(path, sizeof(path), "/proc/sys/fs/inotify/%s", name);
	return vt_write_file(path, text, (size_t)n);
}

/*
 * Starts a publisher whose queue holds @max events. The kernel reads
 * fs.inotify.max_queued_events when the instance is made, so the sysctl is
 * restored right after start(), before anything can fail.
 */
static void *start_with_queue(const struct vg_watch *w, struct vg_sink *sink, struct coll *c,
			      int64_t max, bool *restored)
{
	int64_t old = sysctl_get("max_queued_events");
	void *st;

	*restored = false;
	if (old < 0 || sysctl_set("max_queued_events", max))
		return NULL;
	st = start(w, 1, sink, c);
	*restored = !sysctl_set("max_queued_events", old) && sysctl_get("max_queued_events") == old;
	return st;
}

/* A flooded queue: the overflow is counted and reported, and watching goes on. */
VT_TEST(overflow_counted)
{
	char *dir = vt_tmpdir();
	char *after = path_of(dir, "after");
	struct vg_watch w = { .path = dir, .recursive = true };
	struct vg_publisher_stats stats = { 0 };
	struct coll c = { 0 };
	struct vg_sink sink;
	bool restored = false, ok = false;
	void *st = start_with_queue(&w, &sink, &c, 32, &restored);

	if (st) {
		ok = true;
		for (int i = 0; ok && i < 200; i++) {
			char name[32];
			char *p;

			snprintf(name, sizeof(name), "flood-%d", i);
			p = path_of(dir, name);
			ok = !vt_write_file(p, "x", 1);
			free(p);
		}
		ok = ok && pump(st, &c, VG_FILE_CREATED, NULL) && !vt_write_file(after, "a", 1) &&
		     pump(st, &c, VG_FILE_CREATED, after);
		vg_publisher_inotify.stats(st, &stats);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(restored);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT(c.overflows >= 1);
	VT_ASSERT_EQ(stats.overflows, c.overflows);
	VT_ASSERT_EQ(stats.dropped_kernel, 0); /* inotify does not say how many */
	VT_ASSERT(c.n < 3 * 200);
	VT_ASSERT_EQ(count(&c, VG_FILE_CREATED, after), 1);
	coll_free(&c);
	free(after);
	free(dir);
}

/* How fast drain() empties a queue of creates made in a tmpfs (printed). */
VT_TEST(flood_drain_rate)
{
	enum { N = 50000 };
	char dir[] = "/dev/shm/vigil-flood-XXXXXX";
	struct vg_watch w = { .path = dir, .recursive = true };
	struct vg_publisher_stats stats = { 0 };
	struct coll c = { 0 };
	struct vg_sink sink;
	bool restored = false, ok = false;
	void *st = NULL;
	int64_t t0 = 0, t1 = 0;

	if (!mkdtemp(dir))
		vt_skip("no /dev/shm tmpfs");
	st = start_with_queue(&w, &sink, &c, 4 * N, &restored);
	c.keep = false;
	if (st) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		ok = dfd >= 0;
		for (int i = 0; ok && i < N; i++) {
			char name[32];
			int fd;

			snprintf(name, sizeof(name), "f%d", i);
			fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			ok = fd >= 0 && !close(fd);
		}
		if (dfd >= 0)
			close(dfd);
		t0 = vg_mono_ns();
		while (ok) {
			int n = vg_publisher_inotify.drain(st, 4096);

			ok = n >= 0;
			if (n == 0)
				break;
		}
		t1 = vg_mono_ns();
		vg_publisher_inotify.stats(st, &stats);
		vg_publisher_inotify.stop(st);
	}
	vt_rmtree(dir);
	VT_ASSERT(restored);
	VT_ASSERT(st);
	VT_ASSERT(ok);
	VT_ASSERT_EQ(stats.overflows, 0);
	VT_ASSERT_EQ(c.count, 2 * N); /* CREATED and UPDATED (close) each */
	printf("inotify flood: %llu events drained in %.1f ms: %.0f events/s\n",
	       (unsigned long long)c.count, (double)(t1 - t0) / 1e6,
	       (double)c.count * 1e9 / (double)(t1 - t0 > 0 ? t1 - t0 : 1));
	coll_free(&c);
}

/*
 * The child of watch_limit_counted: in a user namespace of its own, whose
 * user.max_inotify_watches is 5 (the system's limits are not touched),
 * watches a tree of 10 directories. Exits 0 if 5 are watched and 5 counted
 * unwatched, 77 if user namespaces are unavailable.
 */
static int watch_limit_child(const char *dir)
{
	struct vg_watch w = { .path = dir, .recursive = true };
	struct vg_publisher_stats stats = { 0 };
	struct coll c = { 0 };
	struct vg_sink sink;
	void *st;

	if (unshare(CLONE_NEWUSER) || vt_write_file("/proc/self/uid_map", "0 0 1\n", 6) ||
	    vt_write_file("/proc/sys/user/max_inotify_watches", "5\n", 2))
		return 77;
	st = start(&w, 1, &sink, &c);
	if (!st)
		return 1;
	vg_publisher_inotify.stats(st, &stats);
	vg_publisher_inotify.stop(st);
	coll_free(&c);
	if (stats.watches != 5 || stats.unwatched != 5) {
		fprintf(stderr, "watches %llu unwatched %llu\n", (unsigned long long)stats.watches,
			(unsigned long long)stats.unwatched);
		return 1;
	}
	return 0;
}

/* Hitting the watch limit: what could not be watched is counted (and logged once). */
VT_TEST(watch_limit_counted)
{
	char *dir = vt_tmpdir();
	int status = -1;
	bool ok = true;
	pid_t pid;

	for (int i = 0; ok && i < 9; i++) {
		char name[16];
		char *p;

		snprintf(name, sizeof(name), "d%d", i);
		p = path_of(dir, name);
		ok = !mkdir(p, 0755);
		free(p);
	}
	pid = ok ? fork() : -1;
	if (pid == 0)
		_exit(watch_limit_child(dir));
	if (pid > 0)
		waitpid(pid, &status, 0);
	vt_rmtree(dir);
	free(dir);
	VT_ASSERT(ok);
	VT_ASSERT(pid > 0);
	VT_ASSERT(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		vt_skip("no user namespaces");
	VT_ASSERT_EQ(WEXITSTATUS(status), 0);
}
