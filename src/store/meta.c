// SPDX-License-Identifier: Apache-2.0
/*
 * meta.c - the store's durable state: the floor (rows below it are gone,
 * even if a segment still holds them) and the cursors of scheduled queries.
 *
 * HOW IT WORKS: <dir>/state is a small text file, "floor N" then one
 * "cursor EID NAME" line per cursor, replaced atomically (write a temporary
 * file, fdatasync, rename, fsync the directory) whenever a cursor commits or
 * the floor moves, so after a crash it is either the old or the new state.
 * Query names may hold any byte but newline (they come from the config).
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

static int add_cursor(struct vg_store *s, const char *name, uint64_t eid)
{
	struct cursor_entry *c = realloc(s->cursors, (s->n_cursors + 1) * sizeof(*c));

	if (!c)
		return -ENOMEM;
	s->cursors = c;
	c[s->n_cursors].name = strdup(name);
	if (!c[s->n_cursors].name)
		return -ENOMEM;
	c[s->n_cursors].eid = eid;
	s->n_cursors++;
	return 0;
}

int vg__meta_load(struct vg_store *s)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char *line, *save = NULL;
	int err;

	if (!s->dir)
		return 0;
	err = vg_read_file_at(s->dir_fd, "state", 1 << 20, &sb);
	if (err == -ENOENT) {
		err = 0;
		goto out;
	}
	if (err)
		goto out;
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		int used = 0;

		if (sscanf(line, "floor %llu", &v) == 1) {
			s->floor_eid = v;
		} else if (sscanf(line, "cursor %llu %n", &v, &used) == 1 && used > 0) {
			err = add_cursor(s, line + used, v);
			if (err)
				goto out;
		} else {
			vg_log(VG_LOG_WARN, "store: %s: ignoring a bad line in %s/state", s->name,
			       s->dir);
		}
	}
out:
	vg_strbuf_release(&sb);
	return err;
}

int vg__meta_save(struct vg_store *s)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	int fd = -1, err = 0;
	uint64_t gen;

	if (!s->dir)
		return 0;
	/* The text is taken under the store lock; the slow writing is not. */
	pthread_mutex_lock(&s->lock);
	if (!s->persistent) {
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	gen = ++s->meta_gen;
	vg_strbuf_addf(&sb, "floor %llu\n", (unsigned long long)s->floor_eid);
	for (size_t i = 0; i < s->n_cursors; i++)
		vg_strbuf_addf(&sb, "cursor %llu %s\n", (unsigned long long)s->cursors[i].eid,
			       s->cursors[i].name);
	pthread_mutex_unlock(&s->lock);

	pthread_mutex_lock(&s->meta_lock);
	if (gen < s->meta_written) /* a newer state is on disk already */
		goto out;
	fd = openat(s->dir_fd, "state.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	errno = 0;
	if (write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		err = errno ? -errno : -EIO;
	if (!err && fdatasync(fd) < 0)
		err = -errno;
	if (!err && renameat(s->dir_fd, "state.tmp", s->dir_fd, "state") < 0)
		err = -errno;
	if (!err && fsync(s->dir_fd) < 0)
		err = -errno;
	if (!err)
		s->meta_written = gen;
out:
	pthread_mutex_unlock(&s->meta_lock);
	if (fd >= 0)
		close(fd);
	if (err)
		vg_log(VG_LOG_ERROR, "store: %s: cannot save %s/state: %s", s->name, s->dir,
		       strerror(-err));
	vg_strbuf_release(&sb);
	return err;
}
