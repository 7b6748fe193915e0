// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for path patterns (what `path LIKE ...` hands to the
 * file and hash tables): the input, split at its first NUL into a pattern
 * and a name, goes through the one-component matcher, the GLOB-to-LIKE
 * rewrite, path splitting, and a real expansion under a small tree made
 * once in /tmp. Any input must end without a crash, a hang or a leak.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glob.h"
#include "vigil/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(void)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_tree(void)
{
	static const char *const dirs[] = { "a", "a/b", "a/b/c", ".h", "d%", "e_f" };
	static const char *const files[] = { "x", "a/y.txt", "a/b/z", "a/b/c/w", ".h/q", "e_f/%" };
	char p[256];

	snprintf(root, sizeof(root), "/tmp/vigil-fuzz-glob-%d", (int)getpid());
	mkdir(root, 0700);
	atexit(remove_tree);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		mkdir(p, 0700);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/%s", root, files[i]);
		f = fopen(p, "w");
		if (f)
			fclose(f);
	}
	snprintf(p, sizeof(p), "%s/loop", root);
	if (symlink(".", p) < 0) {
		/* already there from an earlier run of this pid */
	}
}

static int count_hit(void *arg, const struct vg_glob_hit *hit)
{
	size_t *n = arg;

	(void)hit;
	return ++*n > 10000; /* bounded: stop a runaway expansion */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_strbuf pat = VG_STRBUF_INIT, tmp = VG_STRBUF_INIT, dir = VG_STRBUF_INIT;
	const char *name, *leaf;
	size_t n = 0, leaf_len;

	if (!root[0])
		make_tree();
	vg_strbuf_add(&pat, data, size); /* NUL-terminated copy; stops at an inner NUL */
	name = pat.len + 1 <= size ? (const char *)data + pat.len + 1 : "";
	vg_strbuf_reset(&tmp);
	vg_strbuf_add(&tmp, name, strnlen(name, size - (pat.len < size ? pat.len + 1 : size)));
	vg_glob_match(pat.buf, tmp.buf);
	vg_glob_has_wildcard(pat.buf);
	vg_strbuf_reset(&tmp);
	vg_glob_from_sqlite(pat.buf, &tmp);
	vg_path_split(pat.buf, &dir, &leaf, &leaf_len);
	vg_path_same_dir(pat.buf, dir.buf, dir.len);
	vg_strbuf_reset(&tmp);
	vg_strbuf_addf(&tmp, "%s/%s", root, pat.buf);
	vg_glob(tmp.buf, VG_GLOB_MARK, count_hit, &n);
	vg_strbuf_release(&pat);
	vg_strbuf_release(&tmp);
	vg_strbuf_release(&dir);
	return 0;
}
