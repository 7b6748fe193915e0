// SPDX-License-Identifier: Apache-2.0
/*
 * fim_baseline.c - the FIM baseline and its scans (see fim_baseline.h).
 *
 * HOW IT WORKS: two SQLite tables, `baseline` (path BLOB primary key, the
 * stat fields, sha256, and the generation of the scan that last saw it) and
 * `roots` (watch roots scanned at least once). A scan bumps the generation,
 * walks each root (openat/fdopendir, symlinks never followed, depth capped),
 * and for every path in a category compares and upserts; then the rows of
 * the root with an older generation are the paths that went away. A root
 * scanned for the first time is only recorded. Everything runs in one
 * transaction per root, which keeps the per-path cost at a few
 * microseconds. Hashing (SHA-256 only; the rows' hashes come from the
 * workers) happens only when inode, size or mtime moved.
 */
#include "fim_baseline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "fim_config.h"
#include "util.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

#define MAX_DEPTH 64

struct vg_fim_baseline {
	sqlite3 *db;
	sqlite3_stmt *get, *put, *stale, *drop, *root_get, *root_put;
	struct vg_digest *dg;
	pthread_mutex_t touched_lock; /* guards touched */
	char **touched;
	size_t n_touched, alloc_touched;
};

struct scan {
	struct vg_fim_baseline *b;
	const struct vg_fim_config *cfg;
	vg_fim_scan_emit_fn *emit;
	void *arg;
	const atomic_bool *stop;
	struct vg_fim_scan_stats *st;
	uint64_t hash_max, rate;
	int64_t gen, t0_ns, last_log_ns;
	bool report; /* false on a root's first scan */
};

static const char schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS baseline(path BLOB PRIMARY KEY, inode INT, size INT,"
    " mtime INT, ctime INT, mode INT, uid INT, gid INT, sha256 TEXT, gen INT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS roots(path BLOB PRIMARY KEY) WITHOUT ROWID;";

int vg_fim_baseline_open(const char *path, struct vg_fim_baseline **out)
{
	struct vg_fim_baseline *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		return -ENOMEM;
	pthread_mutex_init(&b->touched_lock, NULL);
	rc =
	    sqlite3_open_v2(path ? path : ":memory:", &b->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK && path)
		chmod(path, 0600);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(b->db, schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(b->db,
					"SELECT inode, size, mtime, ctime, mode, uid, gid, sha256 "
					"FROM baseline WHERE path = ?",
					-1, &b->get, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    b->db, "INSERT OR REPLACE INTO baseline VALUES (?,?,?,?,?,?,?,?,?,?)", -1,
		    &b->put, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(b->db,
					"SELECT path FROM baseline WHERE path > ? AND path < ? "
					"AND gen < ?",
					-1, &b->stale, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(b->db, "DELETE FROM baseline WHERE path = ?", -1, &b->drop,
					NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(b->db, "SELECT 1 FROM roots WHERE path = ?", -1,
					&b->root_get, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(b->db, "INSERT OR IGNORE INTO roots VALUES (?)", -1,
					&b->root_put, NULL);
	if (rc == SQLITE_OK && vg_digest_new(VG_DIGEST_SHA256, &b->dg))
		rc = SQLITE_NOMEM;
	if (rc != SQLITE_OK) {
		vg_log(VG_LOG_ERROR, "fim: cannot open the baseline %s: %s",
		       path ? path : "(memory)", b->db ? sqlite3_errmsg(b->db) : "out of memory");
		vg_fim_baseline_close(b);
		return -EIO;
	}
	*out = b;
	return 0;
}

void vg_fim_baseline_close(struct vg_fim_baseline *b)
{
	if (!b)
		return;
	sqlite3_finalize(b->get);
	sqlite3_finalize(b->put);
	sqlite3_finalize(b->stale);
	sqlite3_finalize(b->drop);
	sqlite3_finalize(b->root_get);
	sqlite3_finalize(b->root_put);
	sqlite3_close(b->db);
	vg_digest_free(b->dg);
	for (size_t i = 0; i < b->n_touched; i++)
		free(b->touched[i]);
	free(b->touched);
	pthread_mutex_destroy(&b->touched_lock);
	free(b);
}

/* The first category @path belongs to, or -1. */
static long category_of(const struct vg_fim_config *cfg, const char *path, size_t len)
{
	size_t n = vg_fim_config_n_categories(cfg);

	for (size_t i = 0; i < n; i++)
		if (vg_fim_config_match(cfg, i, path, len))
			return (long)i;
	return -1;
}

/* SHA-256 of regular file @path into @hex (65 bytes); "" when it cannot. */
static void hash_file(struct scan *s, const char *path, const struct stat *st, char *hex)
{
	int fd;

	hex[0] = '\0';
	if (!S_ISREG(st->st_mode) || (s->hash_max && (uint64_t)st->st_size > s->hash_max))
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (vg_digest_fd(s->b->dg, fd, s->hash_max) == 0)
		snprintf(hex, 65, "%s", vg_digest_hex(s->b->dg, VG_DIGEST_SHA256));
	close(fd);
	s->st->bytes_hashed += (uint64_t)st->st_size;
	if (s->rate) { /* keep to the I/O budget */
		int64_t due = s->t0_ns + (int64_t)(s->st->bytes_hashed * 1000000000ull / s->rate);
		int64_t now = vg_mono_ns();

		if (due > now) {
			struct timespec ts = { .tv_sec = (due - now) / 1000000000,
					       .tv_nsec = (due - now) % 1000000000 };

			nanosleep(&ts, NULL);
		}
	}
}

static int64_t ns_of(struct timespec t)
{
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Records @path's state @st (and @hex) in the baseline with generation @gen. */
static void put_row(struct vg_fim_baseline *b, const char *path, size_t len, const struct stat *st,
		    const char *hex, int64_t gen)
{
	sqlite3_stmt *p = b->put;

	sqlite3_bind_blob(p, 1, path, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(p, 2, (int64_t)st->st_ino);
	sqlite3_bind_int64(p, 3, (int64_t)st->st_size);
	sqlite3_bind_int64(p, 4, ns_of(st->st_mtim));
	sqlite3_bind_int64(p, 5, ns_of(st->st_ctim));
	sqlite3_bind_int64(p, 6, st->st_mode);
	sqlite3_bind_int64(p, 7, st->st_uid);
	sqlite3_bind_int64(p, 8, st->st_gid);
	sqlite3_bind_text(p, 9, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(p, 10, gen);
	sqlite3_step(p);
	sqlite3_reset(p);
}

/* Compares one path with its baseline row, reports and records (see header). */
static void examine(struct scan *s, const char *path, size_t len, const struct stat *st)
{
	sqlite3_stmt *g = s->b->get;
	long cat = category_of(s->cfg, path, len);
	char hex[65] = "";
	const char *old_hex;
	bool found, content;
	int action = 0;

	if (cat < 0)
		return;
	s->st->files++;
	sqlite3_bind_blob(g, 1, path, (int)len, SQLITE_STATIC);
	found = sqlite3_step(g) == SQLITE_ROW;
	/* A directory's size and mtime move with its entries, which report themselves. */
	content = !found || sqlite3_column_int64(g, 0) != (int64_t)st->st_ino ||
		  (!S_ISDIR(st->st_mode) && (sqlite3_column_int64(g, 1) != (int64_t)st->st_size ||
					     sqlite3_column_int64(g, 2) != ns_of(st->st_mtim)));
	old_hex = found && sqlite3_column_text(g, 7) ? (const char *)sqlite3_column_text(g, 7) : "";
	if (content) {
		/* Reading a file of an accesses category would be an access itself. */
		if (!vg_fim_config_accesses(s->cfg, (size_t)cat))
			hash_file(s, path, st, hex);
	} else {
		snprintf(hex, sizeof(hex), "%s", old_hex);
	}
	if (!found) {
		action = VG_FILE_CREATED;
	} else if (content && (!hex[0] || strcmp(hex, old_hex) ||
			       sqlite3_column_int64(g, 0) != (int64_t)st->st_ino)) {
		action = VG_FILE_UPDATED;
	} else if ((content && !S_ISDIR(st->st_mode)) ||
		   (!S_ISDIR(st->st_mode) && sqlite3_column_int64(g, 3) != ns_of(st->st_ctim)) ||
		   sqlite3_column_int64(g, 4) != st->st_mode ||
		   sqlite3_column_int64(g, 5) != st->st_uid ||
		   sqlite3_column_int64(g, 6) != st->st_gid) {
		action = VG_FILE_ATTRIBUTES_MODIFIED;
	}
	sqlite3_reset(g);
	if (action && s->report) {
		s->emit(s->arg, (enum vg_file_action)action, path, len, (size_t)cat);
		s->st->changes++;
	}
	put_row(s->b, path, len, st, hex, s->gen);
}

static void progress(struct scan *s)
{
	int64_t now = vg_mono_ns();

	if (now - s->last_log_ns < 10000000000LL)
		return;
	s->last_log_ns = now;
	vg_log(VG_LOG_INFO, "fim: baseline scan: %llu files, %llu MB hashed, %llu changes",
	       (unsigned long long)s->st->files, (unsigned long long)(s->st->bytes_hashed >> 20),
	       (unsigned long long)s->st->changes);
}

/* Walks directory @fd (shown as @path) @depth levels down from a root. */
static void walk(struct scan *s, int fd, struct vg_strbuf *path, bool recursive, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	size_t base = path->len;

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) && !atomic_load(s->stop)) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		path->len = base;
		if (base != 1) /* not after "/" */
			vg_strbuf_addch(path, '/');
		vg_strbuf_addstr(path, e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		examine(s, path->buf, path->len, &st);
		progress(s);
		if (recursive && S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				walk(s, sub, path, true, depth + 1);
		}
	}
	path->len = base;
	path->buf[base] = '\0';
	closedir(d);
}

/* Reports and forgets the paths under @root this scan did not see. */
static void sweep(struct scan *s, const char *root)
{
	sqlite3_stmt *q = s->b->stale;
	char lo[4200], hi[4200];
	int n_lo = snprintf(lo, sizeof(lo), "%s/", strcmp(root, "/") ? root : "");
	int n_hi =
	    snprintf(hi, sizeof(hi), "%s0", strcmp(root, "/") ? root : ""); /* '0' follows '/' */
	char **gone = NULL;
	size_t n = 0;

	sqlite3_bind_blob(q, 1, lo, n_lo, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, hi, n_hi, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, s->gen);
	while (sqlite3_step(q) == SQLITE_ROW) {
		char **g = realloc(gone, (n + 1) * sizeof(*g));
		size_t len = (size_t)sqlite3_column_bytes(q, 0);

		if (!g)
			break;
		gone = g;
		gone[n] = malloc(len + 1);
		if (!gone[n])
			break;
		memcpy(gone[n], sqlite3_column_blob(q, 0), len);
		gone[n++][len] = '\0';
	}
	sqlite3_reset(q);
	for (size_t i = 0; i < n; i++) {
		long cat = category_of(s->cfg, gone[i], strlen(gone[i]));

		if (cat >= 0 && s->report) {
			s->emit(s->arg, VG_FILE_DELETED, gone[i], strlen(gone[i]), (size_t)cat);
			s->st->changes++;
		}
		sqlite3_bind_blob(s->b->drop, 1, gone[i], (int)strlen(gone[i]), SQLITE_STATIC);
		sqlite3_step(s->b->drop);
		sqlite3_reset(s->b->drop);
		free(gone[i]);
	}
	free(gone);
}

/* Scans one watch root in one transaction. */
static void scan_root(struct scan *s, const struct vg_watch *w)
{
	struct vg_strbuf path = VG_STRBUF_INIT;
	sqlite3_stmt *r = s->b->root_get;
	struct stat st;
	int fd;

	sqlite3_bind_blob(r, 1, w->path, (int)strlen(w->path), SQLITE_STATIC);
	s->report = sqlite3_step(r) == SQLITE_ROW;
	sqlite3_reset(r);
	s->st->first |= !s->report;
	sqlite3_exec(s->b->db, "BEGIN", NULL, NULL, NULL);
	vg_strbuf_addstr(&path, w->path);
	if (lstat(w->path, &st) == 0) {
		examine(s, path.buf, path.len, &st);
		fd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			walk(s, fd, &path, w->recursive, 0);
	}
	if (!atomic_load(s->stop)) { /* an interrupted walk has not seen everything */
		sweep(s, w->path);
		sqlite3_bind_blob(s->b->root_put, 1, w->path, (int)strlen(w->path), SQLITE_STATIC);
		sqlite3_step(s->b->root_put);
		sqlite3_reset(s->b->root_put);
	}
	sqlite3_exec(s->b->db, "COMMIT", NULL, NULL, NULL);
	vg_strbuf_release(&path);
}

int vg_fim_baseline_scan(struct vg_fim_baseline *b, const struct vg_fim_config *cfg,
			 uint64_t hash_max, uint64_t max_bytes_per_s, vg_fim_scan_emit_fn *emit,
			 void *arg, const atomic_bool *stop, struct vg_fim_scan_stats *st)
{
	const struct vg_watch_set *ws = vg_fim_config_watches(cfg);
	struct scan s = {
		.b = b,
		.cfg = cfg,
		.emit = emit,
		.arg = arg,
		.stop = stop,
		.st = st,
		.hash_max = hash_max,
		.rate = max_bytes_per_s,
		.t0_ns = vg_mono_ns(),
	};
	sqlite3_stmt *q = NULL;

	memset(st, 0, sizeof(*st));
	s.last_log_ns = s.t0_ns;
	if (sqlite3_prepare_v2(b->db, "SELECT coalesce(max(gen), 0) + 1 FROM baseline", -1, &q,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		s.gen = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	for (size_t i = 0; i < ws->n_watches && !atomic_load(stop); i++)
		scan_root(&s, &ws->watches[i]);
	vg_log(VG_LOG_INFO,
	       "fim: baseline scan done: %llu files, %llu MB hashed, %llu changes in %.1f s",
	       (unsigned long long)st->files, (unsigned long long)(st->bytes_hashed >> 20),
	       (unsigned long long)st->changes, (double)(vg_mono_ns() - s.t0_ns) / 1e9);
	return 0;
}

#define MAX_TOUCHED 65536 /* paths remembered between scans; past it the next scan catches up */

void vg_fim_baseline_touch(struct vg_fim_baseline *b, const char *path, size_t len)
{
	char *copy, *last;

	pthread_mutex_lock(&b->touched_lock);
	last = b->n_touched ? b->touched[b->n_touched - 1] : NULL;
	if ((last && strlen(last) == len && !memcmp(last, path, len)) || /* same file again */
	    b->n_touched == MAX_TOUCHED) {
		pthread_mutex_unlock(&b->touched_lock);
		return;
	}
	if (b->n_touched == b->alloc_touched) {
		size_t n = b->alloc_touched ? b->alloc_touched * 2 : 256;
		char **p = realloc(b->touched, n * sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&b->touched_lock);
			return;
		}
		b->touched = p;
		b->alloc_touched = n;
	}
	copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, path, len);
		copy[len] = '\0';
		b->touched[b->n_touched++] = copy;
	}
	pthread_mutex_unlock(&b->touched_lock);
}

int vg_fim_baseline_refresh(struct vg_fim_baseline *b, uint64_t hash_max)
{
	struct vg_fim_scan_stats st = { 0 };
	struct scan s = { .b = b, .st = &st, .hash_max = hash_max };
	sqlite3_stmt *q = NULL;
	int64_t gen = 0;

	if (sqlite3_prepare_v2(b->db, "SELECT coalesce(max(gen), 0) FROM baseline", -1, &q, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		gen = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_exec(b->db, "BEGIN", NULL, NULL, NULL);
	pthread_mutex_lock(&b->touched_lock);
	for (size_t i = 0; i < b->n_touched; i++) {
		const char *p = b->touched[i];
		struct stat sb;
		char hex[65];

		if (lstat(p, &sb) == 0) {
			hash_file(&s, p, &sb, hex);
			put_row(b, p, strlen(p), &sb, hex, gen);
		} else {
			sqlite3_bind_blob(b->drop, 1, p, (int)strlen(p), SQLITE_STATIC);
			sqlite3_step(b->drop);
			sqlite3_reset(b->drop);
		}
		free(b->touched[i]);
	}
	b->n_touched = 0;
	pthread_mutex_unlock(&b->touched_lock);
	sqlite3_exec(b->db, "COMMIT", NULL, NULL, NULL);
	return 0;
}
