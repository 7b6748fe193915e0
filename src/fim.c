// SPDX-License-Identifier: Apache-2.0
/*
 * fim.c - file integrity monitoring at run time (see fim.h).
 *
 * HOW IT WORKS: one reader thread polls the publisher's fd and drains it;
 * the sink callback (on that thread) matches each event to the config's
 * categories, folds repeated writes to a file that is still open into the
 * row already made for it (a write loop gives one UPDATED row per write
 * burst plus one, hashed, when the file is closed, whose `count` says how
 * many kernel events it stands for), and queues a job per
 * matching category. Worker threads take jobs and append rows; the reader
 * never stats, hashes or writes the store. The queue is bounded: when it is
 * full the reader waits, the kernel queue absorbs the burst, and an
 * overflow there is counted (and triggers a baseline scan).
 *
 * Cost under a storm of short-lived files is mostly wake-ups and path
 * lookups, so: the reader lets a burst gather for 4 ms before draining,
 * jobs move in batches of up to 256 per lock, one worker (the default)
 * keeps arrival order without turn-taking, rows of a file deleted or moved
 * away within the batch skip the lookup, and a file created and closed in
 * one batch is hashed once, on its UPDATED row.
 *
 * The config in force is swapped by vg_fim_reload() under cfg_lock, which
 * the reader holds while it matches one drained batch.
 */
#include "fim.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fim_baseline.h"
#include "fim_config.h"
#include "pubreader.h"
#include "util.h"
#include "vigil/event.h"
#include "vigil/events.h"
#include "vigil/flags.h"
#include "vigil/log.h"
#include "vigil/publisher.h"
#include "vigil/subscriber.h"

#define QUEUE_JOBS   65536u
#define OPEN_WRITES  4096u /* buckets of the set of files written and not closed yet */
#define MAX_WORKERS  8
#define DRAIN_BUDGET 4096u
#define BATCH	     256u /* jobs moved per lock, both ways */

struct open_write {
	struct open_write *next;
	uint64_t hash;
	size_t len;
	uint32_t folded; /* writes folded since the row was made */
	char path[];
};

struct vg_fim {
	const struct vg_publisher_ops *pub;
	struct vg_file_options file; /* the publisher's options (when file_set) */
	bool file_set;
	struct vg_watch_set ws; /* what watch_set() last handed the publisher */
	void *pub_state;
	struct vg_sink sink;
	struct vg_store *store;
	struct vg_pub_reader *reader;

	pthread_mutex_t cfg_lock; /* guards cfg and the open-write set */
	struct vg_fim_config *cfg;
	struct open_write *open_writes[OPEN_WRITES];
	size_t n_open_writes;

	uint64_t received, coalesced, overflows; /* under cfg_lock too */
	struct vg_file_job batch[BATCH];	 /* the reader's jobs not queued yet */
	uint64_t batch_hash[BATCH];		 /* path_hash() of each batched job's path */
	size_t n_batch;

	pthread_mutex_t q_lock; /* guards the queue, the turns and rows */
	pthread_cond_t q_nonempty, q_nonfull, q_idle, q_turn;
	struct vg_file_job *jobs;
	size_t q_head, q_len, in_flight;
	uint64_t next_seq;   /* given to the next job queued */
	uint64_t append_seq; /* the job whose row goes next */
	bool stopping;
	uint64_t rows;

	pthread_t workers[MAX_WORKERS];
	unsigned n_workers;
	uint64_t hash_max;

	/* The baseline scanner; scan_lock guards the fields after it. */
	struct vg_fim_baseline *baseline;
	pthread_t scanner;
	bool scanner_started;
	atomic_bool scan_stop;
	uint64_t scan_rate;
	pthread_mutex_t scan_lock;
	pthread_cond_t scan_cond;
	bool scan_due;
	bool scanning_now;
	json_t *scan_json;		      /* the FIM keys the next scan compiles */
	const struct vg_fim_config *scanning; /* the scanner's own compiled copy */
	uint64_t scans, scan_changes;
};

static uint64_t path_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/*
 * Finds (and with @unlink, removes) @path, whose path_hash() is @h, in the
 * open-write set (cfg_lock held). Returns its entry (NULL: absent, or
 * removed).
 */
static struct open_write *open_write_find(struct vg_fim *f, const char *path, size_t len,
					  uint64_t h, bool unlink, uint32_t *folded)
{
	struct open_write **pp = &f->open_writes[h % OPEN_WRITES];

	for (; *pp; pp = &(*pp)->next) {
		struct open_write *w = *pp;

		if (w->hash != h || w->len != len || memcmp(w->path, path, len))
			continue;
		if (folded)
			*folded = w->folded;
		if (unlink) {
			*pp = w->next;
			free(w);
			f->n_open_writes--;
			return NULL;
		}
		return w;
	}
	return NULL;
}

static void open_write_add(struct vg_fim *f, const char *path, size_t len, uint64_t h)
{
	struct open_write *w;

	if (f->n_open_writes >= 16 * OPEN_WRITES) /* bounded: then nothing is folded */
		return;
	w = malloc(sizeof(*w) + len + 1);
	if (!w)
		return;
	w->hash = h;
	w->len = len;
	w->folded = 0;
	memcpy(w->path, path, len);
	w->path[len] = '\0';
	w->next = f->open_writes[h % OPEN_WRITES];
	f->open_writes[h % OPEN_WRITES] = w;
	f->n_open_writes++;
}

static void open_writes_clear(struct vg_fim *f)
{
	for (size_t i = 0; i < OPEN_WRITES; i++) {
		while (f->open_writes[i]) {
			struct open_write *w = f->open_writes[i];

			f->open_writes[i] = w->next;
			free(w);
		}
	}
	f->n_open_writes = 0;
}

/*
 * Whether a write event is folded into a row made already: the first write
 * to a file makes a row, the next ones do not until it is closed, deleted
 * or moved (cfg_lock held). *@folded is set to the writes folded since that
 * row, which the row that ends the burst counts.
 */
static bool fold_write(struct vg_fim *f, const struct vg_file_event *ev, uint64_t h,
		       uint32_t *folded)
{
	struct open_write *w;

	*folded = 0;
	if (ev->action == VG_FILE_UPDATED && (ev->flags & VG_FILE_EV_WRITE) &&
	    !(ev->flags & VG_FILE_EV_CLOSE)) {
		w = open_write_find(f, ev->path, ev->path_len, h, false, NULL);
		if (w) {
			w->folded++;
			return true;
		}
		open_write_add(f, ev->path, ev->path_len, h);
		return false;
	}
	if (ev->action == VG_FILE_UPDATED || ev->action == VG_FILE_DELETED ||
	    ev->action == VG_FILE_MOVED_FROM)
		open_write_find(f, ev->path, ev->path_len, h, true, folded);
	return false;
}

/*
 * Queues @n jobs (waits while the queue is full) and wakes the workers once.
 * Takes ownership of the jobs' strings.
 */
static void enqueue(struct vg_fim *f, struct vg_file_job *jobs, size_t n)
{
	pthread_mutex_lock(&f->q_lock);
	for (size_t i = 0; i < n; i++) {
		while (f->q_len == QUEUE_JOBS && !f->stopping) {
			pthread_cond_broadcast(&f->q_nonempty);
			pthread_cond_wait(&f->q_nonfull, &f->q_lock);
		}
		jobs[i].seq = f->next_seq++;
		f->jobs[(f->q_head + f->q_len) % QUEUE_JOBS] = jobs[i];
		f->q_len++;
	}
	pthread_cond_broadcast(&f->q_nonempty);
	pthread_mutex_unlock(&f->q_lock);
}

/* Queues the reader's batch (the reader, under cfg_lock). */
static void flush_batch(struct vg_fim *f)
{
	if (f->n_batch)
		enqueue(f, f->batch, f->n_batch);
	f->n_batch = 0;
}

/* Adds a job (its path's hash @h) to the reader's batch (the reader, under cfg_lock). */
static void batch_add(struct vg_fim *f, struct vg_file_job *j, uint64_t h)
{
	f->batch_hash[f->n_batch] = h;
	f->batch[f->n_batch++] = *j;
	if (f->n_batch == BATCH)
		flush_batch(f);
}

/*
 * A file created and closed after writing within one batch is hashed once,
 * on its UPDATED row: the CREATED row's hash would be of a file still being
 * written, and the work twice the need (the reader, under cfg_lock).
 */
static void skip_created_hash(struct vg_fim *f, const struct vg_file_job *closed, uint64_t h)
{
	for (size_t i = f->n_batch; i-- > 0;) {
		struct vg_file_job *j = &f->batch[i];

		if (f->batch_hash[i] != h || j->path_len != closed->path_len ||
		    memcmp(j->path, closed->path, j->path_len) ||
		    strcmp(j->category, closed->category))
			continue;
		if (j->action == VG_FILE_CREATED)
			j->hash = false;
		if (j->action != VG_FILE_UPDATED) /* the story of this file starts there */
			return;
	}
}

/*
 * The earlier jobs of a path that has just been deleted or moved away need
 * not look at it: the lookup would fail (or find another file) and, in a
 * storm of short-lived files, contend with the writer for the directory.
 */
static void mark_gone(struct vg_fim *f, const char *path, size_t len, uint64_t h)
{
	for (size_t i = f->n_batch; i-- > 0;) {
		struct vg_file_job *j = &f->batch[i];

		if (f->batch_hash[i] == h && j->path_len == len && !memcmp(j->path, path, len))
			j->gone = true;
	}
}

static void on_file_event(void *ctx, const struct vg_file_event *ev)
{
	struct vg_fim *f = ctx;
	bool access = ev->action == VG_FILE_OPENED || ev->action == VG_FILE_ACCESSED;
	uint64_t h = path_hash(ev->path, ev->path_len);
	uint32_t folded;
	size_t n;

	f->received++;
	if (ev->action == VG_FILE_DELETED || ev->action == VG_FILE_MOVED_FROM)
		mark_gone(f, ev->path, ev->path_len, h);
	if (fold_write(f, ev, h, &folded)) {
		f->coalesced++;
		return;
	}
	n = vg_fim_config_n_categories(f->cfg);
	for (size_t i = 0; i < n; i++) {
		bool acc_cat = vg_fim_config_accesses(f->cfg, i);
		struct vg_file_job j = {
			.time_ns = ev->time_ns,
			.action = ev->action,
			.flags = ev->flags,
			.cookie = ev->cookie,
			.pid = ev->pid,
			.count = 1 + folded,
		};

		if ((access && !acc_cat) || !vg_fim_config_match(f->cfg, i, ev->path, ev->path_len))
			continue;
		/* Reading the file would itself be an access: accesses categories never hash. */
		j.hash = !acc_cat && !ev->is_dir &&
			 (ev->action == VG_FILE_CREATED ||
			  (ev->action == VG_FILE_UPDATED && (ev->flags & VG_FILE_EV_CLOSE)));
		if (vg_file_job_strings(&j, vg_fim_config_category(f->cfg, i), ev->path,
					ev->path_len, ev->old_path, ev->old_path_len))
			continue;
		if (j.hash && ev->action == VG_FILE_UPDATED)
			skip_created_hash(f, &j, h);
		batch_add(f, &j, h);
	}
}

/* Asks the scanner for a scan (what changed while events were lost). */
static void request_scan(struct vg_fim *f)
{
	pthread_mutex_lock(&f->scan_lock);
	f->scan_due = true;
	pthread_cond_broadcast(&f->scan_cond);
	pthread_mutex_unlock(&f->scan_lock);
}

static void on_overflow(void *ctx, const char *publisher)
{
	struct vg_fim *f = ctx;

	(void)publisher;
	f->overflows++;
	request_scan(f);
}

/* A difference the scanner found: a row like a kernel event's, source 'scan'. */
static void on_scan_change(void *arg, enum vg_file_action action, const char *path, size_t len,
			   size_t category)
{
	struct vg_fim *f = arg;
	struct vg_file_job j = {
		.time_ns = vg_now_ns(),
		.action = action,
		.pid = -1,
		.from_scan = true,
		.count = 1,
	};

	j.hash = !vg_fim_config_accesses(f->scanning, category) &&
		 (action == VG_FILE_CREATED || action == VG_FILE_UPDATED);
	j.flags = action == VG_FILE_UPDATED ? VG_FILE_EV_CLOSE : 0;
	if (vg_file_job_strings(&j, vg_fim_config_category(f->scanning, category), path, len, NULL,
				0))
		return;
	enqueue(f, &j, 1);
}

static void *scanner_main(void *arg)
{
	struct vg_fim *f = arg;

	pthread_mutex_lock(&f->scan_lock);
	while (!atomic_load(&f->scan_stop)) {
		struct vg_fim_scan_stats st;

		if (!f->scan_due) {
			pthread_cond_wait(&f->scan_cond, &f->scan_lock);
			continue;
		}
		struct vg_fim_config *cfg = NULL;
		char *err = NULL;

		f->scan_due = false;
		f->scanning_now = true;
		/* Its own copy of the config: the reader never waits for a scan. */
		if (vg_fim_config_compile(f->scan_json, &cfg, &err)) {
			free(err);
			f->scanning_now = false;
			pthread_cond_broadcast(&f->scan_cond);
			continue;
		}
		pthread_mutex_unlock(&f->scan_lock);
		f->scanning = cfg;
		vg_fim_baseline_scan(f->baseline, cfg, f->hash_max, f->scan_rate, on_scan_change, f,
				     &f->scan_stop, &st);
		f->scanning = NULL;
		vg_fim_config_free(cfg);
		pthread_mutex_lock(&f->scan_lock);
		f->scanning_now = false;
		f->scans++;
		f->scan_changes += st.changes;
		pthread_cond_broadcast(&f->scan_cond);
	}
	pthread_mutex_unlock(&f->scan_lock);
	return NULL;
}

/* The reader's drain (pubreader.c): match a burst, then queue its jobs. */
static int fim_drain(void *arg)
{
	struct vg_fim *f = arg;
	int rc;

	pthread_mutex_lock(&f->cfg_lock);
	rc = f->pub->drain(f->pub_state, DRAIN_BUDGET);
	flush_batch(f);
	pthread_mutex_unlock(&f->cfg_lock);
	if (rc < 0 && rc != -EAGAIN && rc != -EINTR)
		vg_log(VG_LOG_ERROR, "fim: %s stopped: %s", f->pub->name, strerror(-rc));
	return rc;
}

/* Rows go to the store in arrival order (see struct vg_file_turn). */
static void turn_wait(void *arg, uint64_t seq)
{
	struct vg_fim *f = arg;

	pthread_mutex_lock(&f->q_lock);
	while (f->append_seq != seq)
		pthread_cond_wait(&f->q_turn, &f->q_lock);
	pthread_mutex_unlock(&f->q_lock);
}

static void turn_done(void *arg, uint64_t seq)
{
	struct vg_fim *f = arg;

	pthread_mutex_lock(&f->q_lock);
	f->append_seq = seq + 1;
	pthread_cond_broadcast(&f->q_turn);
	pthread_mutex_unlock(&f->q_lock);
}

/* Makes one job a row (the caller releases the job). */
static int work_one(struct vg_fim *f, struct vg_file_worker *w, struct vg_file_job *j)
{
	const struct vg_file_turn turn = { .wait = turn_wait, .done = turn_done, .arg = f };
	/* One worker appends in queue order already: turns only matter for several. */
	const struct vg_file_turn *t = f->n_workers > 1 ? &turn : NULL;
	int err;

	if (w) {
		err = vg_file_events_append(w, f->store, j, t);
		if (!j->from_scan)
			vg_fim_baseline_touch(f->baseline, j->path, j->path_len);
	} else { /* keep the turns moving */
		err = -ENOMEM;
		if (t) {
			turn_wait(f, j->seq);
			turn_done(f, j->seq);
		}
	}
	return err;
}

static void *worker_main(void *arg)
{
	struct vg_fim *f = arg;
	struct vg_file_worker *w = NULL;
	struct vg_file_job one, *mine = calloc(BATCH, sizeof(*mine));
	size_t cap = BATCH;
	unsigned errors = 0;

	if (!mine) { /* a batch of one still works */
		mine = &one;
		cap = 1;
	}
	if (vg_file_worker_new(f->hash_max, &w))
		vg_log(VG_LOG_ERROR, "fim: cannot start a worker: out of memory");
	pthread_mutex_lock(&f->q_lock);
	for (;;) {
		size_t n = 0, ok = 0;

		while (!f->q_len && !f->stopping)
			pthread_cond_wait(&f->q_nonempty, &f->q_lock);
		if (!f->q_len)
			break;
		/* A batch per lock: one wake-up serves many events. */
		do {
			mine[n++] = f->jobs[f->q_head];
			f->q_head = (f->q_head + 1) % QUEUE_JOBS;
			f->q_len--;
		} while (f->q_len && n < cap && (f->n_workers == 1 || n < 16));
		f->in_flight += n;
		pthread_cond_signal(&f->q_nonfull);
		pthread_mutex_unlock(&f->q_lock);
		for (size_t i = 0; i < n; i++) {
			int err = work_one(f, w, &mine[i]);

			ok += !err;
			if (err && !errors++)
				vg_log(VG_LOG_ERROR, "fim: cannot store an event for %.200s: %s",
				       mine[i].path, strerror(-err));
			vg_file_job_release(&mine[i]);
		}
		pthread_mutex_lock(&f->q_lock);
		f->in_flight -= n;
		f->rows += ok;
		if (!f->q_len && !f->in_flight)
			pthread_cond_broadcast(&f->q_idle);
	}
	pthread_mutex_unlock(&f->q_lock);
	vg_file_worker_free(w);
	if (mine != &one)
		free(mine);
	return NULL;
}

/* @cfg's watches with the publisher options (f->ws, valid until the next call). */
static const struct vg_watch_set *watch_set(struct vg_fim *f, const struct vg_fim_config *cfg)
{
	f->ws = *vg_fim_config_watches(cfg);
	f->ws.file = f->file_set ? &f->file : NULL;
	return &f->ws;
}

/* The publisher to use: the one asked for, or the first that probes fine. */
static const struct vg_publisher_ops *pick_publisher(const char *name)
{
	if (!strcmp(name, "fanotify"))
		return vg_publisher_fanotify.probe() == 0 ? &vg_publisher_fanotify : NULL;
	if (!strcmp(name, "inotify"))
		return vg_publisher_inotify.probe() == 0 ? &vg_publisher_inotify : NULL;
	if (strcmp(name, "auto")) {
		vg_log(VG_LOG_ERROR,
		       "fim: unknown --file_events_publisher %s (auto, fanotify, "
		       "inotify)",
		       name);
		return NULL;
	}
	if (vg_publisher_fanotify.probe() == 0)
		return &vg_publisher_fanotify;
	vg_log(VG_LOG_WARN, "fim: fanotify unavailable, using inotify (no process attribution)");
	return vg_publisher_inotify.probe() == 0 ? &vg_publisher_inotify : NULL;
}

static int compile(const struct json_t *config, struct vg_fim_config **out)
{
	char *err = NULL;
	int rc = vg_fim_config_compile(config, out, &err);

	if (rc)
		vg_log(VG_LOG_ERROR, "fim: %s", err ? err : strerror(-rc));
	free(err);
	return rc;
}

/* A copy of the FIM keys of @config (an empty object for NULL), for the scanner. */
static int fim_keys_copy(const struct json_t *config, json_t **out)
{
	static const char *const keys[] = { "file_paths", "exclude_paths", "file_accesses" };
	json_t *copy = json_object();

	for (size_t i = 0; copy && config && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get((json_t *)(uintptr_t)config, keys[i]);

		if (v && json_object_set_new(copy, keys[i], json_deep_copy(v))) {
			json_decref(copy);
			copy = NULL;
		}
	}
	*out = copy;
	return copy ? 0 : -ENOMEM;
}

/* osquery_events' view of the publisher (vg_events_set_publisher()). */
static void publisher_status(void *ctx, struct vg_events_publisher_status *ps)
{
	struct vg_fim_stats st;

	vg_fim_stats(ctx, &st);
	ps->name = st.publisher;
	ps->events = st.received;
	ps->dropped_kernel = st.dropped_kernel;
	ps->overflows = st.overflows;
	ps->watches = st.watches;
	ps->unwatched = st.unwatched;
}

int vg_fim_start(const struct json_t *config, struct vg_store *store,
		 const struct vg_fim_options *o, struct vg_fim **out)
{
	struct vg_fim *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->cfg_lock, NULL);
	pthread_mutex_init(&f->q_lock, NULL);
	pthread_cond_init(&f->q_nonempty, NULL);
	pthread_cond_init(&f->q_nonfull, NULL);
	pthread_cond_init(&f->q_idle, NULL);
	pthread_cond_init(&f->q_turn, NULL);
	pthread_mutex_init(&f->scan_lock, NULL);
	pthread_cond_init(&f->scan_cond, NULL);
	atomic_init(&f->scan_stop, false);
	f->scan_rate = o->scan_bytes_per_s;
	f->store = store;
	f->jobs = calloc(QUEUE_JOBS, sizeof(*f->jobs));
	f->hash_max = o->hash_max_bytes;
	if (o->file) {
		f->file = *o->file;
		f->file_set = true;
	}
	f->sink =
	    (struct vg_sink){ .file_event = on_file_event, .overflow = on_overflow, .ctx = f };
	err = !f->jobs ? -ENOMEM : compile(config, &f->cfg);
	if (!err)
		err = fim_keys_copy(config, &f->scan_json);
	if (!err)
		err = vg_fim_baseline_open(o->baseline, &f->baseline);
	if (err)
		goto fail;
	f->pub = pick_publisher(o->publisher ? o->publisher : "auto");
	if (!f->pub) {
		err = -ENOSYS;
		goto fail;
	}
	err = f->pub->start(watch_set(f, f->cfg), &f->sink, &f->pub_state);
	if (err) {
		vg_log(VG_LOG_ERROR, "fim: cannot start %s: %s", f->pub->name, strerror(-err));
		f->pub = NULL;
		goto fail;
	}
	f->n_workers = o->workers ? (o->workers < MAX_WORKERS ? o->workers : MAX_WORKERS) : 1;
	for (unsigned i = 0; i < f->n_workers; i++)
		if (!pthread_create(&f->workers[i], NULL, worker_main, f))
			pthread_setname_np(f->workers[i], "vg-fim-worker");
	/*
	 * Let a burst gather for 4 ms: one wake-up then drains hundreds of
	 * events instead of one (a context switch costs more than the
	 * event), at 4 ms of latency (the kernel queue holds 16384).
	 */
	err = vg_pub_reader_start("vg-fim-reader", f->pub->fd(f->pub_state), 4000000, fim_drain, f,
				  &f->reader);
	if (err)
		goto fail;
	/* The first scan: what changed while vigil was not running. */
	f->scan_due = true;
	f->scanner_started = pthread_create(&f->scanner, NULL, scanner_main, f) == 0;
	if (f->scanner_started)
		pthread_setname_np(f->scanner, "vg-fim-scan");
	vg_log(VG_LOG_INFO, "fim: %s watching %zu roots", f->pub->name,
	       vg_fim_config_watches(f->cfg)->n_watches);
	vg_events_set_publisher("file_events", publisher_status, f);
	*out = f;
	return 0;
fail:
	vg_fim_stop(f);
	return err;
}

int vg_fim_reload(struct vg_fim *f, const struct json_t *config)
{
	struct vg_fim_config *cfg = NULL, *old;
	int err = compile(config, &cfg);

	if (err)
		return err;
	pthread_mutex_lock(&f->cfg_lock);
	err = f->pub->update(f->pub_state, watch_set(f, cfg));
	old = err ? cfg : f->cfg;
	if (!err)
		f->cfg = cfg;
	pthread_mutex_unlock(&f->cfg_lock);
	vg_fim_config_free(old);
	if (!err) { /* added paths get their baseline (and changed ones a report) */
		json_t *keys = NULL;

		err = fim_keys_copy(config, &keys);
		pthread_mutex_lock(&f->scan_lock);
		if (!err) {
			json_decref(f->scan_json);
			f->scan_json = keys;
		}
		pthread_mutex_unlock(&f->scan_lock);
		request_scan(f);
	}
	return err;
}

int vg_fim_wait_scan(struct vg_fim *f, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&f->scan_lock);
	while (f->scan_due && rc == 0) /* due: not taken by the scanner yet */
		rc = pthread_cond_timedwait(&f->scan_cond, &f->scan_lock, &ts);
	while (f->scanning_now && rc == 0)
		rc = pthread_cond_timedwait(&f->scan_cond, &f->scan_lock, &ts);
	pthread_mutex_unlock(&f->scan_lock);
	return rc ? -ETIMEDOUT : 0;
}

int vg_fim_sync(struct vg_fim *f, int timeout_ms)
{
	int64_t deadline = vg_mono_ns() + (int64_t)timeout_ms * 1000000;
	struct pollfd p = { .fd = f->pub->fd(f->pub_state), .events = POLLIN };

	while (vg_mono_ns() < deadline) {
		bool idle;

		pthread_mutex_lock(&f->q_lock);
		idle = !f->q_len && !f->in_flight;
		pthread_mutex_unlock(&f->q_lock);
		/* Nothing unread in the kernel (the reader holds cfg_lock while draining). */
		if (idle && poll(&p, 1, 0) == 0) {
			pthread_mutex_lock(&f->cfg_lock);
			pthread_mutex_unlock(&f->cfg_lock);
			pthread_mutex_lock(&f->q_lock);
			idle = !f->q_len && !f->in_flight;
			pthread_mutex_unlock(&f->q_lock);
			if (idle)
				return 0;
		}
		usleep(1000);
	}
	return -ETIMEDOUT;
}

void vg_fim_stats(struct vg_fim *f, struct vg_fim_stats *st)
{
	struct vg_publisher_stats ps = { 0 };

	memset(st, 0, sizeof(*st));
	/* The reader counts under cfg_lock (it holds it while draining). */
	pthread_mutex_lock(&f->cfg_lock);
	if (f->pub) {
		f->pub->stats(f->pub_state, &ps);
		st->publisher = f->pub->name;
	}
	st->received = f->received;
	st->coalesced = f->coalesced;
	st->overflows = f->overflows;
	pthread_mutex_unlock(&f->cfg_lock);
	pthread_mutex_lock(&f->q_lock);
	st->rows = f->rows;
	st->queued = f->q_len + f->in_flight;
	pthread_mutex_unlock(&f->q_lock);
	pthread_mutex_lock(&f->scan_lock);
	st->scans = f->scans;
	st->scan_changes = f->scan_changes;
	pthread_mutex_unlock(&f->scan_lock);
	st->dropped_kernel = ps.dropped_kernel;
	st->watches = ps.watches;
	st->unwatched = ps.unwatched;
}

void vg_fim_stop(struct vg_fim *f)
{
	if (!f)
		return;
	vg_events_set_publisher("file_events", NULL, NULL);
	if (f->scanner_started) {
		atomic_store(&f->scan_stop, true);
		pthread_mutex_lock(&f->scan_lock);
		pthread_cond_broadcast(&f->scan_cond);
		pthread_mutex_unlock(&f->scan_lock);
		pthread_join(f->scanner, NULL);
	}
	vg_pub_reader_stop(f->reader);
	if (f->pub)
		f->pub->stop(f->pub_state);
	pthread_mutex_lock(&f->q_lock);
	f->stopping = true; /* workers finish what is queued, then leave */
	pthread_cond_broadcast(&f->q_nonempty);
	pthread_cond_broadcast(&f->q_nonfull);
	pthread_mutex_unlock(&f->q_lock);
	for (unsigned i = 0; i < f->n_workers; i++)
		pthread_join(f->workers[i], NULL);
	/* A clean stop records what the kernel reported, so the next start is quiet. */
	if (f->baseline)
		vg_fim_baseline_refresh(f->baseline, f->hash_max);
	vg_fim_baseline_close(f->baseline);
	json_decref(f->scan_json);
	open_writes_clear(f);
	vg_fim_config_free(f->cfg);
	free(f->jobs);
	pthread_cond_destroy(&f->scan_cond);
	pthread_mutex_destroy(&f->scan_lock);
	pthread_cond_destroy(&f->q_turn);
	pthread_cond_destroy(&f->q_idle);
	pthread_cond_destroy(&f->q_nonfull);
	pthread_cond_destroy(&f->q_nonempty);
	pthread_mutex_destroy(&f->q_lock);
	pthread_mutex_destroy(&f->cfg_lock);
	free(f);
}
