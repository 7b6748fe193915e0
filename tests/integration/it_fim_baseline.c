// SPDX-License-Identifier: Apache-2.0
/*
 * What changed while nobody was looking: FIM stops, files change, FIM
 * starts again and reports the differences from its persisted baseline as
 * rows with source = 'scan'; a clean stop records what the kernel reported,
 * so the next start reports nothing twice.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fim.h"
#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

static struct vg_store *store;

static struct vg_fim *start(const char *dir, const char *baseline, const char *publisher)
{
	struct vg_fim_options o = { .publisher = publisher, .baseline = baseline };
	struct vg_fim *f = NULL;
	json_error_t je;
	char text[1024];
	json_t *cfg;

	snprintf(text, sizeof(text), "{\"file_paths\": {\"data\": [\"%s/%%%%\"]}}", dir);
	cfg = json_loads(text, 0, &je);
	if (!cfg || vg_fim_start(cfg, store, &o, &f))
		f = NULL;
	json_decref(cfg);
	if (f && (vg_fim_wait_scan(f, 10000) || vg_fim_sync(f, 5000))) {
		vg_fim_stop(f);
		f = NULL;
	}
	return f;
}

/* "ACTION name" lines of the scan rows after eid @after, by path. */
static char *scan_rows(const char *dir, const char *after)
{
	char sql[1024];
	struct vt_rows *r;
	char *out;
	size_t off = 0, cap = 4096;

	snprintf(sql, sizeof(sql),
		 "SELECT action, substr(target_path, %zu) FROM file_events WHERE source = 'scan' "
		 "AND eid > %s ORDER BY target_path, action",
		 strlen(dir) + 2, after);
	r = vt_query(sql, NULL);
	out = calloc(1, cap);
	for (size_t i = 0; r && i < r->n_rows; i++)
		off += (size_t)snprintf(out + off, cap - off, "%s %s\n", r->cells[2 * i],
					r->cells[2 * i + 1]);
	vt_rows_free(r);
	return out;
}

static void change_while_stopped(const char *dir)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/a", dir);
	if (vt_write_file(p, "2", 1))
		_exit(1);
	snprintf(p, sizeof(p), "%s/b", dir);
	if (chmod(p, 0600))
		_exit(1);
	snprintf(p, sizeof(p), "%s/sub/c", dir);
	if (unlink(p))
		_exit(1);
	snprintf(p, sizeof(p), "%s/e", dir);
	if (vt_write_file(p, "e", 1))
		_exit(1);
}

static void scenario(const char *publisher)
{
	char *dir = vt_tmpdir(), *db = vt_tmpdir(), baseline[600], p[600], mark[32], *got;
	struct vg_fim *f;

	VT_ASSERT_OK(vt_event_store("file_events", &store));
	snprintf(baseline, sizeof(baseline), "%s/baseline.db", db);
	snprintf(p, sizeof(p), "%s/sub", dir);
	VT_ASSERT(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/a", dir);
	VT_ASSERT_OK(vt_write_file(p, "1", 1));
	snprintf(p, sizeof(p), "%s/b", dir);
	VT_ASSERT_OK(vt_write_file(p, "b", 1));
	snprintf(p, sizeof(p), "%s/sub/c", dir);
	VT_ASSERT_OK(vt_write_file(p, "c", 1));

	/* First start: the baseline is recorded, nothing is reported. */
	f = start(dir, baseline, publisher);
	VT_ASSERT(f);
	vg_fim_stop(f);
	got = scan_rows(dir, "0");
	VT_ASSERT_STR_EQ(got, "");
	free(got);

	/* Changes while stopped are reported at the next start. */
	change_while_stopped(dir);
	snprintf(mark, sizeof(mark), "%s",
		 vt_scalar("SELECT coalesce(max(eid), 0) FROM file_events"));
	f = start(dir, baseline, publisher);
	VT_ASSERT(f);
	got = scan_rows(dir, mark);
	VT_ASSERT_STR_EQ(got, "UPDATED a\nATTRIBUTES_MODIFIED b\nCREATED e\nDELETED sub/c\n");
	free(got);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT sha256 || ' ' || hashed FROM file_events WHERE "
				   "source = 'scan' AND action = 'UPDATED' AND eid > %s",
				   mark),
			 "d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35 1");

	/* What the kernel reports while running is recorded at a clean stop... */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(vt_write_file(p, "changed", 7) ? 1 : 0); /* p is sub/c's path */
		VT_ASSERT(waitpid(pid, &st, 0) == pid);
	}
	vg_fim_sync(f, 5000);
	vg_fim_stop(f);
	/* ...so the next start has nothing to say about it. */
	snprintf(mark, sizeof(mark), "%s",
		 vt_scalar("SELECT coalesce(max(eid), 0) FROM file_events"));
	f = start(dir, baseline, publisher);
	VT_ASSERT(f);
	got = scan_rows(dir, mark);
	VT_ASSERT_STR_EQ(got, "");
	free(got);
	vg_fim_stop(f);
	vt_event_store_close("file_events", store);
	store = NULL;
	vt_rmtree(dir);
	vt_rmtree(db);
	free(dir);
	free(db);
}

VT_TEST(baseline_fanotify)
{
	scenario("fanotify");
}

VT_TEST(baseline_inotify)
{
	scenario("inotify");
}
