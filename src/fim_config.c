// SPDX-License-Identifier: Apache-2.0
/*
 * fim_config.c - compile osquery's FIM keys into watches and a matcher
 * (see fim_config.h for the pattern semantics).
 *
 * HOW IT WORKS: each file_paths pattern is normalised (a trailing '/'
 * becomes "/%", a wildcard-free directory becomes itself plus "dir/%"),
 * checked (`%%` only last), and given a watch root; roots are merged (the
 * same root ORs its flags; a root inside a recursive root is dropped).
 * Matching splits pattern and path into components and compares them one
 * by one, `%` (and `*`) standing for any run of bytes within a component;
 * no locale, no escapes, so any byte in a file name compares as itself.
 */
#include "fim_config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vigil/strbuf.h"

struct category {
	char *name;
	bool accesses;
	char **patterns; /* normalised */
	size_t n_patterns;
};

struct vg_fim_config {
	struct category *cats;
	size_t n_cats;
	char **excludes;
	size_t n_excludes;
	struct vg_watch *watches;
	size_t n_watches;
	struct vg_watch_set set;
};

/* Whether component pattern @p (@pl bytes) matches name @n (@nl bytes). */
static bool comp_match(const char *p, size_t pl, const char *n, size_t nl)
{
	size_t pi = 0, ni = 0, star_p = (size_t)-1, star_n = 0;

	while (ni < nl) {
		if (pi < pl && (p[pi] == '%' || p[pi] == '*')) {
			star_p = pi++;
			star_n = ni;
		} else if (pi < pl && p[pi] == n[ni]) {
			pi++;
			ni++;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			ni = ++star_n;
		} else {
			return false;
		}
	}
	while (pi < pl && (p[pi] == '%' || p[pi] == '*'))
		pi++;
	return pi == pl;
}

/* The next component of [*@s, @end): sets *@c and *@cl; false at the end. */
static bool next_comp(const char **s, const char *end, const char **c, size_t *cl)
{
	while (*s < end && **s == '/')
		(*s)++;
	if (*s >= end)
		return false;
	*c = *s;
	while (*s < end && **s != '/')
		(*s)++;
	*cl = (size_t)(*s - *c);
	return true;
}

bool vg_fim_pattern_match(const char *pattern, const char *path, size_t len)
{
	const char *pp = pattern, *pend = pattern + strlen(pattern);
	const char *sp = path, *send = path + len;
	const char *pc = NULL, *sc = NULL;
	size_t pcl = 0, scl = 0;

	for (;;) {
		bool have_p = next_comp(&pp, pend, &pc, &pcl);
		bool have_s = next_comp(&sp, send, &sc, &scl);

		if (have_p && pcl == 2 && pc[0] == '%' && pc[1] == '%' && pp == pend)
			return have_s; /* everything below, not the directory itself */
		if (!have_p || !have_s)
			return have_p == have_s;
		if (!comp_match(pc, pcl, sc, scl))
			return false;
	}
}

static bool has_wildcard(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '%' || s[i] == '*')
			return true;
	return false;
}

/* Checks that `%%` stands only as the last component of @p. */
static bool valid_pattern(const char *p)
{
	const char *s = p, *end = p + strlen(p), *c = NULL;
	size_t cl = 0;

	if (p[0] != '/')
		return false;
	while (next_comp(&s, end, &c, &cl)) {
		if (cl >= 2 && memmem(c, cl, "%%", 2) && (cl != 2 || s != end))
			return false;
	}
	return true;
}

static int add_string(char ***arr, size_t *n, const char *s)
{
	char **p = realloc(*arr, (*n + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	*arr = p;
	p[*n] = strdup(s);
	if (!p[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* Adds (or merges) a watch on @root. */
static int add_watch(struct vg_fim_config *c, const char *root, size_t len, bool recursive,
		     bool accesses)
{
	struct vg_watch *w;
	char *path;

	for (size_t i = 0; i < c->n_watches; i++) {
		if (strlen(c->watches[i].path) == len && !memcmp(c->watches[i].path, root, len)) {
			c->watches[i].recursive |= recursive;
			c->watches[i].accesses |= accesses;
			return 0;
		}
	}
	w = realloc(c->watches, (c->n_watches + 1) * sizeof(*w));
	if (!w)
		return -ENOMEM;
	c->watches = w;
	path = strndup(root, len ? len : 1);
	if (!path)
		return -ENOMEM;
	w[c->n_watches].path = path;
	w[c->n_watches].recursive = recursive;
	w[c->n_watches].accesses = accesses;
	c->n_watches++;
	return 0;
}

/* Where pattern @p is watched (see the header). */
static int watch_pattern(struct vg_fim_config *c, const char *p, bool accesses)
{
	const char *s = p, *end = p + strlen(p), *comp = NULL, *fixed_end = p, *parent_end = p;
	bool wild = false, recursive = false;
	size_t cl = 0;

	while (next_comp(&s, end, &comp, &cl)) {
		if (has_wildcard(comp, cl)) {
			wild = true;
			recursive = s != end || (cl == 2 && comp[0] == '%' && comp[1] == '%');
			break;
		}
		parent_end = fixed_end;
		fixed_end = comp + cl;
	}
	if (!wild) /* a file: its directory, one level (editors replace files) */
		fixed_end = parent_end;
	return add_watch(c, p, fixed_end > p ? (size_t)(fixed_end - p) : 1, recursive, accesses);
}

/* Normalises @raw into patterns of category @cat (see the file header). */
static int add_pattern(struct vg_fim_config *c, struct category *cat, const char *raw, char **err)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	size_t len = strlen(raw);
	struct stat st;
	int rc = 0;

	if (!valid_pattern(raw)) {
		if (asprintf(err,
			     "file_paths.%s: bad pattern \"%s\" (absolute paths; %%%% only as "
			     "the last component)",
			     cat->name, raw) < 0)
			*err = NULL;
		return -EINVAL;
	}
	vg_strbuf_addstr(&sb, raw);
	if (len > 1 && raw[len - 1] == '/') {
		vg_strbuf_addch(&sb, '%');
	} else if (!has_wildcard(raw, len) && stat(raw, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = add_string(&cat->patterns, &cat->n_patterns, raw);
		vg_strbuf_addstr(&sb, "/%");
	}
	if (!rc)
		rc = add_string(&cat->patterns, &cat->n_patterns, sb.buf);
	if (!rc)
		rc = watch_pattern(c, sb.buf, cat->accesses);
	vg_strbuf_release(&sb);
	return rc;
}

/* Drops watches that a recursive watch above them covers already. */
static void prune_watches(struct vg_fim_config *c)
{
	size_t w = 0;

	for (size_t i = 0; i < c->n_watches; i++) {
		const char *p = c->watches[i].path;
		bool covered = false;

		for (size_t k = 0; k < c->n_watches && !covered; k++) {
			const char *q = c->watches[k].path;
			size_t ql = strlen(q);

			covered = k != i && c->watches[k].recursive && !strncmp(p, q, ql) &&
				  (p[ql] == '/' || (ql == 1 && p[1])) &&
				  (c->watches[k].accesses || !c->watches[i].accesses);
		}
		if (covered)
			free((char *)(uintptr_t)c->watches[i].path);
		else
			c->watches[w++] = c->watches[i];
	}
	c->n_watches = w;
}

static bool in_accesses(const json_t *acc, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(acc, i, v) if (json_is_string(v) &&
					  !strcmp(json_string_value(v), name)) return true;
	return false;
}

int vg_fim_config_compile(const struct json_t *root_c, struct vg_fim_config **out, char **err)
{
	json_t *root = (json_t *)(uintptr_t)root_c;
	json_t *paths = json_object_get(root, "file_paths");
	json_t *acc = json_object_get(root, "file_accesses");
	json_t *excl = json_object_get(root, "exclude_paths");
	struct vg_fim_config *c = calloc(1, sizeof(*c));
	const char *name;
	json_t *list;
	int rc = 0;

	*err = NULL;
	if (!c)
		return -ENOMEM;
	json_object_foreach(paths, name, list)
	{
		struct category *cat;
		size_t i;
		json_t *v;

		cat = realloc(c->cats, (c->n_cats + 1) * sizeof(*cat));
		if (!cat) {
			rc = -ENOMEM;
			break;
		}
		c->cats = cat;
		cat = &c->cats[c->n_cats++];
		memset(cat, 0, sizeof(*cat));
		cat->name = strdup(name);
		cat->accesses = in_accesses(acc, name);
		json_array_foreach(list, i, v)
		{
			if (!rc && json_is_string(v))
				rc = add_pattern(c, cat, json_string_value(v), err);
		}
		if (rc)
			break;
	}
	/* osquery pools every category's exclusions; unknown categories are ignored. */
	json_object_foreach(excl, name, list)
	{
		size_t i;
		json_t *v;

		if (!json_object_get(paths, name))
			continue;
		json_array_foreach(list, i, v)
		{
			if (!rc && json_is_string(v))
				rc = add_string(&c->excludes, &c->n_excludes, json_string_value(v));
		}
	}
	if (rc) {
		vg_fim_config_free(c);
		return rc;
	}
	prune_watches(c);
	c->set.watches = c->watches;
	c->set.n_watches = c->n_watches;
	*out = c;
	return 0;
}

void vg_fim_config_free(struct vg_fim_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_cats; i++) {
		for (size_t k = 0; k < c->cats[i].n_patterns; k++)
			free(c->cats[i].patterns[k]);
		free(c->cats[i].patterns);
		free(c->cats[i].name);
	}
	for (size_t i = 0; i < c->n_excludes; i++)
		free(c->excludes[i]);
	for (size_t i = 0; i < c->n_watches; i++)
		free((char *)(uintptr_t)c->watches[i].path);
	free(c->excludes);
	free(c->watches);
	free(c->cats);
	free(c);
}

const struct vg_watch_set *vg_fim_config_watches(const struct vg_fim_config *c)
{
	return &c->set;
}

size_t vg_fim_config_n_categories(const struct vg_fim_config *c)
{
	return c->n_cats;
}

const char *vg_fim_config_category(const struct vg_fim_config *c, size_t i)
{
	return c->cats[i].name;
}

bool vg_fim_config_accesses(const struct vg_fim_config *c, size_t i)
{
	return c->cats[i].accesses;
}

/* An exclusion matches the path or its parent; a trailing '/' is ignored. */
static bool excluded(const struct vg_fim_config *c, const char *path, size_t len)
{
	const char *slash = len ? memrchr(path, '/', len) : NULL;
	size_t parent = slash ? (size_t)(slash - path) : 0;

	for (size_t i = 0; i < c->n_excludes; i++) {
		char pat[4096];
		size_t pl = strlen(c->excludes[i]);

		if (pl >= sizeof(pat))
			continue;
		memcpy(pat, c->excludes[i], pl + 1);
		while (pl > 1 && pat[pl - 1] == '/')
			pat[--pl] = '\0';
		if (vg_fim_pattern_match(pat, path, len) ||
		    (parent && vg_fim_pattern_match(pat, path, parent)))
			return true;
	}
	return false;
}

bool vg_fim_config_match(const struct vg_fim_config *c, size_t i, const char *path, size_t len)
{
	const struct category *cat = &c->cats[i];

	for (size_t k = 0; k < cat->n_patterns; k++)
		if (vg_fim_pattern_match(cat->patterns[k], path, len))
			return !excluded(c, path, len);
	return false;
}
