// SPDX-License-Identifier: Apache-2.0
/*
 * events.c - binds event tables to their stores and keeps scheduled
 * queries' cursors exact (see include/vigil/events.h).
 *
 * HOW IT WORKS: a small table of bindings, one per event table of the
 * registry, written on the main thread by vg_events_open()/bind() and read
 * by the SQL glue and subscribers. A scheduled run is a thread-local record
 * of the query's name and, per store its scans touched, the newest eid the
 * scans' snapshots covered; committing writes each as the store's cursor for
 * that name.
 */
#include "vigil/events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/flags.h"
#include "vigil/log.h"
#include "vigil/store.h"
#include "vigil/table.h"

#define MAX_EVENT_TABLES 16

static struct binding {
	const struct vg_table *table;
	struct vg_store *store;
	bool owned; /* opened by vg_events_open() */
	vg_events_status_fn *status;
	void *status_ctx;
} bindings[MAX_EVENT_TABLES];
static size_t n_bindings;

struct covered {
	struct vg_store *store;
	uint64_t eid;
};

static _Thread_local struct {
	char *name;
	struct covered *covered;
	size_t n_covered;
	struct covered *memory; /* follow mode: the cursors, per store */
	size_t n_memory;
} run;

static bool is_meta_column(const char *name)
{
	return !strcmp(name, "time") || !strcmp(name, "time_ns") || !strcmp(name, "eid");
}

size_t vg_events_payload_columns(const struct vg_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_columns; i++)
		n += !is_meta_column(t->columns[i].name);
	return n;
}

uint64_t vg_events_schema_hash(const struct vg_table *t)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < t->n_columns; i++) {
		const char *p = t->columns[i].name;

		if (is_meta_column(p))
			continue;
		for (; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		h = (h ^ (unsigned)t->columns[i].type ^ 0x80) * 0x100000001b3ull;
	}
	return h;
}

static struct binding *find(const char *table)
{
	for (size_t i = 0; i < n_bindings; i++)
		if (!strcmp(bindings[i].table->name, table))
			return &bindings[i];
	return NULL;
}

int vg_events_bind(const char *table, struct vg_store *store)
{
	const struct vg_table *t = vg_registry_find(table);
	struct binding *b = find(table);

	if (!t || !(t->flags & VG_TABLE_EVENT))
		return -ENOENT;
	if (!b) {
		if (n_bindings == MAX_EVENT_TABLES)
			return -ENOSPC;
		b = &bindings[n_bindings++];
	}
	b->table = t;
	b->store = store;
	b->owned = false;
	return 0;
}

int vg_events_set_publisher(const char *table, vg_events_status_fn *fn, void *ctx)
{
	struct binding *b = find(table);

	if (!b)
		return -ENOENT;
	b->status = fn;
	b->status_ctx = ctx;
	return 0;
}

bool vg_events_publisher_status(const char *table, struct vg_events_publisher_status *st)
{
	struct binding *b = find(table);

	memset(st, 0, sizeof(*st));
	if (!b || !b->status)
		return false;
	b->status(b->status_ctx, st);
	return true;
}

void vg_events_unbind(const char *table)
{
	struct binding *b = find(table);

	if (b)
		*b = bindings[--n_bindings];
}

struct vg_store *vg_events_store(const char *table)
{
	struct binding *b = find(table);

	return b ? b->store : NULL;
}

void vg_events_options_from_flags(struct vg_events_options *o, bool persist_by_default)
{
	struct vg_flag_info f;

	memset(o, 0, sizeof(*o));
	vg_flags_info((size_t)vg_flags_find("database_path"), &f);
	if (persist_by_default || f.source != VG_FLAG_FROM_DEFAULT)
		o->database_path = f.value;
	o->max_rows = vg_flag_int(VG_F_events_max) > 0 ? (uint64_t)vg_flag_int(VG_F_events_max) : 0;
	o->expiry_s = vg_flag_int(VG_F_events_expiry);
	o->fsync_ms = vg_flag_int(VG_F_events_fsync_ms);
}

/* Creates (0700) and checks the database directory itself. */
static int prepare_root(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		int err = -errno;

		vg_log(VG_LOG_ERROR, "events: cannot create --database_path %s: %s", path,
		       strerror(-err));
		return err;
	}
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		vg_log(VG_LOG_ERROR, "events: --database_path %s is not a directory", path);
		return -ENOTDIR;
	}
	if ((st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		vg_log(VG_LOG_ERROR,
		       "events: refusing --database_path %s: it must belong to this user and not "
		       "be writable by others (owner %u, mode %04o)",
		       path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int vg_events_open(const struct vg_events_options *o)
{
	const struct vg_table *const *tables;
	size_t n;
	int err = 0;

	if (o->database_path && (err = prepare_root(o->database_path)))
		return err;
	tables = vg_registry_tables(&n);
	for (size_t i = 0; i < n && !err; i++) {
		const struct vg_table *t = tables[i];
		struct vg_store_options so = {
			.name = t->name,
			.n_columns = vg_events_payload_columns(t),
			.schema_hash = vg_events_schema_hash(t),
			.max_rows = o->max_rows,
			.expiry_s = o->expiry_s,
			.fsync_ms = o->fsync_ms,
			.segment_rows = o->segment_rows,
		};
		struct vg_store *s = NULL;
		char dir[4096];

		if (!(t->flags & VG_TABLE_EVENT) || t->rows_of) /* a face of another's store */
			continue;
		if (o->database_path) {
			if (snprintf(dir, sizeof(dir), "%s/%s", o->database_path, t->name) >=
			    (int)sizeof(dir)) {
				err = -ENAMETOOLONG;
				break;
			}
			so.dir = dir;
		}
		err = vg_store_open(&so, &s);
		if (!err && (err = vg_events_bind(t->name, s)))
			vg_store_close(s);
		if (!err) {
			struct binding *b = find(t->name);

			if (b)
				b->owned = true;
		}
	}
	if (err)
		vg_events_close();
	return err;
}

void vg_events_close(void)
{
	size_t w = 0;

	for (size_t i = 0; i < n_bindings; i++) {
		if (bindings[i].owned)
			vg_store_close(bindings[i].store);
		else
			bindings[w++] = bindings[i];
	}
	n_bindings = w;
}

int vg_events_query_begin(const char *name)
{
	vg_events_query_end();
	run.name = strdup(name);
	return run.name ? 0 : -ENOMEM;
}

bool vg__events_query_active(void)
{
	return run.name != NULL;
}

uint64_t vg__events_query_cursor(struct vg_store *store)
{
	for (size_t i = 0; i < run.n_memory; i++)
		if (run.memory[i].store == store)
			return run.memory[i].eid;
	return run.name && !run.memory ? vg_store_cursor_get(store, run.name) : 0;
}

void vg__events_query_covered(struct vg_store *store, uint64_t eid)
{
	struct covered *c;

	if (!run.name)
		return;
	for (size_t i = 0; i < run.n_covered; i++) {
		if (run.covered[i].store == store) {
			if (eid > run.covered[i].eid)
				run.covered[i].eid = eid;
			return;
		}
	}
	c = realloc(run.covered, (run.n_covered + 1) * sizeof(*c));
	if (!c)
		return; /* the cursor stays behind: rows are read again, never lost */
	run.covered = c;
	c[run.n_covered].store = store;
	c[run.n_covered].eid = eid;
	run.n_covered++;
}

int vg_events_query_commit(void)
{
	int err = 0;

	if (run.memory) { /* follow mode: the cursors stay in memory */
		for (size_t i = 0; i < run.n_covered; i++)
			for (size_t k = 0; k < run.n_memory; k++)
				if (run.memory[k].store == run.covered[i].store &&
				    run.covered[i].eid > run.memory[k].eid)
					run.memory[k].eid = run.covered[i].eid;
		run.n_covered = 0;
		return 0;
	}
	for (size_t i = 0; run.name && i < run.n_covered; i++) {
		int rc = vg_store_cursor_commit(run.covered[i].store, run.name, run.covered[i].eid);

		if (rc && !err)
			err = rc;
	}
	return err;
}

int vg_events_follow_begin(void)
{
	vg_events_follow_end();
	run.name = strdup("(follow)");
	run.memory = calloc(n_bindings + 1, sizeof(*run.memory));
	if (!run.name || !run.memory) {
		vg_events_follow_end();
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_bindings; i++) {
		struct vg_store_stats st;

		vg_store_stats(bindings[i].store, &st);
		run.memory[run.n_memory].store = bindings[i].store;
		run.memory[run.n_memory].eid = st.last_eid;
		run.n_memory++;
	}
	return 0;
}

void vg_events_follow_end(void)
{
	vg_events_query_end();
	free(run.memory);
	run.memory = NULL;
	run.n_memory = 0;
}

void vg_events_query_end(void)
{
	free(run.name);
	free(run.covered);
	run.name = NULL;
	run.covered = NULL;
	run.n_covered = 0;
}
