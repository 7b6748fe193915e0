// SPDX-License-Identifier: Apache-2.0
/*
 * Who wrote a file, when the writer is gone before its row is made: with
 * process auditing on beside FIM (as `--enable_bpf_events
 * --enable_file_events` run them), a short-lived shell that writes a file
 * and exits still has its pid, executable and uid on the file_events row.
 * Real kernel: fanotify for the file, eBPF for the exec.
 */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fim.h"
#include "procmon.h"
#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

VT_TEST(short_lived_writer_is_named)
{
	struct vg_fim_options fo = { .publisher = "fanotify", .hash_max_bytes = 1 << 20 };
	struct vg_store *files = NULL, *procs = NULL;
	struct vg_procmon *pm = NULL;
	struct vg_fim *fim = NULL;
	char *dir = vt_tmpdir(), text[1024], path[600], sh[PATH_MAX], want[64];
	struct vt_rows *r;
	json_error_t je;
	json_t *cfg;
	pid_t pid;
	int st;

	snprintf(text, sizeof(text), "{\"file_paths\": {\"data\": [\"%s/%%%%\"]}}", dir);
	cfg = json_loads(text, 0, &je);
	VT_ASSERT(cfg);
	VT_ASSERT_OK(vt_event_store("process_events", &procs));
	VT_ASSERT_OK(vt_event_store("file_events", &files));
	if (vg_procmon_start("auto", NULL, procs, &pm))
		vt_skip("process auditing cannot start here");
	VT_ASSERT_OK(vg_fim_start(cfg, files, &fo, &fim));
	snprintf(path, sizeof(path), "%s/written-by-sh", dir);
	snprintf(text, sizeof(text), "echo x > '%s'", path);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", text, (char *)NULL);
		_exit(127);
	}
	/* Reaped: /proc has nothing of it when the row is made. */
	VT_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	VT_ASSERT_OK(vg_fim_sync(fim, 5000));
	snprintf(text, sizeof(text),
		 "SELECT pid, process_path, process_uid FROM file_events WHERE target_path = "
		 "'%s' AND action = 'CREATED'",
		 path);
	r = vt_query(text, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	snprintf(want, sizeof(want), "%d", (int)pid);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "pid"), want);
	VT_ASSERT(realpath("/bin/sh", sh) != NULL);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "process_path"), sh);
	snprintf(want, sizeof(want), "%d", (int)getuid());
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "process_uid"), want);
	vt_rows_free(r);
	vg_fim_stop(fim);
	vg_procmon_stop(pm);
	vt_event_store_close("file_events", files);
	vt_event_store_close("process_events", procs);
	json_decref(cfg);
	vt_rmtree(dir);
	free(dir);
}
