// SPDX-License-Identifier: Apache-2.0
/*
 * pwlist.c - collecting the user accounts a query selects (see pwlist.h).
 *
 * HOW IT WORKS: a query with `uid =` (or `username =`) values costs one
 * reentrant lookup per value, which is what makes
 * `processes JOIN users USING (uid)` cheap. An unconstrained query reads
 * /etc/passwd with fgetpwent_r() (osquery's default on Linux: local accounts
 * only), or with include_remote enumerates NSS with getpwent_r(), whose
 * cursor is process-global and therefore taken under a mutex. Entries are
 * copied out (one allocation each) so callers can read files per user
 * without holding any lock.
 *
 * LIMITS: a passwd line longer than 1 MiB is skipped (ERANGE).
 */
#include "pwlist.h"

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "vigil/table.h"

#define PW_BUF_START_BYTES 4096u
#define PW_BUF_MAX_BYTES   (1024u * 1024u)

/* Guards the process-global getpwent() cursor. */
static pthread_mutex_t pw_nss_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *pw_str(const char *s)
{
	return s ? s : "";
}

/* Copies @pw into a new entry of @out. Returns 0 or -ENOMEM. */
static int pw_add(struct vg_pwlist *out, const struct passwd *pw)
{
	const char *src[4] = { pw_str(pw->pw_name), pw_str(pw->pw_gecos), pw_str(pw->pw_dir),
			       pw_str(pw->pw_shell) };
	size_t lens[4], total = 0;
	struct vg_pwent *e;
	char *p;

	if (out->n == out->alloc) {
		size_t alloc = out->alloc ? out->alloc * 2 : 32;
		struct vg_pwent *v = reallocarray(out->v, alloc, sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->v = v;
		out->alloc = alloc;
	}
	for (int i = 0; i < 4; i++) {
		lens[i] = strlen(src[i]) + 1;
		total += lens[i];
	}
	e = &out->v[out->n];
	e->buf = malloc(total);
	if (!e->buf)
		return -ENOMEM;
	p = e->buf;
	for (int i = 0; i < 4; i++) {
		memcpy(p, src[i], lens[i]);
		src[i] = p;
		p += lens[i];
	}
	e->uid = pw->pw_uid;
	e->gid = pw->pw_gid;
	e->name = src[0];
	e->gecos = src[1];
	e->dir = src[2];
	e->shell = src[3];
	out->n++;
	return 0;
}

/* One getpwuid_r() (@name NULL) or getpwnam_r() lookup, added to @out if found. */
static int pw_lookup(uint32_t uid, const char *name, struct vg_pwlist *out)
{
	size_t size = PW_BUF_START_BYTES;
	char *buf = NULL;
	int err;

	for (;;) {
		struct passwd pw, *res = NULL;
		char *nbuf = realloc(buf, size);

		if (!nbuf) {
			err = -ENOMEM;
			goto out;
		}
		buf = nbuf;
		err = name ? getpwnam_r(name, &pw, buf, size, &res)
			   : getpwuid_r((uid_t)uid, &pw, buf, size, &res);
		if (err == ERANGE && size < PW_BUF_MAX_BYTES) {
			size *= 2;
			continue;
		}
		/* Not found and lookup failures (ENOENT, EIO from a module) are no rows. */
		err = res ? pw_add(out, res) : 0;
		goto out;
	}
out:
	free(buf);
	return err;
}

/* Whether @pw passes the `=` constraints of @sel (used while enumerating). */
static bool pw_selected(const struct vg_query *q, const struct vg_pw_select *sel,
			const struct passwd *pw)
{
	size_t pos = 0;
	uint32_t id;
	const char *v;
	bool hit;

	if (sel->uid_col >= 0 && vg_cfg_has_eq(q, sel->uid_col)) {
		hit = false;
		while (!hit && vg_cfg_next_id(q, sel->uid_col, &pos, &id))
			hit = id == pw->pw_uid;
		if (!hit)
			return false;
	}
	if (sel->name_col >= 0 && vg_cfg_has_eq(q, sel->name_col)) {
		hit = false;
		pos = 0;
		while (!hit && (v = vg_query_next_eq(q, sel->name_col, &pos)))
			hit = pw->pw_name && strcmp(v, pw->pw_name) == 0;
		if (!hit)
			return false;
	}
	return true;
}

/*
 * Adds the selected entries of the passwd file under @root. On ERANGE glibc
 * rewinds to the start of the line, so the buffer grows (to a cap) and the
 * scan stops past it rather than spinning on the same line.
 */
static int pw_scan_file(const struct vg_query *q, const struct vg_pw_select *sel,
			struct vg_pwlist *out)
{
	size_t size = PW_BUF_START_BYTES * 4;
	char path[96], *buf = NULL;
	struct passwd pw, *res;
	FILE *f = NULL;
	int err = 0, rc;

	snprintf(path, sizeof(path), "%s/etc/passwd", sel->root);
	f = fopen(path, "re");
	if (!f) {
		/* No passwd file, or a namespace root we may not enter: no accounts. */
		err = errno == ENOENT || sel->root[0] ? 0 : -errno;
		goto out;
	}
	buf = malloc(size);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		rc = fgetpwent_r(f, &pw, buf, size, &res);
		if (rc == ERANGE && size < PW_BUF_MAX_BYTES) {
			char *nbuf = realloc(buf, size * 2);

			if (!nbuf) {
				err = -ENOMEM;
				goto out;
			}
			buf = nbuf;
			size *= 2;
			continue;
		}
		if (rc || !res)
			break; /* ENOENT is the end; a read error or a giant line ends the scan */
		if (!pw_selected(q, sel, res))
			continue;
		err = pw_add(out, res);
		if (err)
			goto out;
	}
out:
	free(buf);
	if (f)
		fclose(f);
	return err;
}

/* Adds the selected entries NSS enumerates. */
static int pw_scan_nss(const struct vg_query *q, const struct vg_pw_select *sel,
		       struct vg_pwlist *out)
{
	char *buf = malloc(PW_BUF_MAX_BYTES);
	struct passwd pw, *res;
	int err = 0, rc;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&pw_nss_lock);
	setpwent();
	while ((rc = getpwent_r(&pw, buf, PW_BUF_MAX_BYTES, &res)) == 0 && res) {
		if (!pw_selected(q, sel, res))
			continue;
		err = pw_add(out, res);
		if (err)
			break;
	}
	endpwent();
	pthread_mutex_unlock(&pw_nss_lock);
	free(buf);
	return err;
}

int vg_pwlist_collect(const struct vg_query *q, const struct vg_pw_select *sel,
		      struct vg_pwlist *out)
{
	bool by_uid = sel->uid_col >= 0 && vg_cfg_has_eq(q, sel->uid_col);
	bool by_name = sel->name_col >= 0 && vg_cfg_has_eq(q, sel->name_col);
	size_t pos = 0;
	uint32_t uid;
	const char *name;
	int err = 0;

	if (sel->root[0] || (!by_uid && !by_name))
		return sel->include_remote && !sel->root[0] ? pw_scan_nss(q, sel, out)
							    : pw_scan_file(q, sel, out);
	if (by_uid) {
		while (!err && vg_cfg_next_id(q, sel->uid_col, &pos, &uid))
			err = pw_lookup(uid, NULL, out);
		return err;
	}
	while (!err && (name = vg_query_next_eq(q, sel->name_col, &pos)))
		err = pw_lookup(0, name, out);
	return err;
}

void vg_pwlist_release(struct vg_pwlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].buf);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}
