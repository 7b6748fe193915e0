// SPDX-License-Identifier: Apache-2.0
/*
 * The glob module: patterns expanded on a tree the test makes, compared with
 * the exact sets of paths expected; the LIKE matcher and path splitting.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "glob.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"
#include "vt.h"

struct collect {
	size_t prefix; /* bytes of the temp dir + '/' to strip */
	char *items[256];
	size_t n;
};

static int collect_cb(void *arg, const struct vg_glob_hit *hit)
{
	struct collect *c = arg;

	if (c->n < VG_ARRAY_SIZE(c->items))
		c->items[c->n++] = strdup(hit->len > c->prefix ? hit->path + c->prefix : "");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Expands @pattern under @root; the sorted relative paths joined by ' '. */
static char *expand(const char *root, const char *pattern, unsigned flags, int *err)
{
	struct collect c = { .prefix = strlen(root) + 1 };
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", root, pattern);
	*err = vg_glob(full, flags, collect_cb, &c);
	qsort(c.items, c.n, sizeof(c.items[0]), cmp_str);
	for (size_t i = 0; i < c.n; i++) {
		vg_strbuf_addf(&sb, "%s%s", i ? " " : "", c.items[i]);
		free(c.items[i]);
	}
	return vg_strbuf_detach(&sb, NULL);
}

static void make_tree(const char *t)
{
	static const char *const dirs[] = { "sub",    "sub2",	  "sub2/x", "deep",
					    "deep/1", "deep/1/2", "chain" };
	static const char *const files[] = { "a.txt",	  "ab.txt",	 "b.txt",
					     ".hidden",	  "under_score", "sub/x",
					     "sub/y.txt", "sub2/x/z",	 "deep/1/2/f" };
	char p[512];
	int fd;

	for (size_t i = 0; i < VG_ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", t, dirs[i]);
		mkdir(p, 0755);
	}
	for (size_t i = 0; i < VG_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", t, files[i]);
		vt_write_file(p, "x", 1);
	}
	snprintf(p, sizeof(p), "%s/link", t);
	if (symlink("sub", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/loop", t);
	if (symlink(".", p) < 0)
		abort();
	/* 70 nested directories: deeper than VG_GLOB_MAX_DEPTH. */
	snprintf(p, sizeof(p), "%s/chain", t);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 70 && fd >= 0; i++) {
		int next;

		mkdirat(fd, "d", 0755);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
}

static const struct {
	const char *pattern;
	unsigned flags;
	const char *expect;
} cases[] = {
	{ "a%.txt", 0, "a.txt ab.txt" },
	{ "%.txt", 0, "a.txt ab.txt b.txt" },
	{ "%/x", 0, "link/x sub/x sub2/x" },
	{ "%/%.txt", 0, "link/y.txt loop/a.txt loop/ab.txt loop/b.txt sub/y.txt" },
	{ "sub/%", 0, "sub/x sub/y.txt" },
	{ "sub%", VG_GLOB_MARK, "sub/ sub2/" },
	{ "s%/", 0, "sub/ sub2/" },
	{ "%", VG_GLOB_DIRS, "chain deep link loop sub sub2" },
	{ "%hidden", 0, ".hidden" },
	{ "under_score", 0, "under_score" },
	{ "_.txt", 0, "a.txt b.txt" },
	{ "a.txt", 0, "a.txt" },
	{ "nope", 0, "" },
	{ "nope/%", 0, "" },
	{ "sub/%%", 0, "sub/x sub/y.txt" },
	{ "deep/%%", VG_GLOB_MARK, "deep/1/ deep/1/2/ deep/1/2/f" },
	{ "sub2/%%", 0, "sub2/x sub2/x/z" },
};

VT_TEST(glob_patterns)
{
	char *t = vt_tmpdir();
	int err;

	make_tree(t);
	for (size_t i = 0; i < VG_ARRAY_SIZE(cases); i++) {
		char *got = expand(t, cases[i].pattern, cases[i].flags, &err);

		if (err || strcmp(got, cases[i].expect) != 0)
			vt_fail(__FILE__, __LINE__, "pattern %s: got \"%s\" (err %d), want \"%s\"",
				cases[i].pattern, got, err, cases[i].expect);
		free(got);
	}
	vt_rmtree(t);
	free(t);
}

/* `%%` lists everything below, never through the symlinks, and stops at depth 64. */
VT_TEST(glob_recursive)
{
	char *t = vt_tmpdir();
	char *got;
	size_t n_chain = 0;
	int err;

	make_tree(t);
	got = expand(t, "%%", 0, &err);
	VT_ASSERT_EQ(err, 0);
	for (const char *p = got; (p = strstr(p, "chain")); p++)
		n_chain++;
	/* "chain" itself plus 63 more levels of chain/d/d/... */
	VT_ASSERT_EQ(n_chain, 64);
	VT_ASSERT(strstr(got, "link/") == NULL);
	VT_ASSERT(strstr(got, "loop/") == NULL);
	VT_ASSERT_CONTAINS(got, " link ");
	VT_ASSERT_CONTAINS(got, "deep/1/2/f");
	VT_ASSERT_CONTAINS(got, ".hidden");
	free(got);
	vt_rmtree(t);
	free(t);
}

/*
 * A link back to an ancestor (loop -> .) is crossed once per branch, not
 * once per wildcard: 40 `%` components over it end at once instead of
 * walking 7^40 paths.
 */
VT_TEST(glob_wildcards_do_not_loop)
{
	char *t = vt_tmpdir(), pattern[256] = "", *got;
	struct timespec t0, t1;
	int err;

	make_tree(t);
	for (int i = 0; i < 40; i++)
		strcat(pattern, "%/");
	strcat(pattern, "a.txt");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	got = expand(t, pattern, 0, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	VT_ASSERT_EQ(err, 0);
	VT_ASSERT_STR_EQ(got, "");
	VT_ASSERT(t1.tv_sec - t0.tv_sec < 5);
	free(got);
	/* One crossing still finds what is behind the link. */
	got = expand(t, "%/sub/y.txt", 0, &err);
	VT_ASSERT_STR_EQ(got, "loop/sub/y.txt");
	free(got);
	/* `..` after a wildcard would walk back up and match again, at every level. */
	got = expand(t, "%/../%/../%/../a.txt", 0, &err);
	VT_ASSERT_EQ(err, -EINVAL);
	free(got);
	got = expand(t, "sub/../a%", 0, &err);
	VT_ASSERT_EQ(err, 0);
	VT_ASSERT_STR_EQ(got, "sub/../a.txt sub/../ab.txt");
	free(got);
	vt_rmtree(t);
	free(t);
}

VT_TEST(glob_invalid)
{
	char *t = vt_tmpdir();
	char *got;
	int err;

	make_tree(t);
	got = expand(t, "%%/x", 0, &err);
	VT_ASSERT_EQ(err, -EINVAL);
	VT_ASSERT_STR_EQ(got, "");
	free(got);
	vt_rmtree(t);
	free(t);
}

VT_TEST(glob_match)
{
	VT_ASSERT(vg_glob_match("a%c", "abc"));
	VT_ASSERT(vg_glob_match("a%c", "ac"));
	VT_ASSERT(vg_glob_match("a_c", "a\xc3\xa9"
				       "c"));
	VT_ASSERT(vg_glob_match("%a%b", "xaxb"));
	VT_ASSERT(vg_glob_match("%.txt", ".txt"));
	VT_ASSERT(vg_glob_match("%%", "x"));
	VT_ASSERT(!vg_glob_match("a%", "b"));
	VT_ASSERT(!vg_glob_match("A%", "abc"));
	VT_ASSERT(!vg_glob_match("a_c", "ac"));
	VT_ASSERT(!vg_glob_match("%.txt", "a.txt.bak"));
}

VT_TEST(glob_path_split)
{
	static const char *const cases_split[][3] = {
		{ "/etc/passwd", "/etc", "passwd" },
		{ "/etc", "/", "etc" },
		{ "/etc/ssl/", "/etc", "ssl" },
		{ "name", "", "name" },
		{ "a//b", "a", "b" },
		{ "/", "", "/" },
	};
	struct vg_strbuf dir = VG_STRBUF_INIT;

	for (size_t i = 0; i < VG_ARRAY_SIZE(cases_split); i++) {
		const char *name;
		size_t len;
		char buf[64];

		vg_path_split(cases_split[i][0], &dir, &name, &len);
		snprintf(buf, sizeof(buf), "%.*s", (int)len, name);
		VT_ASSERT_STR_EQ(dir.buf, cases_split[i][1]);
		VT_ASSERT_STR_EQ(buf, cases_split[i][2]);
	}
	vg_strbuf_release(&dir);
}
