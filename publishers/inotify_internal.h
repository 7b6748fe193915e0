// SPDX-License-Identifier: Apache-2.0
/*
 * inotify_internal.h - what publishers/inotify.c (events, renames, ops) and
 * publishers/inotify_tree.c (watch records, walks, roots) share: the
 * publisher's state and the tree functions the event handling calls. Private
 * to those two files.
 */
#ifndef VIGIL_INOTIFY_INTERNAL_H
#define VIGIL_INOTIFY_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/types.h>

#include "vigil/event.h"
#include "vigil/publisher.h"
#include "vigil/strbuf.h"

#define INO_BUF_BYTES	 (64 * 1024 + sizeof(struct inotify_event) + NAME_MAX + 1)
#define INO_DEPTH_MAX	 64	      /* directory levels one walk descends */
#define INO_MOVES	 64	      /* MOVED_FROMs remembered for their MOVED_TO */
#define INO_SEEN_MAX	 65536	      /* scanned paths remembered against duplicate CREATEDs */
#define INO_SEEN_BUCKETS 1024	      /* power of two */
#define INO_MIN_BUCKETS	 256	      /* power of two */
#define INO_RESYNC_NS	 1000000000LL /* at most one re-walk a second in a flood */
#define INO_ROOT_TRIES	 4	      /* attempts to catch a root appearing while we watch */

/* osquery's mask, plus the accesses for file_accesses paths. */
#define INO_BASE_MASK                                                                       \
	(IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE | IN_CREATE | IN_CLOSE_WRITE | \
	 IN_ATTRIB)
#define INO_ACCESS_MASK (IN_OPEN | IN_ACCESS)
#define INO_SELF_MASK	(IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_EXCL_UNLINK)

/* What a watched path is for (ino_want()). */
#define INO_COVERED   (1u << 0) /* inside a watch: events on its children are delivered */
#define INO_RECURSIVE (1u << 1) /* directories made inside it are watched too */
#define INO_ACCESSES  (1u << 2) /* opens and reads inside it are delivered */
#define INO_ROOT      (1u << 3) /* a watch root: its own events are delivered */
#define INO_ANCESTOR  (1u << 4) /* above a root that does not exist: waits for it */

/* One watch. */
struct ino_rec {
	struct ino_rec *wd_next;   /* chain in by_wd */
	struct ino_rec *path_next; /* chain in by_path */
	int wd;
	uint32_t mask;	/* ino_mask(flags), as the kernel has it */
	unsigned flags; /* INO_* */
	bool is_dir;
	dev_t dev; /* the watched object, to notice it leaving its path */
	ino_t ino;
	size_t path_len;
	char *path; /* absolute; owned */
};

struct ino_root {
	char *path; /* owned; no trailing slash but for "/" */
	size_t len;
	bool recursive;
	bool accesses;
};

/* A path a scan delivered CREATED for, while its IN_CREATE may still be queued. */
struct ino_seen {
	struct ino_seen *next;
	uint32_t hash;
	size_t len;
	char path[];
};

/* A MOVED_FROM waiting for its MOVED_TO. */
struct ino_move {
	uint32_t cookie; /* 0: free slot */
	size_t len;
	char *path; /* owned */
};

struct ino_state {
	int fd;
	const struct vg_sink *sink; /* borrowed until stop */
	struct ino_root *roots;
	size_t n_roots;
	struct ino_rec **by_wd; /* n_buckets chains each */
	struct ino_rec **by_path;
	size_t n_buckets;
	size_t n_recs;
	struct ino_seen *seen[INO_SEEN_BUCKETS];
	size_t n_seen;
	struct ino_move moves[INO_MOVES];
	unsigned move_next;
	struct vg_strbuf path; /* the path of the event at hand */
	int64_t now_ns;	       /* when the current buffer was read */
	int64_t max_watches;   /* fs.inotify.max_user_watches at start, -1 unknown */
	struct vg_publisher_stats stats;
	bool roots_dirty;	/* a root may have appeared or gone: ino_resolve_roots() */
	bool need_resync;	/* events were lost: ino_resync() */
	int64_t resync_mono_ns; /* when the last ino_resync() ran */
	bool logged_enospc, logged_overflow, logged_error;
	size_t buf_off, buf_len; /* unhandled records in buf (a drain budget ran out) */
	_Alignas(struct inotify_event) char buf[INO_BUF_BYTES];
};

/* inotify_tree.c, for inotify.c (each is described where it is defined). */
bool ino_under(const char *p, size_t plen, const char *dir, size_t dlen);
void ino_join(struct vg_strbuf *sb, const char *name, size_t len);
int64_t ino_sysctl(const char *name);
struct ino_rec *ino_by_wd(const struct ino_state *st, int wd);
struct ino_rec *ino_by_path(const struct ino_state *st, const char *path, size_t len);
void ino_link_path(struct ino_state *st, struct ino_rec *r);
void ino_unlink_path(struct ino_state *st, struct ino_rec *r);
int ino_grow(struct ino_state *st);
void ino_rec_free(struct ino_state *st, struct ino_rec *r, bool rm);
bool ino_parent_covered(const struct ino_state *st, const char *path, size_t len);
void ino_sync(struct ino_state *st, struct ino_rec *r);
void ino_drop_tree(struct ino_state *st, const char *path, size_t len);
void ino_prune(struct ino_state *st);
void ino_emit(struct ino_state *st, enum vg_file_action action, unsigned flags, uint32_t cookie,
	      const char *path, size_t len, const struct ino_move *from, bool is_dir);
bool ino_emit_plain(struct ino_state *st, unsigned rec_flags, uint32_t mask, const char *path,
		    size_t len, bool is_dir);
bool ino_seen_take(struct ino_state *st, const char *path, size_t len);
void ino_seen_clear(struct ino_state *st);
void ino_walk_path(struct ino_state *st, const char *path, size_t len, bool emit, bool recursive);
void ino_new_dir(struct ino_state *st, const char *path, size_t len);
void ino_root_start(struct ino_state *st, const struct ino_root *r, bool emit);
void ino_resolve_roots(struct ino_state *st);
bool ino_leads_to_root(const struct ino_state *st, const char *path, size_t len);
int ino_set_roots(struct ino_state *st, const struct vg_watch_set *ws);

/* The next record after @r in by_wd order (NULL at the end); @r may be freed after. */
static inline struct ino_rec *ino_next(const struct ino_state *st, const struct ino_rec *r)
{
	size_t b = r ? ((uint32_t)r->wd & (st->n_buckets - 1)) + 1 : 0;

	if (r && r->wd_next)
		return r->wd_next;
	for (; b < st->n_buckets; b++) {
		if (st->by_wd[b])
			return st->by_wd[b];
	}
	return NULL;
}

/* Sets *@next to the record after @r; true. Lets INO_FOREACH free @r in its body. */
static inline bool ino_step(const struct ino_state *st, const struct ino_rec *r,
			    struct ino_rec **next)
{
	*next = ino_next(st, r);
	return true;
}

#define INO_FOREACH(st, r, next) \
	for (struct ino_rec * next, *r = ino_next(st, NULL); r && ino_step(st, r, &next); r = next)

#endif
