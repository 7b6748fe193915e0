// SPDX-License-Identifier: Apache-2.0
/*
 * sysctl_conf.c - boot-time sysctl configuration (see sysctl_conf.h).
 *
 * HOW IT WORKS: the file list is built like systemd-sysctl's: each directory
 * is listed, *.conf names are kept with the first directory that has them,
 * and the winners are applied in name order, then /etc/sysctl.conf. Every
 * assignment is appended with a sequence number; a lookup sorts the entries
 * once by (name, sequence) so that the last assignment of a name wins and
 * bsearch finds it. Glob patterns are kept in a separate, applied-order list
 * and are only tried (fnmatch, last match wins) when no exact name matches.
 *
 * Limits: a file over 1 MiB is read up to 1 MiB; a line over 4096 bytes is
 * ignored past that length (the name/value are cut).
 */
#include "sysctl_conf.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vigil/strbuf.h"

const char *const vg_sysctl_conf_dirs[] = {
	"/etc/sysctl.d",     "/run/sysctl.d", "/usr/local/lib/sysctl.d",
	"/usr/lib/sysctl.d", "/lib/sysctl.d",
};
const size_t vg_sysctl_conf_n_dirs = sizeof(vg_sysctl_conf_dirs) / sizeof(vg_sysctl_conf_dirs[0]);

struct sc_entry {
	char *name; /* heap: name and value in one allocation */
	const char *value;
	size_t seq;
	bool is_glob;
};

struct vg_sysctl_conf {
	struct sc_entry *v;
	size_t n, alloc;
	size_t n_glob; /* entries with is_glob */
	bool sorted;
};

static int sc_add(struct vg_sysctl_conf *c, const char *name, size_t nlen, const char *value,
		  size_t vlen)
{
	struct sc_entry *e;
	char *mem;

	if (c->n == c->alloc) {
		size_t alloc = c->alloc ? c->alloc * 2 : 64;
		struct sc_entry *v = reallocarray(c->v, alloc, sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->alloc = alloc;
	}
	mem = malloc(nlen + vlen + 2);
	if (!mem)
		return -ENOMEM;
	memcpy(mem, name, nlen);
	mem[nlen] = '\0';
	memcpy(mem + nlen + 1, value, vlen);
	mem[nlen + 1 + vlen] = '\0';
	e = &c->v[c->n];
	e->name = mem;
	e->value = mem + nlen + 1;
	e->seq = c->n;
	e->is_glob = strpbrk(mem, "*?[") != NULL;
	c->n_glob += e->is_glob;
	c->n++;
	c->sorted = false;
	return 0;
}

/* Trims ASCII blanks around [*@p, *@end). */
static void sc_trim(const char **p, const char **end)
{
	while (*p < *end && (**p == ' ' || **p == '\t' || **p == '\r'))
		(*p)++;
	while (*end > *p && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
		(*end)--;
}

/* One "name = value" line, [@p, @end). */
static int sc_line(struct vg_sysctl_conf *c, const char *p, const char *end)
{
	const char *eq, *v, *vend;
	char name[4096];
	size_t n;
	bool slash_form;

	sc_trim(&p, &end);
	if (p == end || *p == '#' || *p == ';')
		return 0;
	eq = memchr(p, '=', (size_t)(end - p));
	if (!eq)
		return 0;
	v = eq + 1;
	vend = end;
	sc_trim(&v, &vend);
	if (*p == '-')
		p++; /* "ignore errors" marker */
	sc_trim(&p, &eq);
	n = (size_t)(eq - p);
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, p, n);
	/* In the slash form '/' separates and '.' is literal: swap them. */
	slash_form = strcspn(p, "./") < n && p[strcspn(p, "./")] == '/';
	for (size_t i = 0; slash_form && i < n; i++)
		name[i] = name[i] == '/' ? '.' : name[i] == '.' ? '/' : name[i];
	return sc_add(c, name, n, v, (size_t)(vend - v));
}

int vg_sysctl_conf_parse(struct vg_sysctl_conf *conf, const char *text)
{
	const char *p = text;
	int err = 0;

	while (*p && !err) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);

		err = sc_line(conf, p, end);
		p = nl ? nl + 1 : end;
	}
	return err;
}

static int sc_cmp_name(const void *a, const void *b)
{
	const struct sc_entry *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int sc_file(struct vg_sysctl_conf *c, const char *path)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	int err = 0;

	if (vg_read_file(path, 1u << 20, false, &sb) != -ENOENT)
		err = vg_sysctl_conf_parse(c, sb.buf);
	vg_strbuf_release(&sb);
	return err;
}

static int sc_cmp_str(const void *a, const void *b)
{
	return strcmp(strrchr(*(char *const *)a, '/') + 1, strrchr(*(char *const *)b, '/') + 1);
}

/* Appends @dir's *.conf not yet in @files (compared by file name). */
static int sc_list_dir(const char *dir, char ***files, size_t *n, size_t *alloc)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool seen = false;
		struct vg_strbuf sb = VG_STRBUF_INIT;

		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") || de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = !strcmp(strrchr((*files)[i], '/') + 1, de->d_name);
		if (seen)
			continue;
		if (*n == *alloc) {
			size_t a = *alloc ? *alloc * 2 : 16;
			char **f = reallocarray(*files, a, sizeof(*f));

			if (!f) {
				closedir(d);
				return -ENOMEM;
			}
			*files = f;
			*alloc = a;
		}
		vg_strbuf_addf(&sb, "%s/%s", dir, de->d_name);
		(*files)[(*n)++] = vg_strbuf_detach(&sb, NULL);
	}
	closedir(d);
	return 0;
}

int vg_sysctl_conf_load(const char *const *dirs, size_t n_dirs, const char *conf_file,
			struct vg_sysctl_conf **out)
{
	struct vg_sysctl_conf *c = calloc(1, sizeof(*c));
	char **files = NULL;
	size_t n = 0, alloc = 0;
	int err = c ? 0 : -ENOMEM;

	for (size_t i = 0; i < n_dirs && !err; i++)
		err = sc_list_dir(dirs[i], &files, &n, &alloc);
	if (!err && n)
		qsort(files, n, sizeof(*files), sc_cmp_str);
	for (size_t i = 0; i < n && !err; i++)
		err = sc_file(c, files[i]);
	if (!err && conf_file)
		err = sc_file(c, conf_file);
	if (err)
		goto out;
	*out = c;
	c = NULL;
out:
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	vg_sysctl_conf_free(c);
	return err;
}

const char *vg_sysctl_conf_get(struct vg_sysctl_conf *conf, const char *name)
{
	const char *glob_value = NULL;
	size_t lo = 0, hi, found = (size_t)-1;

	if (!conf->sorted) {
		if (conf->n)
			qsort(conf->v, conf->n, sizeof(*conf->v), sc_cmp_name);
		conf->sorted = true;
	}
	/* Last entry with this name: upper bound of the name's run. */
	hi = conf->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(conf->v[mid].name, name);

		if (r <= 0)
			lo = mid + 1;
		else
			hi = mid;
		if (r == 0)
			found = mid;
	}
	if (found != (size_t)-1)
		return conf->v[found].value;
	for (size_t i = 0, best = 0; conf->n_glob && i < conf->n; i++) {
		const struct sc_entry *e = &conf->v[i];

		if (e->is_glob && e->seq >= best && !fnmatch(e->name, name, 0)) {
			glob_value = e->value;
			best = e->seq;
		}
	}
	return glob_value;
}

void vg_sysctl_conf_free(struct vg_sysctl_conf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->n; i++)
		free(conf->v[i].name);
	free(conf->v);
	free(conf);
}
