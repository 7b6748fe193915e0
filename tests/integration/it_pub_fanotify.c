// SPDX-License-Identifier: Apache-2.0
/*
 * The fanotify publisher on the real kernel: child processes change files
 * under watched directories, the test drains the publisher (polling its fd
 * against a deadline) and checks the (action, path) sequence a user would
 * see, with pids, rename cookies and old paths. Most tests mount a private
 * tmpfs on their temporary directory (in a private mount namespace) so other
 * activity on the host's filesystems cannot interfere; the first runs on the
 * host's /tmp to show that filtering by path works on a busy filesystem.
 *
 * File operations run in forked children: events caused by the publisher's
 * own process (this one) are dropped by design.
 *
 * A recursive watch is marked directory by directory (inode marks) when its
 * tree is small, which all trees here are; a tree_dirs option of 0
 * (fs_mark_fallback()) makes the publisher use its filesystem mark instead,
 * as for a tree over the budget.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vigil/strbuf.h"
#include "vt.h"

#define WAIT_MS	  5000 /* deadline for an expected event */
#define SETTLE_MS 150  /* after it: time for unexpected extra events to show */

static const struct vg_publisher_ops *pub = &vg_publisher_fanotify;

/* ---- collecting events ---- */

struct ev {
	enum vg_file_action action;
	unsigned flags;
	uint32_t cookie;
	int32_t pid;
	bool is_dir;
	char *path, *old_path;
	size_t path_len, old_path_len;
};

struct fx {
	char *tmp; /* the test's directory (a tmpfs mount point when is_mounted) */
	bool is_mounted;
	void *st; /* the publisher */
	struct vg_sink sink;
	struct ev *evs;
	size_t n_evs, cap;
	bool count_only; /* flood tests: count, keep nothing */
	uint64_t n_seen, n_overflow;
};

static char *dup_bytes(const char *p, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		abort();
	memcpy(c, p, n);
	c[n] = '\0';
	return c;
}

static void on_event(void *ctx, const struct vg_file_event *e)
{
	struct fx *f = ctx;
	struct ev *ev;

	f->n_seen++;
	if (f->count_only)
		return;
	if (f->n_evs == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->evs = realloc(f->evs, f->cap * sizeof(*f->evs));
		if (!f->evs)
			abort();
	}
	ev = &f->evs[f->n_evs++];
	*ev = (struct ev){ .action = e->action,
			   .flags = e->flags,
			   .cookie = e->cookie,
			   .pid = e->pid,
			   .is_dir = e->is_dir,
			   .path = dup_bytes(e->path, e->path_len),
			   .path_len = e->path_len };
	if (e->old_path) {
		ev->old_path = dup_bytes(e->old_path, e->old_path_len);
		ev->old_path_len = e->old_path_len;
	}
}

static void on_overflow(void *ctx, const char *publisher)
{
	struct fx *f = ctx;

	(void)publisher;
	f->n_overflow++;
}

static void fx_clear(struct fx *f)
{
	for (size_t i = 0; i < f->n_evs; i++) {
		free(f->evs[i].path);
		free(f->evs[i].old_path);
	}
	f->n_evs = 0;
}

/* A private mount namespace, once, so test mounts stay ours. */
static bool private_mounts(void)
{
	static int done = -1;

	if (done < 0)
		done =
		    !unshare(CLONE_NEWNS) && !mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
	return done;
}

/* A new temporary directory, with a tmpfs on it when @tmpfs. */
static void fx_init(struct fx *f, bool tmpfs)
{
	*f = (struct fx){ .tmp = vt_tmpdir() };
	f->sink = (struct vg_sink){ .file_event = on_event, .overflow = on_overflow, .ctx = f };
	if (tmpfs) {
		if (!private_mounts() ||
		    mount("tmpfs", f->tmp, "tmpfs", 0, "size=512m,nr_inodes=1000000"))
			vt_skip("cannot mount a tmpfs (needs CAP_SYS_ADMIN)");
		f->is_mounted = true;
	}
}

static void fx_release(struct fx *f)
{
	pub->stop(f->st);
	fx_clear(f);
	free(f->evs);
	if (f->is_mounted)
		umount2(f->tmp, MNT_DETACH);
	vt_rmtree(f->tmp);
	free(f->tmp);
}

/* Starts the publisher on @n watches given as (path under tmp, recursive, accesses). */
struct w {
	const char *rel;
	bool recursive, accesses;
};

/* Set by fs_mark_fallback(): a tree of no directories marked one by one. */
static bool fs_mark_only;

static int fx_watches(struct fx *f, const struct w *ws, size_t n, bool update)
{
	static const struct vg_file_options fs_mark = { .tree_dirs = 0 };
	struct vg_watch v[8];
	char paths[8][512];
	struct vg_watch_set set = { .watches = v,
				    .n_watches = n,
				    .file = fs_mark_only ? &fs_mark : NULL };

	for (size_t i = 0; i < n && i < 8; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", f->tmp, ws[i].rel);
		v[i] = (struct vg_watch){ paths[i], ws[i].recursive, ws[i].accesses };
	}
	return update ? pub->update(f->st, &set) : pub->start(&set, &f->sink, &f->st);
}

/* Polls and drains until @ms pass. */
static void fx_pump(struct fx *f, int ms)
{
	int64_t end = vg_mono_ns() + (int64_t)ms * 1000000;
	int64_t left;

	while ((left = end - vg_mono_ns()) > 0) {
		struct pollfd p = { .fd = pub->fd(f->st), .events = POLLIN };

		if (poll(&p, 1, (int)(left / 1000000) + 1) > 0)
			pub->drain(f->st, 1024);
	}
}

/* Polls and drains until @ms pass; returns the kernel events read (filtered or not). */
static int64_t fx_raw(struct fx *f, int ms)
{
	int64_t end = vg_mono_ns() + (int64_t)ms * 1000000, n = 0;
	int64_t left;

	while ((left = end - vg_mono_ns()) > 0) {
		struct pollfd p = { .fd = pub->fd(f->st), .events = POLLIN };
		int r;

		if (poll(&p, 1, (int)(left / 1000000) + 1) > 0 && (r = pub->drain(f->st, 1024)) > 0)
			n += r;
	}
	return n;
}

/* Recursive watches started from now on use the filesystem mark when @on. */
static void fs_mark_fallback(bool on)
{
	fs_mark_only = on;
}

/* How many events (@a, @rel) arrived. */
static size_t fx_count(const struct fx *f, enum vg_file_action a, const char *rel)
{
	char path[512];
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", f->tmp, rel);
	for (size_t i = 0; i < f->n_evs; i++)
		n += f->evs[i].action == a && !strcmp(f->evs[i].path, path);
	return n;
}

static bool fx_has(const struct fx *f, enum vg_file_action a, const char *path)
{
	for (size_t i = 0; i < f->n_evs; i++)
		if (f->evs[i].action == a && !strcmp(f->evs[i].path, path))
			return true;
	return false;
}

/* Drains until (@a, @rel) arrived (deadline WAIT_MS), then SETTLE_MS more. */
static bool fx_wait(struct fx *f, enum vg_file_action a, const char *rel)
{
	int64_t end = vg_mono_ns() + (int64_t)WAIT_MS * 1000000;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", f->tmp, rel);
	while (!fx_has(f, a, path) && vg_mono_ns() < end) {
		struct pollfd p = { .fd = pub->fd(f->st), .events = POLLIN };

		if (poll(&p, 1, 50) > 0)
			pub->drain(f->st, 1024);
	}
	fx_pump(f, SETTLE_MS);
	return fx_has(f, a, path);
}

/*
 * The events as lines "ACTION relpath", consecutive UPDATEDs of one path
 * merged (the kernel merges them too, depending on timing), into @out.
 */
static const char *fx_seq(const struct fx *f, struct vg_strbuf *out)
{
	size_t tl = strlen(f->tmp);

	vg_strbuf_reset(out);
	for (size_t i = 0; i < f->n_evs; i++) {
		const struct ev *e = &f->evs[i];

		if (i && e->action == VG_FILE_UPDATED && f->evs[i - 1].action == VG_FILE_UPDATED &&
		    !strcmp(e->path, f->evs[i - 1].path))
			continue;
		vg_strbuf_addf(out, "%s %s\n", vg_file_action_name(e->action),
			       strncmp(e->path, f->tmp, tl) ? e->path : e->path + tl + 1);
	}
	return out->buf;
}

/* The first event (@a, @rel), or an empty one (action 0, path "") so asserts fail cleanly. */
static const struct ev *fx_find(const struct fx *f, enum vg_file_action a, const char *rel)
{
	static char empty[1];
	static const struct ev none = { .path = empty };
	char path[512];

	if (snprintf(path, sizeof(path), "%s/%s", f->tmp, rel) >= (int)sizeof(path))
		return &none;
	for (size_t i = 0; i < f->n_evs; i++)
		if (f->evs[i].action == a && !strcmp(f->evs[i].path, path))
			return &f->evs[i];
	return &none;
}

/* @rel under @f's directory (a static buffer, one of four in rotation). */
static const char *at(const struct fx *f, const char *rel)
{
	static char bufs[4][512];
	static unsigned i;
	char *b = bufs[i++ % 4];

	if (snprintf(b, sizeof(bufs[0]), "%s/%s", f->tmp, rel) >= (int)sizeof(bufs[0]))
		abort();
	return b;
}

/* ---- file operations, in child processes ---- */

static const char *child_dir; /* the fx's tmp, for the child bodies */

#define CHECK(x)                  \
	do {                      \
		if (!(x))         \
			_exit(1); \
	} while (0)

static void put(const char *rel, const char *data)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", child_dir, rel);
	CHECK(!vt_write_file(p, data, strlen(data)));
}

static void mk(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", child_dir, rel);
	CHECK(!mkdir(p, 0755));
}

static void mv(const char *from, const char *to)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/%s", child_dir, from);
	snprintf(b, sizeof(b), "%s/%s", child_dir, to);
	CHECK(!rename(a, b));
}

static void rm(const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", child_dir, rel);
	CHECK(!lstat(p, &st));
	CHECK(S_ISDIR(st.st_mode) ? !rmdir(p) : !unlink(p));
}

static void slurp(const char *rel)
{
	char p[512], buf[64];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", child_dir, rel);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(read(fd, buf, sizeof(buf)) >= 0);
	close(fd);
}

/* Runs @body in a child process in @f's directory; its pid, or -1 if it failed. */
static pid_t in_child(struct fx *f, void (*body)(void))
{
	pid_t pid;
	int status;

	child_dir = f->tmp;
	pid = fork();
	if (pid == 0) {
		body();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return pid;
}

/* ---- tests ---- */

VT_TEST(fanotify_probe)
{
	VT_ASSERT_OK(pub->probe());
}

static void ops_sequence(void)
{
	put("w/a", "hello");
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/w/a", child_dir);
		CHECK(!chmod(p, 0600));
	}
	mv("w/a", "w/b");
	rm("w/b");
	mk("w/d");
	rm("w/d");
	put("outside/x", "not watched");
}

/* On the host's busy /tmp: only what is inside the root, in order, with the writer's pid. */
VT_TEST(fanotify_sequence_on_host_fs)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	const struct ev *from, *to;
	struct fx f;
	char self[512];
	pid_t pid;

	fx_init(&f, false);
	VT_ASSERT_OK(mkdir(at(&f, "w"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "outside"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "w", true, false }, 1, false));
	/* This process is vigil: its own changes are not reported. */
	snprintf(self, sizeof(self), "%s/w/self", f.tmp);
	VT_ASSERT_OK(vt_write_file(self, "me", 2));
	pid = in_child(&f, ops_sequence);
	VT_ASSERT(pid > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_DELETED, "w/d"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED w/a\nUPDATED w/a\nATTRIBUTES_MODIFIED w/a\n"
					   "MOVED_FROM w/a\nMOVED_TO w/b\nDELETED w/b\n"
					   "CREATED w/d\nDELETED w/d\n");
	for (size_t i = 0; i < f.n_evs; i++)
		VT_ASSERT_EQ(f.evs[i].pid, pid);
	VT_ASSERT_EQ(fx_find(&f, VG_FILE_UPDATED, "w/a")->flags & VG_FILE_EV_CLOSE,
		     VG_FILE_EV_CLOSE);
	VT_ASSERT(fx_find(&f, VG_FILE_CREATED, "w/d")->is_dir);
	VT_ASSERT(!fx_find(&f, VG_FILE_CREATED, "w/a")->is_dir);
	from = fx_find(&f, VG_FILE_MOVED_FROM, "w/a");
	to = fx_find(&f, VG_FILE_MOVED_TO, "w/b");
	VT_ASSERT(from->cookie != 0);
	VT_ASSERT_EQ(from->cookie, to->cookie);
	snprintf(self, sizeof(self), "%s/w/a", f.tmp);
	VT_ASSERT_STR_EQ(to->old_path, self);
	VT_ASSERT(!from->old_path);
	vg_strbuf_release(&seq);
	fx_release(&f);
}

static void ops_writer(void)
{
	put("w/p", "written by the child");
}

VT_TEST(fanotify_pid_of_writer)
{
	struct fx f;
	pid_t pid;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "w"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "w", false, false }, 1, false));
	pid = in_child(&f, ops_writer);
	VT_ASSERT(pid > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "w/p"));
	VT_ASSERT_EQ(fx_find(&f, VG_FILE_CREATED, "w/p")->pid, pid);
	VT_ASSERT_EQ(fx_find(&f, VG_FILE_UPDATED, "w/p")->pid, pid);
	VT_ASSERT(pid != getpid());
	fx_release(&f);
}

static void ops_across(void)
{
	put("a/f", "x");
	mv("a/f", "b/g");
}

/* Two non-recursive watches (inode marks): one rename, paired. */
VT_TEST(fanotify_rename_across_watched_dirs)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	const struct w ws[] = { { "a", false, false }, { "b", false, false } };
	const struct ev *from, *to;
	char old[512];
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "a"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "b"), 0755));
	VT_ASSERT_OK(fx_watches(&f, ws, 2, false));
	VT_ASSERT(in_child(&f, ops_across) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_MOVED_TO, "b/g"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq),
			 "CREATED a/f\nUPDATED a/f\nMOVED_FROM a/f\nMOVED_TO b/g\n");
	from = fx_find(&f, VG_FILE_MOVED_FROM, "a/f");
	to = fx_find(&f, VG_FILE_MOVED_TO, "b/g");
	VT_ASSERT(from->cookie != 0);
	VT_ASSERT_EQ(from->cookie, to->cookie);
	snprintf(old, sizeof(old), "%s/a/f", f.tmp);
	VT_ASSERT_STR_EQ(to->old_path, old);
	vg_strbuf_release(&seq);
	fx_release(&f);
}

static void ops_made(void)
{
	mk("r/n1");
	mk("r/n1/n2");
	put("r/n1/n2/f", "at once");
}

static void ops_moved(void)
{
	mv("r/n1/n2/f", "r/n1/f2");
	mv("r/n1/n2", "r/n3");
	put("r/n3/g", "in a moved dir");
}

static void ops_new_dirs(void)
{
	ops_made();
	ops_moved();
}

/*
 * Directories made after start are covered. With inode marks, what is made
 * in a new directory before vigil marks it is found by a scan (CREATED,
 * once); then renames inside the tree keep their paths.
 */
VT_TEST(fanotify_recursive_new_dirs)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	VT_ASSERT(in_child(&f, ops_made) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_CREATED, "r/n1/n2/f"));
	VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, "r/n1"), 1);
	VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, "r/n1/n2"), 1);
	VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, "r/n1/n2/f"), 1);
	VT_ASSERT(fx_find(&f, VG_FILE_CREATED, "r/n1/n2")->is_dir);
	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_moved) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "r/n3/g"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "MOVED_FROM r/n1/n2/f\nMOVED_TO r/n1/f2\n"
					   "MOVED_FROM r/n1/n2\nMOVED_TO r/n3\n"
					   "CREATED r/n3/g\nUPDATED r/n3/g\n");
	VT_ASSERT(fx_find(&f, VG_FILE_MOVED_TO, "r/n3")->is_dir);
	vg_strbuf_release(&seq);
	fx_release(&f);
}

/* With the filesystem mark, files made in new directories at once have all their events. */
VT_TEST(fanotify_fs_mark_new_dirs)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	struct fx f;

	fs_mark_fallback(true);
	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	fs_mark_fallback(false);
	VT_ASSERT(in_child(&f, ops_new_dirs) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "r/n3/g"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq),
			 "CREATED r/n1\nCREATED r/n1/n2\nCREATED r/n1/n2/f\nUPDATED r/n1/n2/f\n"
			 "MOVED_FROM r/n1/n2/f\nMOVED_TO r/n1/f2\n"
			 "MOVED_FROM r/n1/n2\nMOVED_TO r/n3\nCREATED r/n3/g\nUPDATED r/n3/g\n");
	VT_ASSERT(fx_find(&f, VG_FILE_MOVED_TO, "r/n3")->is_dir);
	vg_strbuf_release(&seq);
	fx_release(&f);
}

static void ops_flat(void)
{
	put("n/top", "1");
	put("n/sub/deep", "2");
	put("s/x", "3");
}

/*
 * A non-recursive watch reports its children, not theirs, even while a
 * recursive watch on the same filesystem brings in every event there.
 */
VT_TEST(fanotify_nonrecursive_skips_grandchildren)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	const struct w ws[] = { { "n", false, false }, { "s", true, false } };
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "n"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "n/sub"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "s"), 0755));
	VT_ASSERT_OK(fx_watches(&f, ws, 2, false));
	VT_ASSERT(in_child(&f, ops_flat) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "s/x"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq),
			 "CREATED n/top\nUPDATED n/top\nCREATED s/x\nUPDATED s/x\n");
	vg_strbuf_release(&seq);
	fx_release(&f);
}

static void ops_read(void)
{
	slurp("a/f");
	slurp("b/f");
	slurp("c/f");
	put("c/done", "");
}

/* Opens and reads are reported only under a watch that asks for them. */
VT_TEST(fanotify_accesses_only_when_asked)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	const struct w ws[] = { { "a", true, true }, { "b", false, false }, { "c", true, false } };
	const char *dirs[] = { "a", "b", "c" };
	char p[512];
	struct fx f;

	fx_init(&f, true);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/f", dirs[i]);
		VT_ASSERT_OK(mkdir(at(&f, dirs[i]), 0755));
		VT_ASSERT_OK(vt_write_file(at(&f, p), "data", 4));
	}
	VT_ASSERT_OK(fx_watches(&f, ws, 3, false));
	VT_ASSERT(in_child(&f, ops_read) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_CREATED, "c/done"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq),
			 "OPENED a/f\nACCESSED a/f\nCREATED c/done\nUPDATED c/done\n");
	vg_strbuf_release(&seq);
	fx_release(&f);
}

#define ODD1 "new\nline\xff\xfe name"
#define ODD2 "\x01tab\there\xc3("

static void ops_odd(void)
{
	put("w/" ODD1, "odd");
	mv("w/" ODD1, "w/" ODD2);
}

/* Names with a newline and invalid UTF-8 arrive byte for byte. */
VT_TEST(fanotify_awkward_names)
{
	const struct ev *c, *to;
	char a[512], b[512];
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "w"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "w", true, false }, 1, false));
	VT_ASSERT(in_child(&f, ops_odd) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_MOVED_TO, "w/" ODD2));
	snprintf(a, sizeof(a), "%s/w/%s", f.tmp, ODD1);
	snprintf(b, sizeof(b), "%s/w/%s", f.tmp, ODD2);
	c = fx_find(&f, VG_FILE_CREATED, "w/" ODD1);
	to = fx_find(&f, VG_FILE_MOVED_TO, "w/" ODD2);
	VT_ASSERT_EQ(c->path_len, strlen(a));
	VT_ASSERT(!memcmp(c->path, a, c->path_len));
	VT_ASSERT_EQ(to->path_len, strlen(b));
	VT_ASSERT(!memcmp(to->path, b, to->path_len));
	VT_ASSERT_EQ(to->old_path_len, strlen(a));
	VT_ASSERT(!memcmp(to->old_path, a, to->old_path_len));
	fx_release(&f);
}

static void ops_update1(void)
{
	put("a/1", "x");
	put("b/1", "x");
}

static void ops_update2(void)
{
	put("a/2", "x");
	put("b/2", "x");
}

static void ops_update3(void)
{
	put("b/3", "x");
}

static void ops_update4(void)
{
	put("a/4", "x");
}

/* update() adds and removes roots; events queued for a root that stays survive it. */
VT_TEST(fanotify_update_adds_and_removes)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	const struct w a = { "a", true, false }, b = { "b", false, false };
	const struct w ab[] = { a, b };
	struct vg_publisher_stats st;
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "a"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "b"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &a, 1, false));
	VT_ASSERT(in_child(&f, ops_update1) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "a/1"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED a/1\nUPDATED a/1\n");

	fx_clear(&f);
	VT_ASSERT_OK(fx_watches(&f, &b, 1, true));
	pub->stats(f.st, &st);
	VT_ASSERT_EQ(st.watches, 1);
	VT_ASSERT(in_child(&f, ops_update2) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "b/2"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED b/2\nUPDATED b/2\n");

	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_update3) > 0); /* queued, not read yet */
	VT_ASSERT_OK(fx_watches(&f, ab, 2, true));
	pub->stats(f.st, &st);
	VT_ASSERT_EQ(st.watches, 2);
	VT_ASSERT(in_child(&f, ops_update4) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "a/4"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED b/3\nUPDATED b/3\nCREATED a/4\nUPDATED a/4\n");
	vg_strbuf_release(&seq);
	fx_release(&f);
}

static void ops_delete_roots(void)
{
	rm("r");
	rm("n");
}

static void ops_recreate_roots(void)
{
	mk("r");
	put("r/f", "back");
	mk("tmp");
	put("tmp/g", "moved in with it");
	mv("tmp", "n");
}

static void ops_after(void)
{
	put("n/h", "watched again");
	put("r/i", "watched again");
}

/* Roots deleted and made again are watched again; content moved in is reported. */
VT_TEST(fanotify_root_deleted_and_recreated)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	const struct w ws[] = { { "r", true, false }, { "n", false, false } };
	char p[512];
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "n"), 0755));
	VT_ASSERT_OK(fx_watches(&f, ws, 2, false));
	VT_ASSERT(in_child(&f, ops_delete_roots) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_DELETED, "n"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "DELETED r\nDELETED n\n");

	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_recreate_roots) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_CREATED, "n/g"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED r\nCREATED r/f\nUPDATED r/f\n"
					   "MOVED_TO n\nCREATED n/g\n");
	snprintf(p, sizeof(p), "%s/tmp", f.tmp);
	VT_ASSERT_STR_EQ(fx_find(&f, VG_FILE_MOVED_TO, "n")->old_path, p);

	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_after) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "r/i"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED n/h\nUPDATED n/h\nCREATED r/i\nUPDATED r/i\n");
	vg_strbuf_release(&seq);
	fx_release(&f);
}

static void ops_appear(void)
{
	mk("a");
	mk("a/b");
	put("a/b/f", "was there first");
}

static void ops_appear2(void)
{
	put("a/b/g", "then");
	put("a/b/c/deep", "not reported");
}

static void ops_vanish(void)
{
	rm("a/b/f");
	rm("a/b/g");
	rm("a/b/c/deep");
	rm("a/b/c");
	rm("a/b");
}

static void ops_appear_rec(void)
{
	mk("x");
	mk("x/y");
	mk("x/y/z");
	put("x/y/z/f", "deep");
}

/* Roots that do not exist at start are watched once they appear. */
VT_TEST(fanotify_roots_appear_later)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	struct vg_publisher_stats st;
	struct fx f;

	fx_init(&f, true);
	/* Non-recursive: an inode mark on the nearest ancestor waits for it. */
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "a/b", false, false }, 1, false));
	pub->stats(f.st, &st);
	VT_ASSERT_EQ(st.unwatched, 0);
	VT_ASSERT(in_child(&f, ops_appear) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_CREATED, "a/b/f"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED a/b/f\n");
	fx_clear(&f);
	VT_ASSERT_OK(mkdir(at(&f, "a/b/c"), 0755));
	VT_ASSERT(in_child(&f, ops_appear2) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "a/b/g"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED a/b/g\nUPDATED a/b/g\n");
	/* Only its own inode mark sees the root go (DELETE_SELF). */
	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_vanish) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_DELETED, "a/b"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq),
			 "DELETED a/b/f\nDELETED a/b/g\nDELETED a/b/c\nDELETED a/b\n");

	/* Recursive: the filesystem mark sees it all appear. */
	fx_clear(&f);
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "x/y", true, false }, 1, true));
	VT_ASSERT(in_child(&f, ops_appear_rec) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "x/y/z/f"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq),
			 "CREATED x/y\nCREATED x/y/z\nCREATED x/y/z/f\nUPDATED x/y/z/f\n");
	vg_strbuf_release(&seq);
	fx_release(&f);
}

/* mknod @n empty files named <prefix><i> in @dir (no open, one event each). */
static void flood(const char *dir, const char *prefix, unsigned n)
{
	char p[512];

	for (unsigned i = 0; i < n; i++) {
		CHECK(snprintf(p, sizeof(p), "%s/%s%u", dir, prefix, i) < (int)sizeof(p));
		CHECK(!mknod(p, S_IFREG | 0644, 0));
	}
}

static void ops_overflow(void)
{
	char d[512];

	snprintf(d, sizeof(d), "%s/r", child_dir);
	flood(d, "f", 20000);
}

/* Flooding the queue past its limit is counted, reported and logged. */
VT_TEST(fanotify_overflow_counted)
{
	struct vg_publisher_stats st;
	int64_t t0, t1, n = 0;
	struct fx f;

	fx_init(&f, true);
	f.count_only = true;
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	VT_ASSERT(in_child(&f, ops_overflow) > 0);
	/* The whole queue is waiting: time how fast it drains. */
	t0 = vg_mono_ns();
	for (int r; (r = pub->drain(f.st, 4096)) > 0;)
		n += r;
	t1 = vg_mono_ns();
	pub->stats(f.st, &st);
	VT_ASSERT(st.overflows >= 1);
	VT_ASSERT_EQ(f.n_overflow, st.overflows);
	VT_ASSERT(n >= 16000);
	VT_ASSERT_EQ(st.received, f.n_seen);
	fprintf(stderr,
		"fanotify: drained a full queue of %lld events in %.1f ms (%.0f events/s)\n",
		(long long)n, (double)(t1 - t0) / 1e6, (double)n * 1e9 / (double)(t1 - t0));
	fx_release(&f);
}

static void ops_flood(void)
{
	char d[512];

	snprintf(d, sizeof(d), "%s/r", child_dir);
	flood(d, "g", 200000);
}

/* Creates in a tmpfs as fast as one process can make them, drained as they come. */
VT_TEST(fanotify_flood_rate)
{
	struct vg_publisher_stats st;
	int64_t t0, t1, n = 0;
	int status;
	struct fx f;
	pid_t pid;

	fx_init(&f, true);
	f.count_only = true;
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	child_dir = f.tmp;
	t0 = vg_mono_ns();
	pid = fork();
	if (pid == 0) {
		ops_flood();
		_exit(0);
	}
	VT_ASSERT(pid > 0);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct pollfd pfd = { .fd = pub->fd(f.st), .events = POLLIN };

		if (poll(&pfd, 1, 100) > 0)
			n += pub->drain(f.st, 4096);
	}
	for (int r; (r = pub->drain(f.st, 4096)) > 0;)
		n += r;
	t1 = vg_mono_ns();
	pub->stats(f.st, &st);
	VT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fprintf(stderr,
		"fanotify: %lld of 200000 creates drained while made, in %.0f ms "
		"(%.0f events/s), %llu overflows\n",
		(long long)f.n_seen, (double)(t1 - t0) / 1e6, (double)n * 1e9 / (double)(t1 - t0),
		(unsigned long long)st.overflows);
	VT_ASSERT(f.n_seen > 0);
	VT_ASSERT(f.n_seen + 16384 * st.overflows >= 200000 || st.overflows > 0);
	fx_release(&f);
}

static void ops_cold(void)
{
	char p[512];

	for (unsigned i = 0; i < 8000; i++) {
		snprintf(p, sizeof(p), "%s/r/d%u/f", child_dir, i);
		CHECK(!mknod(p, S_IFREG | 0644, 0));
	}
}

/*
 * One create in each of 8000 directories that existed before start: with
 * the filesystem mark every path is a cache miss (inode marks would know
 * every directory's path from the walk).
 */
VT_TEST(fanotify_cold_cache_rate)
{
	struct vg_publisher_stats st;
	int64_t t0, t1, n = 0;
	char rel[64];
	struct fx f;

	fx_init(&f, true);
	f.count_only = true;
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	for (unsigned i = 0; i < 8000; i++) {
		snprintf(rel, sizeof(rel), "r/d%u", i);
		VT_ASSERT_OK(mkdir(at(&f, rel), 0755));
	}
	fs_mark_fallback(true);
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	fs_mark_fallback(false);
	VT_ASSERT(in_child(&f, ops_cold) > 0);
	t0 = vg_mono_ns();
	for (int r; (r = pub->drain(f.st, 4096)) > 0;)
		n += r;
	t1 = vg_mono_ns();
	pub->stats(f.st, &st);
	VT_ASSERT_EQ(n, 8000);
	VT_ASSERT_EQ(f.n_seen, 8000);
	VT_ASSERT_EQ(st.overflows, 0);
	fprintf(stderr,
		"fanotify: %lld events from uncached directories in %.1f ms (%.0f events/s)\n",
		(long long)n, (double)(t1 - t0) / 1e6, (double)n * 1e9 / (double)(t1 - t0));
	fx_release(&f);
}

/* ---- inode marks on a tree, and the filesystem-mark fallback ---- */

static void ops_sibling(void)
{
	char d[512];

	snprintf(d, sizeof(d), "%s/s", child_dir);
	flood(d, "x", 200);
	put("s/y", "next door");
	mk("s/sub");
	mv("s/y", "s/sub/y");
	rm("s/sub/y");
}

static void ops_inside(void)
{
	put("r/in", "here");
}

/*
 * Changes in a directory beside a recursive watch, on the same filesystem:
 * with inode marks the kernel does not even queue them (drain() reads
 * nothing); with the filesystem mark it does, and they are filtered out.
 * What happens inside is reported either way.
 */
static void sibling_run(bool fs_mark, int64_t *raw)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	struct vg_publisher_stats st;
	struct fx f;

	fs_mark_fallback(fs_mark);
	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "r/sub"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "s"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	fs_mark_fallback(false);
	pub->stats(f.st, &st);
	VT_ASSERT_EQ(st.watches, fs_mark ? 1 : 2); /* the filesystem, or r and r/sub */
	VT_ASSERT(in_child(&f, ops_sibling) > 0);
	*raw = fx_raw(&f, SETTLE_MS);
	VT_ASSERT_EQ(f.n_evs, 0);
	VT_ASSERT(in_child(&f, ops_inside) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "r/in"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED r/in\nUPDATED r/in\n");
	vg_strbuf_release(&seq);
	fx_release(&f);
}

VT_TEST(fanotify_tree_ignores_siblings)
{
	int64_t raw = -1;

	sibling_run(false, &raw);
	VT_ASSERT_EQ(raw, 0);
}

/* Over the budget, a recursive watch falls back to its filesystem's mark. */
VT_TEST(fanotify_fs_mark_fallback)
{
	int64_t raw = -1;

	sibling_run(true, &raw);
	VT_ASSERT(raw >= 200);
}

#define NESTED 50

static void ops_nested(void)
{
	char rel[64];

	for (int i = 0; i < NESTED; i++) {
		snprintf(rel, sizeof(rel), "r/a%d", i);
		mk(rel);
		snprintf(rel, sizeof(rel), "r/a%d/b", i);
		mk(rel);
		snprintf(rel, sizeof(rel), "r/a%d/b/c", i);
		mk(rel);
		snprintf(rel, sizeof(rel), "r/a%d/b/c/f", i);
		put(rel, "");
	}
}

/* mkdir -p a/b/c && touch a/b/c/f in a tight loop: every file and directory, once. */
VT_TEST(fanotify_tree_nested_made_fast)
{
	char rel[64], last[64];
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	VT_ASSERT(in_child(&f, ops_nested) > 0);
	snprintf(last, sizeof(last), "r/a%d/b/c/f", NESTED - 1);
	VT_ASSERT(fx_wait(&f, VG_FILE_CREATED, last));
	for (int i = 0; i < NESTED; i++) {
		snprintf(rel, sizeof(rel), "r/a%d", i);
		VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, rel), 1);
		snprintf(rel, sizeof(rel), "r/a%d/b", i);
		VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, rel), 1);
		snprintf(rel, sizeof(rel), "r/a%d/b/c", i);
		VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, rel), 1);
		snprintf(rel, sizeof(rel), "r/a%d/b/c/f", i);
		VT_ASSERT_EQ(fx_count(&f, VG_FILE_CREATED, rel), 1);
	}
	fx_release(&f);
}

static void ops_move_in(void)
{
	mv("o/x", "r/x");
}

static void ops_in_moved(void)
{
	put("r/x/y/g", "now watched");
}

static void ops_move_out(void)
{
	mv("r/x", "o/x2");
}

static void ops_moved_out(void)
{
	put("o/x2/y/h", "not watched any more");
	put("o/x2/h", "nor here");
}

/*
 * A directory moved into the tree: what it holds is reported, then it is
 * watched; moved out again, its marks go (the kernel queues nothing).
 */
VT_TEST(fanotify_tree_moved_in_and_out)
{
	struct vg_strbuf seq = VG_STRBUF_INIT;
	struct fx f;

	fx_init(&f, true);
	VT_ASSERT_OK(mkdir(at(&f, "r"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "o"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "o/x"), 0755));
	VT_ASSERT_OK(mkdir(at(&f, "o/x/y"), 0755));
	VT_ASSERT_OK(vt_write_file(at(&f, "o/x/y/f"), "before", 6));
	VT_ASSERT_OK(fx_watches(&f, &(struct w){ "r", true, false }, 1, false));
	VT_ASSERT(in_child(&f, ops_move_in) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_CREATED, "r/x/y/f"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "MOVED_TO r/x\nCREATED r/x/y\nCREATED r/x/y/f\n");
	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_in_moved) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_UPDATED, "r/x/y/g"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "CREATED r/x/y/g\nUPDATED r/x/y/g\n");
	fx_clear(&f);
	VT_ASSERT(in_child(&f, ops_move_out) > 0);
	VT_ASSERT(fx_wait(&f, VG_FILE_MOVED_FROM, "r/x"));
	VT_ASSERT_STR_EQ(fx_seq(&f, &seq), "MOVED_FROM r/x\n");
	VT_ASSERT(in_child(&f, ops_moved_out) > 0);
	VT_ASSERT_EQ(fx_raw(&f, SETTLE_MS), 0);
	VT_ASSERT_EQ(f.n_evs, 1);
	vg_strbuf_release(&seq);
	fx_release(&f);
}
