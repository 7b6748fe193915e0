// SPDX-License-Identifier: Apache-2.0
/*
 * flag_list.h - every flag vigil accepts, one line each (an X-macro list).
 *
 * VG_FLAG(name, type, default, scope, description)
 *   type:  BOOL, INT or STRING
 *   scope: VG_FLAG_SHELL (shell only), VG_FLAG_CLI (command line only, not
 *          settable from a config's "options"), or 0
 * Names and defaults follow osquery where osquery has the flag.
 */
/* clang-format off */
VG_FLAG(A, STRING, "", VG_FLAG_SHELL,
	"Select all from a table (as .all TABLE)")
VG_FLAG(L, BOOL, "false", VG_FLAG_SHELL,
	"List all table names (as .tables)")
VG_FLAG(audit_allow_fork_process_events, BOOL, "false", 0,
	"process_events also get a row per new process (syscall 'fork'), not only per exec")
VG_FLAG(audit_allow_process_events, BOOL, "true", 0,
	"With --disable_audit=false: process_events (vigil uses eBPF where it can)")
VG_FLAG(config_path, STRING, "/etc/vigil/vigil.conf", VG_FLAG_CLI,
	"Path to the JSON config file (osquery's format)")
VG_FLAG(config_refresh, INT, "0", 0,
	"With --follow: seconds between re-reads of --config_path (0: at start only; SIGHUP re-reads at once)")
VG_FLAG(config_check, BOOL, "false", VG_FLAG_CLI,
	"Check the format of the config and exit")
VG_FLAG(csv, BOOL, "false", VG_FLAG_SHELL,
	"Print results as RFC 4180 CSV (comma-separated unless --separator is given)")
VG_FLAG(database_path, STRING, "/var/lib/vigil", VG_FLAG_CLI,
	"Directory of the event store (the shell keeps events in memory unless given)")
VG_FLAG(disable_audit, BOOL, "true", 0,
	"Disable process auditing (osquery's flag; process_events need it false, or --enable_bpf_events)")
VG_FLAG(disable_events, BOOL, "false", 0,
	"Disable the event publishers and event tables (the shell defaults to true)")
VG_FLAG(enable_bpf_events, BOOL, "false", 0,
	"Fill process_events from eBPF (needs --disable_events=false)")
VG_FLAG(enable_file_events, BOOL, "false", 0,
	"Monitor the config's file_paths into file_events (needs --disable_events=false)")
VG_FLAG(events_expiry, INT, "3600", 0,
	"Seconds an event row is kept (rows a scheduled query has not read yet stay)")
VG_FLAG(events_fsync_ms, INT, "1000", 0,
	"How often new event rows are synced to disk, bounding what a power loss takes")
VG_FLAG(events_max, INT, "50000", 0,
	"Maximum rows kept per event table (the oldest go first; 0: no cap)")
VG_FLAG(file_events_publisher, STRING, "auto", 0,
	"Kernel interface for file_events: auto (fanotify, else inotify), fanotify, inotify")
VG_FLAG(file_events_tree_dirs, INT, "8192", 0,
	"Most directories of one recursive watch fanotify marks one by one; a bigger tree gets a filesystem mark (0: always)")
VG_FLAG(file_scan_mb_per_s, INT, "50", 0,
	"Hashing budget of the FIM baseline scans, in MB/s (0: no limit)")
VG_FLAG(flagfile, STRING, "", VG_FLAG_CLI,
	"Line-delimited file of additional flags")
VG_FLAG(follow, BOOL, "false", VG_FLAG_SHELL,
	"Print the new rows of the event query given as they arrive, until interrupted")
VG_FLAG(help, BOOL, "false", VG_FLAG_CLI,
	"Show the flags with their defaults and exit")
VG_FLAG(header, BOOL, "true", VG_FLAG_SHELL,
	"Print the header row in list, csv and column modes")
VG_FLAG(json, BOOL, "false", VG_FLAG_SHELL,
	"Print results as a JSON array of objects, values as strings")
VG_FLAG(json_pretty, BOOL, "false", VG_FLAG_SHELL,
	"Print results as indented JSON")
VG_FLAG(line, BOOL, "false", VG_FLAG_SHELL,
	"Print each column of each row on its own line")
VG_FLAG(list, BOOL, "false", VG_FLAG_SHELL,
	"Print values separated by --separator")
VG_FLAG(nullvalue, STRING, "", VG_FLAG_SHELL,
	"Text printed for NULL values")
VG_FLAG(planner, BOOL, "false", VG_FLAG_SHELL,
	"Print the query plan of each statement (EXPLAIN QUERY PLAN) to stderr")
VG_FLAG(process_events_publisher, STRING, "auto", 0,
	"Kernel interface for process_events: bpf, audit, or auto (eBPF, else Linux audit)")
VG_FLAG(process_events_args_max, INT, "8192", 0,
	"Bytes of argv kept per exec (at most 8192); a longer one is cut and marked in overflows")
VG_FLAG(process_events_env_max, INT, "0", 0,
	"Bytes of the environment kept per exec into env (0: none, environments carry secrets)")
VG_FLAG(read_max, INT, "52428800", 0,
	"Largest file hashed for file_events, in bytes (larger ones get hashed = -1)")
VG_FLAG(separator, STRING, "|", VG_FLAG_SHELL,
	"Field separator for list mode (and csv mode, when given)")
VG_FLAG(version, BOOL, "false", VG_FLAG_CLI,
	"Show the version and exit")
VG_FLAG(verbose, BOOL, "false", 0,
	"Print informational and debug messages")
/* clang-format on */
