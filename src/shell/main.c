// SPDX-License-Identifier: Apache-2.0
/*
 * main.c - `vigil`, the shell: parse flags, load the config, open the SQL
 * engine, run the input (a positional query, stdin, or the interactive
 * prompt) and map the outcome to an exit code (0, or 1 after any error).
 */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fim.h"
#include "procmon.h"
#include "shell.h"
#include "sql.h"
#include "util.h"
#include "vigil/config.h"
#include "vigil/events.h"
#include "vigil/flags.h"
#include "vigil/log.h"
#include "vigil/publisher.h"
#include "vigil/store.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static volatile sig_atomic_t hup_reloads;

static void on_signal(int sig)
{
	if (sig == SIGHUP && hup_reloads)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/*
 * SIGINT and SIGTERM end --follow or a stream of queries cleanly (no
 * SA_RESTART: sleeps and reads are cut short); SIGHUP re-reads the config
 * with @reload (--follow), else it ends the run too.
 */
static void catch_signals(bool reload)
{
	struct sigaction sa;

	hup_reloads = reload;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Starts file monitoring on the config in force (--enable_file_events). */
static int start_fim(struct vg_fim **out)
{
	const struct vg_config *cfg = vg_config_current();
	struct vg_fim_options o = {
		.publisher = vg_flag_str(VG_F_file_events_publisher),
		.hash_max_bytes =
		    (uint64_t)(vg_flag_int(VG_F_read_max) > 0 ? vg_flag_int(VG_F_read_max) : 0),
	};
	struct vg_store *store = vg_events_store("file_events");
	struct vg_file_options file;
	struct vg_events_options eo;
	char baseline[4200];
	int rc;

	/* The baseline lives beside file_events' store when that is on disk. */
	vg_events_options_from_flags(&eo, false);
	if (eo.database_path) {
		snprintf(baseline, sizeof(baseline), "%s/file_events/baseline.db",
			 eo.database_path);
		o.baseline = baseline;
	}
	file.tree_dirs = (uint32_t)(vg_flag_int(VG_F_file_events_tree_dirs) > 0
					? vg_flag_int(VG_F_file_events_tree_dirs)
					: 0);
	o.file = &file;
	o.scan_bytes_per_s = vg_flag_int(VG_F_file_scan_mb_per_s) > 0
				 ? (uint64_t)vg_flag_int(VG_F_file_scan_mb_per_s) << 20
				 : 0;
	if (!cfg)
		vg_log(VG_LOG_WARN, "fim: no config (--config_path): no file_paths to monitor");
	if (!store)
		return -ENOENT;
	rc = vg_fim_start(cfg ? (const struct json_t *)vg_config_json(cfg) : NULL, store, &o, out);
	return rc;
}

static void print_help(const char *argv0)
{
	printf("Usage: %s [OPTION]... [SQL STATEMENT]\n\n"
	       "Runs SQL against the host's tables; reads statements from stdin when it\n"
	       "is not a terminal, else starts an interactive prompt.\n\nFlags:\n",
	       argv0);
	for (size_t i = 0; i < vg_flags_count(); i++) {
		struct vg_flag_info f;
		char name[64];

		vg_flags_info(i, &f);
		snprintf(name, sizeof(name), "--%s%s", f.name,
			 f.type == VG_FLAG_BOOL ? "" : " VALUE");
		printf("    %-26s %s (default: \"%s\")\n", name, f.description, f.default_value);
	}
}

/* Loads the config named by --config_path; a missing default file is fine. */
static int load_config(void)
{
	int id = vg_flags_find("config_path");
	struct vg_config *cfg = NULL;
	struct vg_flag_info f;
	char *err = NULL;
	int rc;

	vg_flags_info((size_t)id, &f);
	if (f.source == VG_FLAG_FROM_DEFAULT && access(f.value, F_OK) != 0)
		return 0;
	rc = vg_config_load(f.value, &cfg, &err);
	if (!rc)
		rc = vg_config_apply_options(cfg, &err);
	if (rc) {
		vg_log(VG_LOG_ERROR, "%s", err ? err : strerror(-rc));
		free(err);
		vg_config_free(cfg);
		return rc;
	}
	vg_config_set_current(cfg);
	return 0;
}

/* What the follow loop reloads, and when it last looked. */
struct reloader {
	struct vg_fim *fim;
	int64_t last_ns;
};

/*
 * Re-reads --config_path and, when it changed, makes it the config in
 * force and hands its file_paths to FIM (watches added and removed in
 * place; paths that stay keep their events). A bad file is reported and
 * the config in force stays. "options" are read at start only.
 */
static void reload_config(struct reloader *r, bool asked)
{
	const struct vg_config *cur = vg_config_current();
	const char *path = vg_flag_str(VG_F_config_path);
	struct vg_config *cfg = NULL;
	char *err = NULL;
	int rc = vg_config_load(path, &cfg, &err);

	if (rc) {
		vg_log(VG_LOG_ERROR, "config: not reloaded, the config in force stays: %s",
		       err ? err : strerror(-rc));
		free(err);
		return;
	}
	if (cur && !strcmp(vg_config_hash(cur), vg_config_hash(cfg))) {
		if (asked)
			vg_log(VG_LOG_INFO, "config: %s is unchanged", path);
		vg_config_free(cfg);
		return;
	}
	rc = r->fim ? vg_fim_reload(r->fim, vg_config_json(cfg)) : 0;
	if (rc) {
		vg_log(VG_LOG_ERROR, "config: %s not applied: %s", path, strerror(-rc));
		vg_config_free(cfg);
		return;
	}
	vg_log(VG_LOG_INFO, "config: reloaded %s (hash %.12s)", path, vg_config_hash(cfg));
	vg_config_set_current(cfg);
}

/* Between two runs of the followed query: SIGHUP, or --config_refresh due. */
static void follow_tick(void *arg)
{
	struct reloader *r = arg;
	int64_t every = vg_flag_int(VG_F_config_refresh), now = vg_mono_ns();
	bool asked = reload_requested;

	if (!asked && (every <= 0 || now - r->last_ns < every * 1000000000LL))
		return;
	reload_requested = 0;
	r->last_ns = now;
	reload_config(r, asked);
}

/* Process auditing into process_events, as the flags ask; 0 or -1 (logged). */
static int start_procmon(struct vg_procmon **out)
{
	struct vg_store *store = vg_events_store("process_events");
	struct vg_process_options opt = {
		.forks = vg_flag_bool(VG_F_audit_allow_fork_process_events),
		.args_max = (uint32_t)vg_flag_int(VG_F_process_events_args_max),
		.env_max = (uint32_t)vg_flag_int(VG_F_process_events_env_max),
	};

	if (vg_flag_int(VG_F_process_events_args_max) < 0 ||
	    vg_flag_int(VG_F_process_events_env_max) < 0) {
		vg_log(VG_LOG_ERROR, "--process_events_args_max and --process_events_env_max "
				     "take a size in bytes (0 or more)");
		return -1;
	}
	if (!store)
		return -1;
	return vg_procmon_start(vg_flag_str(VG_F_process_events_publisher), &opt, store, out) ? -1
											      : 0;
}

int main(int argc, char **argv)
{
	struct vg_shell sh;
	struct vg_fim *fim = NULL;
	struct vg_procmon *procmon = NULL;
	sqlite3 *db = NULL;
	char *err = NULL;
	int rc = 0;

	/* As osqueryi: no events unless asked for (--disable_events=false). */
	vg_flags_set_default("disable_events", "true");
	if (vg_flags_parse_argv(&argc, argv, &err)) {
		fprintf(stderr, "vigil: %s (see --help)\n", err ? err : "bad flags");
		free(err);
		return 1;
	}
	/* Following an event query needs events. */
	if (vg_flag_bool(VG_F_follow))
		vg_flags_set_default("disable_events", "false");
	if (vg_flag_bool(VG_F_help)) {
		print_help("vigil");
		return 0;
	}
	if (vg_flag_bool(VG_F_version)) {
		printf("vigil version %s\n", VIGIL_VERSION);
		return 0;
	}
	if (vg_flag_bool(VG_F_verbose))
		vg_log_set_level(VG_LOG_DEBUG);
	if (load_config()) {
		rc = 1;
		goto out;
	}
	if (vg_flag_bool(VG_F_config_check))
		goto out;
	if (!vg_flag_bool(VG_F_disable_events)) {
		struct vg_events_options eo;

		vg_events_options_from_flags(&eo, false);
		if (vg_events_open(&eo)) {
			rc = 1;
			goto out;
		}
	}
	if (vg_sql_open(&db)) {
		rc = 1;
		goto out;
	}
	if (!vg_flag_bool(VG_F_disable_events) && vg_flag_bool(VG_F_enable_file_events) &&
	    start_fim(&fim)) {
		rc = 1;
		goto out;
	}
	if (!vg_flag_bool(VG_F_disable_events) &&
	    (vg_flag_bool(VG_F_enable_bpf_events) ||
	     (!vg_flag_bool(VG_F_disable_audit) &&
	      vg_flag_bool(VG_F_audit_allow_process_events))) &&
	    start_procmon(&procmon)) {
		rc = 1;
		goto out;
	}
	/* Process auditing holds kernel state (audit rules): SIGINT and SIGTERM
	 * end the run through the cleanup below instead of killing it. */
	if (procmon)
		catch_signals(false);
	vg_shell_init(&sh, db);
	if (vg_flag_bool(VG_F_L))
		vg_shell_dot(&sh, ".tables");
	if (*vg_flag_str(VG_F_A)) {
		char *cmd = NULL;

		if (asprintf(&cmd, ".all %s", vg_flag_str(VG_F_A)) > 0)
			vg_shell_dot(&sh, cmd);
		free(cmd);
	}
	if (vg_flag_bool(VG_F_follow)) {
		if (argc != 2) {
			vg_log(VG_LOG_ERROR, "--follow needs exactly one query");
			rc = 1;
			goto out;
		}
		struct reloader r = { .fim = fim, .last_ns = vg_mono_ns() };

		catch_signals(true);
		vg_shell_follow(&sh, argv[1], &stop_requested, follow_tick, &r);
	} else if (argc > 1) {
		for (int i = 1; i < argc && !sh.quit; i++) {
			if (argv[i][0] == '.')
				vg_shell_dot(&sh, argv[i]);
			else
				vg_shell_exec(&sh, argv[i]);
			if (sh.n_errors && sh.bail)
				break;
		}
	} else if (vg_flag_bool(VG_F_L) || *vg_flag_str(VG_F_A)) {
		/* -L / -A are whole commands */
	} else if (!isatty(STDIN_FILENO)) {
		vg_shell_run_stream(&sh, stdin);
	} else {
		vg_shell_interactive(&sh);
	}
	rc = sh.quit && sh.exit_code ? sh.exit_code : (sh.n_errors ? 1 : 0);
out:
	vg_procmon_stop(procmon);
	vg_fim_stop(fim);
	sqlite3_close(db);
	vg_events_close();
	vg_config_set_current(NULL);
	vg_flags_reset();
	return rc;
}
