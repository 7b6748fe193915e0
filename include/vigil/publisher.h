// SPDX-License-Identifier: Apache-2.0
/*
 * publisher.h - a kernel interface behind a small ops table (one file per
 * interface under publishers/, exporting only its ops).
 *
 * Lifecycle: probe() says whether the interface can work here; start()
 * returns the publisher's opaque state with its watches in place; the
 * core's event loop polls fd() and calls drain() when it is readable;
 * update() applies a new watch set (config reload) without dropping the
 * watches that stay; stop() releases everything (idempotent, NULL-safe).
 * A publisher only turns kernel records into events for the sink: it never
 * blocks, hashes, scans or writes the store. It counts what the kernel
 * dropped.
 */
#ifndef VIGIL_PUBLISHER_H
#define VIGIL_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_sink;

/* One directory (or file) to watch. */
struct vg_watch {
	const char *path; /* absolute, canonical */
	bool recursive;	  /* and everything below it, including directories made later */
	bool accesses;	  /* also opens and reads (file_accesses categories) */
};

/* What a process publisher captures (procmon.c sets it from flags). */
struct vg_process_options {
	bool forks;	   /* a row per new process (fork/vfork/clone), not only execs */
	uint32_t args_max; /* bytes of argv kept per exec (the rest is cut and marked) */
	uint32_t env_max;  /* bytes of the environment kept per exec; 0: none */
};

/* How a file publisher watches (fim.c sets it from flags). */
struct vg_file_options {
	uint32_t tree_dirs; /* fanotify: most directories of one recursive watch marked one by
			     * one; a bigger tree gets a filesystem mark (0: always) */
};

/* A file publisher's watches and options; a process publisher's options. */
struct vg_watch_set {
	const struct vg_watch *watches;
	size_t n_watches;
	const struct vg_file_options *file;	  /* file publishers; NULL: the defaults */
	const struct vg_process_options *process; /* process publishers only */
};

struct vg_publisher_stats {
	uint64_t received;	 /* events handed to the sink */
	uint64_t dropped_kernel; /* events the kernel dropped (queue overflows) */
	uint64_t overflows;	 /* overflow notices */
	uint64_t watches;	 /* marks or watches in place */
	uint64_t unwatched;	 /* paths that could not be watched (limits, errors) */
};

struct vg_publisher_ops {
	const char *name;
	/* 0 if usable here; -ENOSYS or -EPERM after logging why not. */
	int (*probe)(void);
	/* Starts with @ws in place; events go to @sink (borrowed until stop). */
	int (*start)(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state);
	int (*fd)(void *state);
	/* Reads until EAGAIN or @budget events; returns events read or -errno. */
	int (*drain)(void *state, unsigned budget);
	int (*update)(void *state, const struct vg_watch_set *ws);
	void (*stop)(void *state);
	void (*stats)(void *state, struct vg_publisher_stats *st);
};

extern const struct vg_publisher_ops vg_publisher_fanotify;
extern const struct vg_publisher_ops vg_publisher_inotify;
/* Process events (exec, exit, fork) from eBPF; start() reads only @ws->process
 * (NULL: the defaults). */
extern const struct vg_publisher_ops vg_publisher_bpf;
/* Process events (exec, and fork with @ws->process->forks) from Linux audit,
 * where eBPF cannot load; start() reads only @ws->process (NULL: defaults). */
extern const struct vg_publisher_ops vg_publisher_audit;

#endif
