// SPDX-License-Identifier: Apache-2.0
/*
 * store.c - the event store's lifecycle, appends, bounds and cursors (see
 * include/vigil/store.h; the objects are in store_internal.h).
 *
 * HOW IT WORKS: an append takes the store mutex, encodes the row straight
 * into the head's mapping and bumps the head's committed length; that is
 * all, so appenders never wait on disk, compression or readers (a scan
 * holds the mutex only to copy the segment list). When the head is full a
 * new one replaces it and the store's thread seals the old one. The thread
 * also syncs the head every fsync_ms and applies the row cap and expiry
 * once a second. Opening a directory takes an exclusive flock on
 * <dir>/LOCK, loads the sealed segments (setting aside corrupt ones),
 * recovers heads left by a crash and reloads the floor and cursors.
 *
 * LIMITS: expiry drops whole sealed segments (a row may outlive the expiry
 * by the time its segment takes to fill); the row cap is exact (a floor eid
 * hides rows below it until their segment goes).
 */
#include "store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "util.h"
#include "vigil/log.h"

#define DEFAULT_SEG_ROWS  65536u
#define DEFAULT_SEG_BYTES (16u << 20)

uint64_t vg__store_min_cursor(const struct vg_store *s)
{
	uint64_t m = UINT64_MAX;

	for (size_t i = 0; i < s->n_cursors; i++)
		if (s->cursors[i].eid < m)
			m = s->cursors[i].eid;
	return m;
}

/* Refuses a directory others could write to or that another user owns. */
static int check_dir(const char *dir, int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		vg_log(VG_LOG_ERROR, "store: refusing %s: owned by uid %u, not by this user", dir,
		       (unsigned)st.st_uid);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		vg_log(VG_LOG_ERROR, "store: refusing %s: writable by group or others (mode %04o)",
		       dir, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Opens (creating 0700) @path as a directory fd; checks its ownership and mode. */
static int open_dir(const char *path, int *out)
{
	int fd, err;

	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		err = -errno;
		vg_log(VG_LOG_ERROR, "store: cannot create %s: %s", path, strerror(-err));
		return err;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		err = -errno;
		vg_log(VG_LOG_ERROR, "store: cannot open %s: %s", path, strerror(-err));
		return err;
	}
	err = check_dir(path, fd);
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* Takes <dir>/LOCK; -EBUSY (logged with the holder's pid) if another process has it. */
static int take_lock(struct vg_store *s)
{
	char pid[32];
	int fd, n;

	fd = openat(s->dir_fd, "LOCK", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		vg_log(VG_LOG_ERROR, "store: %s is in use by another process (pid %s)", s->dir,
		       *pid ? pid : "unknown");
		close(fd);
		return err;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		vg_log(VG_LOG_WARN, "store: cannot write the pid into %s/LOCK", s->dir);
	s->lock_fd = fd;
	return 0;
}

static int push_seg(struct vg_store *s, struct seg *g)
{
	if (s->n_segs == s->alloc_segs) {
		size_t n = s->alloc_segs ? s->alloc_segs * 2 : 16;
		struct seg **p = realloc(s->segs, n * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->segs = p;
		s->alloc_segs = n;
	}
	s->segs[s->n_segs++] = g;
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = *(struct seg *const *)a, *y = *(struct seg *const *)b;

	return x->first_eid < y->first_eid ? -1 : x->first_eid > y->first_eid;
}

/* Moves a bad file aside as <name>.corrupt and counts it. */
static void set_aside(struct vg_store *s, const char *name, int err)
{
	char dst[300];

	snprintf(dst, sizeof(dst), "%s.corrupt", name);
	vg_log(VG_LOG_ERROR, "store: %s: segment %s/%s is unusable (%s); moved to %s", s->name,
	       s->dir, name, strerror(-err), dst);
	if (renameat(s->dir_fd, name, s->dir_fd, dst) < 0)
		unlinkat(s->dir_fd, name, 0);
	s->corrupt++;
}

/* Drops heads that a sealed segment already covers (a crash mid-seal). */
static void drop_covered_heads(struct vg_store *s)
{
	size_t w = 0;

	for (size_t i = 0; i < s->n_segs; i++) {
		struct seg *g = s->segs[i];
		bool covered = false;

		for (size_t k = 0; g->kind == SEG_RAW && k < s->n_segs; k++)
			covered |= s->segs[k]->kind == SEG_SEALED &&
				   s->segs[k]->first_eid <= g->first_eid &&
				   s->segs[k]->last_eid >= g->last_eid;
		if (covered) {
			unlinkat(s->dir_fd, g->path, 0);
			vg__seg_unref(g);
			continue;
		}
		s->segs[w++] = g;
	}
	s->n_segs = w;
}

/* Loads every segment file of the directory. */
static int load_dir(struct vg_store *s)
{
	int fd = dup(s->dir_fd), err = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct seg *g = NULL;
		int rc;

		if (len > 4 && !strcmp(e->d_name + len - 4, ".tmp")) {
			unlinkat(s->dir_fd, e->d_name, 0); /* an interrupted seal or save */
			continue;
		}
		if (len > 4 && !strcmp(e->d_name + len - 4, ".seg"))
			rc = vg__seg_open_sealed(s, e->d_name, &g);
		else if (len > 5 && !strcmp(e->d_name + len - 5, ".open"))
			rc = vg__seg_recover_raw(s, e->d_name, &g);
		else
			continue;
		if (rc == -ENODATA) { /* a head with no complete record */
			unlinkat(s->dir_fd, e->d_name, 0);
			continue;
		}
		if (rc == -EBADMSG) {
			set_aside(s, e->d_name, rc);
			continue;
		}
		if (rc || (err = push_seg(s, g))) {
			vg__seg_unref(g);
			err = err ? err : rc;
			break;
		}
	}
	closedir(d);
	if (err)
		return err;
	if (s->n_segs)
		qsort(s->segs, s->n_segs, sizeof(*s->segs), cmp_seg);
	drop_covered_heads(s);
	return 0;
}

static void *store_thread(void *arg);

static int store_start(struct vg_store *s)
{
	struct seg *head = NULL;
	int err;

	if (s->dir) {
		err = open_dir(s->dir, &s->dir_fd);
		if (!err)
			err = take_lock(s);
		if (!err)
			err = vg__meta_load(s);
		if (!err)
			err = load_dir(s);
		if (err)
			return err;
	}
	s->next_eid = s->floor_eid ? s->floor_eid : 1;
	for (size_t i = 0; i < s->n_segs; i++)
		if (s->segs[i]->last_eid >= s->next_eid)
			s->next_eid = s->segs[i]->last_eid + 1;
	err = vg__seg_new_head(s, 0, &head);
	if (!err)
		err = push_seg(s, head);
	if (err) {
		vg__seg_unref(head);
		return err;
	}
	err = -pthread_create(&s->thread, NULL, store_thread, s);
	s->thread_started = !err;
	if (!err)
		pthread_setname_np(s->thread, "vg-store");
	return err;
}

int vg_store_open(const struct vg_store_options *o, struct vg_store **out)
{
	struct vg_store *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->dir_fd = -1;
	s->lock_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->meta_lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->name = strdup(o->name ? o->name : "events");
	s->dir = o->dir ? strdup(o->dir) : NULL;
	s->n_cols = o->n_columns;
	s->schema_hash = o->schema_hash;
	s->max_rows = o->max_rows;
	s->expiry_s = o->expiry_s;
	s->fsync_ms = o->fsync_ms;
	s->seg_rows = o->segment_rows ? o->segment_rows : DEFAULT_SEG_ROWS;
	s->seg_bytes = DEFAULT_SEG_BYTES;
	s->persistent = o->dir != NULL;
	if (!s->name || (o->dir && !s->dir)) {
		vg_store_close(s);
		return -ENOMEM;
	}
	err = store_start(s);
	if (err) {
		vg_store_close(s);
		return err;
	}
	*out = s;
	return 0;
}

/* Replaces a raw segment with its sealed form (the thread, or close). */
static int seal_one(struct vg_store *s, struct seg *raw)
{
	struct seg *sealed = NULL;
	int err = raw->n_rows ? vg__seg_seal(s, raw, &sealed) : 0;
	bool replaced = false;

	if (err) {
		vg_log(VG_LOG_ERROR, "store: %s: cannot seal eids %llu-%llu: %s", s->name,
		       (unsigned long long)raw->first_eid, (unsigned long long)raw->last_eid,
		       strerror(-err));
		return err;
	}
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_segs; i++) {
		if (s->segs[i] != raw)
			continue;
		if (sealed) {
			s->segs[i] = sealed;
		} else { /* an empty head replaced by a bigger one */
			memmove(&s->segs[i], &s->segs[i + 1],
				(s->n_segs - i - 1) * sizeof(*s->segs));
			s->n_segs--;
		}
		replaced = true;
		break;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (!replaced) { /* expired while sealing */
		if (sealed && sealed->path)
			unlinkat(s->dir_fd, sealed->path, 0);
		vg__seg_unref(sealed);
		return 0;
	}
	if (raw->path)
		unlinkat(s->dir_fd, raw->path, 0); /* the sealed file is durable now */
	vg__seg_unref(raw);			   /* the store's reference */
	return 0;
}

/* The oldest raw segment that is not the head, with a reference; NULL if none. */
static struct seg *next_to_seal(struct vg_store *s)
{
	for (size_t i = 0; i + 1 < s->n_segs; i++) {
		if (s->segs[i]->kind == SEG_RAW) {
			vg__seg_ref(s->segs[i]);
			return s->segs[i];
		}
	}
	return NULL;
}

/* Whether a raw segment other than the head waits to be sealed (lock held). */
static bool has_unsealed(const struct vg_store *s)
{
	for (size_t i = 0; i + 1 < s->n_segs; i++)
		if (s->segs[i]->kind == SEG_RAW)
			return true;
	return false;
}

static void sync_head(struct vg_store *s)
{
	struct seg *head;
	size_t used;

	pthread_mutex_lock(&s->lock);
	head = s->head_dirty && s->n_segs ? s->segs[s->n_segs - 1] : NULL;
	if (head && head->path) {
		vg__seg_ref(head);
		used = head->raw_used;
		s->head_dirty = false;
	} else {
		head = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (!head)
		return;
	msync(head->raw, (used + 4095) & ~(size_t)4095, MS_SYNC);
	vg__seg_unref(head);
}

static void *store_thread(void *arg)
{
	struct vg_store *s = arg;
	int64_t last_expire = 0, last_sync = vg_mono_ns();

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct seg *raw = next_to_seal(s);
		int64_t now = vg_mono_ns();
		struct timespec ts;

		if (raw) {
			pthread_mutex_unlock(&s->lock);
			seal_one(s, raw);
			vg__seg_unref(raw); /* next_to_seal's reference */
			pthread_mutex_lock(&s->lock);
			continue;
		}
		pthread_mutex_unlock(&s->lock);
		if (s->fsync_ms > 0 && now - last_sync >= s->fsync_ms * 1000000) {
			sync_head(s);
			last_sync = now;
		}
		if (now - last_expire >= 1000000000) {
			vg_store_expire(s, vg_now_ns());
			last_expire = now;
		}
		pthread_mutex_lock(&s->lock);
		if (s->stop || has_unsealed(s))
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&s->cond, &s->lock, &ts);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

void vg_store_close(struct vg_store *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		pthread_mutex_lock(&s->lock);
		s->stop = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		/* Seal what waits; the head stays a head file, recovered at the next open. */
		for (;;) {
			struct seg *raw;

			pthread_mutex_lock(&s->lock);
			raw = next_to_seal(s);
			pthread_mutex_unlock(&s->lock);
			if (!raw)
				break;
			if (seal_one(s, raw)) {
				vg__seg_unref(raw);
				break;
			}
			vg__seg_unref(raw);
		}
		s->head_dirty = true;
		sync_head(s);
		vg__meta_save(s);
	}
	for (size_t i = 0; i < s->n_segs; i++) {
		struct seg *g = s->segs[i];

		/* An empty head file is not worth keeping. */
		if (g->kind == SEG_RAW && !g->n_rows && g->path && s->dir_fd >= 0)
			unlinkat(s->dir_fd, g->path, 0);
		vg__seg_unref(g);
	}
	for (size_t i = 0; i < s->n_cursors; i++)
		free(s->cursors[i].name);
	free(s->cursors);
	free(s->segs);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->meta_lock);
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s->name);
	free(s);
}

/* Starts a new head able to take @need bytes (lock held). */
static int roll_head(struct vg_store *s, size_t need)
{
	struct seg *head = NULL;
	int err = vg__seg_new_head(s, need, &head);

	if (err)
		return err;
	err = push_seg(s, head);
	if (err) {
		vg__seg_unref(head);
		return err;
	}
	pthread_cond_broadcast(&s->cond); /* the old head waits to be sealed */
	return 0;
}

int vg_store_append(struct vg_store *s, int64_t time_ns, const struct vg_value *vals, size_t n,
		    uint64_t *eid_out)
{
	size_t need = vg__record_bound(vals, n), len;
	struct seg *head;
	uint64_t eid;

	if (n != s->n_cols)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (vals[i].type == VG_VAL_TEXT && vals[i].len && !vals[i].v.s)
			return -EINVAL;
	if (need > UINT32_MAX / 2)
		return -E2BIG;
	pthread_mutex_lock(&s->lock);
	head = s->segs[s->n_segs - 1];
	if (head->n_rows >= s->seg_rows || head->raw_cap - head->raw_used < need) {
		int err = roll_head(s, need);

		if (err) {
			pthread_mutex_unlock(&s->lock);
			return err;
		}
		head = s->segs[s->n_segs - 1];
	}
	eid = s->next_eid++;
	len = vg__record_encode(head->raw + head->raw_used, eid, time_ns, vals, n);
	head->raw_used += len;
	if (!head->n_rows)
		head->first_eid = eid;
	head->last_eid = eid;
	head->n_rows++;
	if (time_ns < head->min_time)
		head->min_time = time_ns;
	if (time_ns > head->max_time)
		head->max_time = time_ns;
	s->appended++;
	s->head_dirty = true;
	pthread_mutex_unlock(&s->lock);
	if (eid_out)
		*eid_out = eid;
	return 0;
}

int vg_store_seal(struct vg_store *s)
{
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (s->segs[s->n_segs - 1]->n_rows)
		err = roll_head(s, 0);
	while (!err && has_unsealed(s))
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Rows of the store at or above @floor (lock held). */
static uint64_t rows_above(const struct vg_store *s, uint64_t floor)
{
	uint64_t rows = 0;

	for (size_t i = 0; i < s->n_segs; i++) {
		const struct seg *g = s->segs[i];

		if (!g->n_rows || g->last_eid < floor)
			continue;
		rows += g->last_eid - (g->first_eid > floor ? g->first_eid : floor) + 1;
	}
	return rows;
}

/* The eid below which whole sealed segments are past @cutoff_ns (lock held). */
static uint64_t expiry_floor(const struct vg_store *s, int64_t cutoff_ns)
{
	uint64_t floor = s->floor_eid;

	for (size_t i = 0; i + 1 < s->n_segs; i++) {
		const struct seg *g = s->segs[i];

		if (g->kind != SEG_SEALED || g->max_time >= cutoff_ns)
			break;
		floor = g->last_eid + 1;
	}
	return floor;
}

void vg_store_expire(struct vg_store *s, int64_t now_ns)
{
	struct seg **gone = NULL;
	size_t n_gone = 0, w = 0;
	uint64_t floor, min_cursor;
	bool moved;

	pthread_mutex_lock(&s->lock);
	floor = s->floor_eid;
	min_cursor = vg__store_min_cursor(s);
	if (s->expiry_s > 0) {
		uint64_t f = expiry_floor(s, now_ns - s->expiry_s * 1000000000);

		/* Expiry keeps what a cursor has not read; the cap below does not. */
		if (min_cursor != UINT64_MAX && f > min_cursor + 1)
			f = min_cursor + 1;
		floor = f > floor ? f : floor;
	}
	if (s->max_rows && rows_above(s, floor) > s->max_rows) {
		uint64_t f = s->next_eid - s->max_rows;

		if (min_cursor != UINT64_MAX && f > min_cursor + 1)
			s->dropped_unread += f - (floor > min_cursor + 1 ? floor : min_cursor + 1);
		floor = f > floor ? f : floor;
	}
	moved = floor > s->floor_eid;
	if (moved) {
		s->dropped_expired += rows_above(s, s->floor_eid) - rows_above(s, floor);
		s->floor_eid = floor;
	}
	gone = calloc(s->n_segs ? s->n_segs : 1, sizeof(*gone));
	for (size_t i = 0; i < s->n_segs; i++) {
		struct seg *g = s->segs[i];

		/* Raw segments waiting to be sealed go too: no need to seal them. */
		if (gone && i + 1 < s->n_segs && g->n_rows && g->last_eid < floor)
			gone[n_gone++] = g;
		else
			s->segs[w++] = g;
	}
	s->n_segs = w;
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n_gone; i++) {
		if (gone[i]->path)
			unlinkat(s->dir_fd, gone[i]->path, 0);
		vg__seg_unref(gone[i]);
	}
	free(gone);
	if (moved)
		vg__meta_save(s);
}

void vg_store_stats(struct vg_store *s, struct vg_store_stats *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->lock);
	st->rows = rows_above(s, s->floor_eid);
	st->appended = s->appended;
	st->last_eid = s->next_eid - 1;
	st->oldest_time_ns = INT64_MAX;
	st->newest_time_ns = INT64_MIN;
	for (size_t i = 0; i < s->n_segs; i++) {
		const struct seg *g = s->segs[i];

		if (g->n_rows && g->last_eid >= s->floor_eid) {
			if (!st->first_eid)
				st->first_eid =
				    g->first_eid > s->floor_eid ? g->first_eid : s->floor_eid;
			st->oldest_time_ns =
			    g->min_time < st->oldest_time_ns ? g->min_time : st->oldest_time_ns;
			st->newest_time_ns =
			    g->max_time > st->newest_time_ns ? g->max_time : st->newest_time_ns;
		}
		if (g->kind == SEG_SEALED) {
			st->segments++;
			st->bytes_memory += g->blob ? g->blob_len : 0;
			st->bytes_disk += g->path ? SEG_HEADER_BYTES + g->blob_len : 0;
		} else {
			st->bytes_memory += g->raw_used;
			st->bytes_disk += g->path ? g->raw_used : 0;
		}
	}
	if (!st->rows)
		st->oldest_time_ns = st->newest_time_ns = 0;
	st->dropped_unread = s->dropped_unread;
	st->dropped_expired = s->dropped_expired;
	st->corrupt_segments = s->corrupt;
	st->rows_scanned = s->scanned;
	st->persistent = s->persistent;
	pthread_mutex_unlock(&s->lock);
}

uint64_t vg_store_cursor_get(struct vg_store *s, const char *name)
{
	uint64_t eid = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_cursors; i++)
		if (!strcmp(s->cursors[i].name, name))
			eid = s->cursors[i].eid;
	pthread_mutex_unlock(&s->lock);
	return eid;
}

int vg_store_cursor_commit(struct vg_store *s, const char *name, uint64_t eid)
{
	struct cursor_entry *c;
	size_t i;

	if (!*name || strchr(name, '\n'))
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n_cursors; i++)
		if (!strcmp(s->cursors[i].name, name))
			break;
	if (i == s->n_cursors) {
		c = realloc(s->cursors, (s->n_cursors + 1) * sizeof(*c));
		if (!c || !(c[i].name = strdup(name))) {
			if (c)
				s->cursors = c;
			pthread_mutex_unlock(&s->lock);
			return -ENOMEM;
		}
		s->cursors = c;
		s->n_cursors++;
	}
	s->cursors[i].eid = eid;
	pthread_mutex_unlock(&s->lock);
	return vg__meta_save(s);
}

int vg_store_cursor_remove(struct vg_store *s, const char *name)
{
	bool found = false;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_cursors; i++) {
		if (strcmp(s->cursors[i].name, name))
			continue;
		free(s->cursors[i].name);
		s->cursors[i] = s->cursors[--s->n_cursors];
		found = true;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return found ? vg__meta_save(s) : -ENOENT;
}
