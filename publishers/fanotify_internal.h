// SPDX-License-Identifier: Apache-2.0
/*
 * fanotify_internal.h - what the fanotify publisher's files share: its
 * state, the handle keys, and the functions one file calls in another.
 * fanotify.c reads and dispatches events, fanotify_marks.c places marks
 * and reconciles them with the watch set, fanotify_cache.c maps directory
 * handles to paths. Everything here runs on the publisher's thread.
 */
#ifndef VIGIL_FANOTIFY_INTERNAL_H
#define VIGIL_FANOTIFY_INTERNAL_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vigil/strbuf.h"

struct stat;

#define FAN_BUF_BYTES	  (64 * 1024) /* one read(2) of events */
#define FAN_CACHE_MAX	  16384	      /* directory handles whose path is cached */
#define FAN_CACHE_BUCKETS 4096	      /* a power of two */
#define FAN_SCAN_MAX	  100000      /* entries reported for a root that appears */
#define FAN_SCAN_DEPTH	  64
#define FAN_KEY_HDR	  12 /* fsid (8) + handle type (4) */

#define FAN_ACCESS_BITS (FAN_OPEN | FAN_ACCESS)
#define FAN_FLAG_BITS	(FAN_ONDIR | FAN_EVENT_ON_CHILD)

#define FAN_BUF_BYTES	  (64 * 1024) /* one read(2) of events */
#define FAN_CACHE_MAX	  16384	      /* directory handles whose path is cached */
#define FAN_CACHE_BUCKETS 4096	      /* a power of two */
#define FAN_SCAN_MAX	  100000      /* entries reported for a root that appears */
#define FAN_SCAN_DEPTH	  64
#define FAN_KEY_HDR	  12 /* fsid (8) + handle type (4) */

#define FAN_ACCESS_BITS (FAN_OPEN | FAN_ACCESS)
#define FAN_FLAG_BITS	(FAN_ONDIR | FAN_EVENT_ON_CHILD)

/* A file handle as a flat key: fsid, handle type, handle bytes. */
struct fan_key {
	size_t len;
	unsigned char b[FAN_KEY_HDR + MAX_HANDLE_SZ];
};

/* A cached directory path, keyed by its handle (trailing key bytes). */
struct fan_dir {
	struct fan_dir *hnext;	       /* bucket chain */
	struct fan_dir *older, *newer; /* eviction order */
	char *path;
	size_t path_len;
	uint32_t hash;
	uint32_t key_len;
	unsigned char key[];
};

/* One filesystem: a mount fd to resolve its handles, maybe a filesystem mark. */
struct fan_fs {
	struct fan_fs *next;
	unsigned char fsid[8];
	int mount_fd;	 /* root of the mount its paths resolve through */
	uint64_t mask;	 /* FAN_MARK_FILESYSTEM mask in place (0: none) */
	uint64_t want;	 /* what the current reconcile pass wants */
	bool was_marked; /* marked before this pass: it saw whatever appeared */
};

/* One inode mark: a non-recursive root, or the ancestor an absent root waits on. */
struct fan_imark {
	struct fan_imark *next;
	struct fan_fs *fs;
	uint64_t mask, want;
	char *path; /* for messages only: the inode may have moved */
	struct fan_key key;
};

/* One watch of the current set (an owned copy). */
struct fan_watch {
	char *path;
	size_t path_len;
	bool recursive, accesses;
	bool is_new;	 /* not applied yet: no CREATED scan for what exists */
	bool is_present; /* the root existed at the last reconcile */
	bool is_failed;	 /* could not be watched (logged once) */
	bool moved_in;	 /* a directory was renamed onto the root: scan what it holds */
};

struct fan_state {
	int fan_fd, ep_fd, wake_fd;
	bool is_woken; /* wake_fd is signalled: buffered events remain */
	struct vg_sink sink;
	pid_t self;
	uint64_t base_mask; /* changes, with FAN_RENAME or FAN_MOVE */
	bool has_rename, has_target;
	struct fan_watch *watches;
	size_t n_watches;
	struct fan_fs *fss;
	struct fan_imark *imarks;
	struct fan_dir *buckets[FAN_CACHE_BUCKETS];
	struct fan_dir *oldest, *newest;
	size_t n_dirs;
	unsigned char *buf; /* FAN_BUF_BYTES; events [buf_off, buf_len) not handled yet */
	size_t buf_len, buf_off;
	int64_t read_ns;
	uint32_t cookie;
	struct fan_key from_key; /* legacy FAN_MOVED_FROM waiting for its MOVED_TO */
	struct vg_strbuf from_path;
	uint32_t from_cookie;
	bool is_dirty; /* a root or its ancestor changed: reconcile after the batch */
	bool overflow_logged;
	struct vg_publisher_stats st;
	uint64_t n_unresolved; /* events lost because a handle no longer resolved */
	struct vg_strbuf p1, p2, tmp;
};

/* fanotify_cache.c: the directory path cache (bounded, oldest evicted first). */
uint32_t vg__fan_hash(const unsigned char *b, size_t n);
struct fan_dir *vg__fan_cache_find(struct fan_state *s, const struct fan_key *k, uint32_t h);
/* Remembers @path for the directory handle @k (replacing what was there). */
void vg__fan_cache_put(struct fan_state *s, const struct fan_key *k, const char *path, size_t len);
void vg__fan_cache_drop(struct fan_state *s, const struct fan_key *k);
/* Drops every cached directory at or below @path (it moved or was deleted). */
void vg__fan_cache_drop_tree(struct fan_state *s, const char *path, size_t len);
void vg__fan_cache_clear(struct fan_state *s);

/* fanotify_marks.c: handles, filesystems, marks, and the watch set. */
/* The key of the object @fd refers to (O_PATH is fine). */
int vg__fan_key_from_fd(int fd, struct fan_key *k);
/* Opens the object of @k through @fs's mount fd with @flags. Returns an fd or -errno. */
int vg__fan_key_open(const struct fan_fs *fs, const struct fan_key *k, int flags);
struct fan_fs *vg__fan_fs_find(struct fan_state *s, const unsigned char fsid[8]);
/* Whether @mask asks for events (not only flags). */
bool vg__fan_has_events(uint64_t mask);
/* Recomputes the marks from the watch set: adds what is wanted, then sweeps. */
void vg__fan_reconcile(struct fan_state *s);
/* Copies @ws into the state, keeping what is known of roots that stay. */
int vg__fan_set_watches(struct fan_state *s, const struct vg_watch_set *ws);
/* Frees every mark record and filesystem (the marks go with the group's fd). */
void vg__fan_marks_release(struct fan_state *s);

/* fanotify.c: delivery. */
/* Hands an event to the sink if @path lies inside a watch (that asks for accesses, for those). */
void vg__fan_emit(struct fan_state *s, enum vg_file_action a, unsigned flags,
		  const struct vg_strbuf *path, const struct vg_strbuf *old, int32_t pid,
		  bool is_dir, uint32_t cookie);

#endif
