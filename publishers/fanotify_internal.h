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
#define FAN_KEY_HDR	  12	/* fsid (8) + handle type (4) */
#define FAN_SEEN_MAX	  65536 /* scanned paths remembered against duplicate CREATEDs */
#define FAN_SEEN_BUCKETS  1024	/* a power of two */
#define FAN_TREE_DIRS	  8192	/* directories one watch may mark one by one */

#define FAN_BUF_BYTES	  (64 * 1024) /* one read(2) of events */
#define FAN_CACHE_MAX	  16384	      /* directory handles whose path is cached */
#define FAN_CACHE_BUCKETS 4096	      /* a power of two */
#define FAN_SCAN_MAX	  100000      /* entries reported for a root that appears */
#define FAN_SCAN_DEPTH	  64
#define FAN_KEY_HDR	  12 /* fsid (8) + handle type (4) */

#define FAN_ACCESS_BITS (FAN_OPEN | FAN_ACCESS)
#define FAN_FLAG_BITS	(FAN_ONDIR | FAN_EVENT_ON_CHILD)
#define FAN_GUARD_BITS	(FAN_MOVE_SELF | FAN_DELETE_SELF) /* a tree's root and its ancestors */

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
	dev_t dev;	 /* its st_dev, to keep walks on it */
	uint64_t mask;	 /* FAN_MARK_FILESYSTEM mask in place (0: none) */
	uint64_t want;	 /* what the current reconcile pass wants */
	bool was_marked; /* marked before this pass: it saw whatever appeared */
};

/*
 * One inode mark: a non-recursive root, an ancestor an absent root waits on
 * or a root's ancestor guarded against moves, or a directory of a tree (a
 * recursive watch marked directory by directory). Found by key (a hash),
 * listed for sweeps.
 */
struct fan_imark {
	struct fan_imark *next, *prev; /* every mark (s->imarks) */
	struct fan_imark *hnext;       /* bucket chain (s->im_buckets) */
	struct fan_fs *fs;
	uint64_t mask, want;
	uint32_t hash;
	bool is_tree;  /* a tree's directory: path is kept current as directories move */
	bool is_stale; /* a tree's directory whose path is in doubt until a walk visits it */
	char *path;    /* a tree's: the current path; others': for messages only */
	size_t path_len;
	struct fan_key key;
};

/* A path a scan reported as CREATED while its FAN_CREATE may still be queued. */
struct fan_seen {
	struct fan_seen *next;
	uint32_t hash;
	size_t len;
	char path[];
};

/* How a recursive watch is marked. */
enum fan_mode {
	FAN_MODE_NONE, /* not decided (new, changed, or its root went) */
	FAN_MODE_TREE, /* inode marks on each of its directories */
	FAN_MODE_FS,   /* its filesystem's mark: the tree was over the budget */
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
	enum fan_mode mode, logged_mode; /* recursive: how it is marked, and what was logged */
	struct fan_key tree_key;	 /* the root the tree was walked from */
	size_t n_dirs;			 /* directories marked by the last walk */
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
	struct fan_imark **im_buckets; /* n_im_buckets, a power of two */
	size_t n_im_buckets, n_imarks;
	size_t n_tree;	    /* marks with is_tree */
	size_t tree_budget; /* at most this many tree marks in all */
	size_t tree_dirs;   /* a watch with more directories uses the filesystem mark */
	struct fan_seen *seen[FAN_SEEN_BUCKETS];
	size_t n_seen;
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
	struct vg_strbuf walk; /* the directory a tree walk is in */
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

/* fanotify_cache.c: paths a scan reported, against duplicate CREATEDs (until the queue is empty).
 */
void vg__fan_seen_add(struct fan_state *s, const char *path, size_t len);
bool vg__fan_seen_has(struct fan_state *s, const char *path, size_t len);
/* Forgets @path; true if a scan had reported it. */
bool vg__fan_seen_take(struct fan_state *s, const char *path, size_t len);
void vg__fan_seen_clear(struct fan_state *s);

/* fanotify_marks.c: handles, filesystems, marks, and the watch set. */
/* The key of the object @fd refers to (O_PATH is fine). */
int vg__fan_key_from_fd(int fd, struct fan_key *k);
/* Opens the object of @k through @fs's mount fd with @flags. Returns an fd or -errno. */
int vg__fan_key_open(const struct fan_fs *fs, const struct fan_key *k, int flags);
struct fan_fs *vg__fan_fs_find(struct fan_state *s, const unsigned char fsid[8]);
/* The filesystem record of the object @fd (at @path), made on first use. */
int vg__fan_fs_get(struct fan_state *s, int fd, const char *path, struct fan_fs **out);
/* Wants a filesystem mark with @mask on @fs, adding what is not in place yet. */
int vg__fan_fs_want(struct fan_state *s, struct fan_fs *fs, uint64_t mask);
/* The inode mark record of @k, or NULL. O(1). */
struct fan_imark *vg__fan_imark_find(struct fan_state *s, const struct fan_key *k);
/* The record of @k, made (with no mark bits, @path copied) if there is none. */
int vg__fan_imark_get(struct fan_state *s, struct fan_fs *fs, const struct fan_key *k,
		      const char *path, size_t len, struct fan_imark **out);
/* Forgets @im (its kernel mark is not touched) and frees it. */
void vg__fan_imark_free(struct fan_state *s, struct fan_imark *im);
/* Sets whether @im is a tree's directory (counted in n_tree), its path trusted. */
void vg__fan_imark_set_tree(struct fan_state *s, struct fan_imark *im, bool is_tree);
/* Gives @im the path @path. Returns 0 or -ENOMEM. */
int vg__fan_imark_repath(struct fan_imark *im, const char *path, size_t len);
/* Adds @bits to @im's mark through directory fd @fd (-1: opened by handle). */
int vg__fan_imark_add(struct fan_state *s, struct fan_imark *im, uint64_t bits, int fd);
/* Removes @bits from @im's mark (its inode may be gone: then so is the mark). */
void vg__fan_imark_trim(struct fan_state *s, struct fan_imark *im, uint64_t bits);
/*
 * Wants an inode mark with @mask on @path (a filesystem mark instead when
 * @fs_mask) and remembers the path of a directory for its handle. Returns 0
 * or -errno.
 */
int vg__fan_mark_path(struct fan_state *s, const char *path, uint64_t mask, uint64_t fs_mask);
/* The nearest existing directory above @path, into @out. */
void vg__fan_nearest_ancestor(const char *path, struct vg_strbuf *out);
/* Whether @mask asks for events (not only flags). */
bool vg__fan_has_events(uint64_t mask);
/* Recomputes the marks from the watch set: adds what is wanted, then sweeps. */
void vg__fan_reconcile(struct fan_state *s);
/* Copies @ws into the state, keeping what is known of roots that stay. */
int vg__fan_set_watches(struct fan_state *s, const struct vg_watch_set *ws);
/* Frees every mark record and filesystem (the marks go with the group's fd). */
void vg__fan_marks_release(struct fan_state *s);

/* fanotify_tree.c: recursive watches marked directory by directory, and scans. */
/*
 * Marks the existing directory root of recursive watch @w: one inode mark
 * per directory when the tree is within budget, else its filesystem's mark.
 * Reports what it holds as CREATED when @scan. Returns 0 or -errno.
 */
int vg__fan_tree_apply(struct fan_state *s, struct fan_watch *w, bool scan);
/* The mask that tree-marked watches want on directory @p (0: none covers it). */
uint64_t vg__fan_tree_mask(const struct fan_state *s, const char *p, size_t n);
/* Reconcile: every trusted tree mark wants what the watches covering its path want. */
void vg__fan_tree_want(struct fan_state *s);
/* A directory @path appeared in a tree: marks it and what is below, scanned when @scan. */
void vg__fan_tree_add(struct fan_state *s, const struct vg_strbuf *path, bool scan);
/* A directory moved from @from to @to (either may be empty): fixes tree marks. */
void vg__fan_tree_moved(struct fan_state *s, const struct vg_strbuf *from,
			const struct vg_strbuf *to, bool scan);
/* Directory @path (handle @k when known) was deleted: forgets its tree mark. */
void vg__fan_tree_forget(struct fan_state *s, const struct fan_key *k,
			 const struct vg_strbuf *path);
/* Distrusts tree paths at or below @path (all when NULL) until a walk visits them. */
void vg__fan_tree_suspect(struct fan_state *s, const char *path, size_t len);
/* Reports CREATED for what is in directory @path (below it too when @recursive). */
void vg__fan_scan(struct fan_state *s, struct vg_strbuf *path, bool recursive, int depth,
		  size_t *n_left);

/* fanotify.c: delivery. */
/* Whether @p lies inside @w: its root, a direct child, or (recursive) anything below. */
bool vg__fan_inside(const struct fan_watch *w, const char *p, size_t n);
/* Hands an event to the sink if @path lies inside a watch (that asks for accesses, for those). */
void vg__fan_emit(struct fan_state *s, enum vg_file_action a, unsigned flags,
		  const struct vg_strbuf *path, const struct vg_strbuf *old, int32_t pid,
		  bool is_dir, uint32_t cookie);

#endif
