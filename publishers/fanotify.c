// SPDX-License-Identifier: Apache-2.0
/*
 * fanotify.c - the fanotify publisher: file events that name the process
 * (pid) that caused them.
 *
 * HOW IT WORKS
 *
 * One notification group, FAN_REPORT_DFID_NAME (+ FAN_REPORT_TARGET_FID
 * where the kernel has it, 5.17+): every event carries the file handle of
 * the directory it happened in and the entry's name, never an open fd.
 *
 * Marks. A recursive watch puts an inode mark with FAN_EVENT_ON_CHILD on
 * each directory of its tree (fanotify_tree.c), so the kernel queues only
 * changes inside it; a directory made or moved into the tree is marked when
 * its event is read, then scanned (what it already holds is reported as
 * CREATED, once). A tree over the budget (vg_file_options.tree_dirs, a
 * quarter of fs.fanotify.max_user_marks in all) gets one FAN_MARK_FILESYSTEM
 * mark on its filesystem instead, which covers later directories with no
 * race but makes every change on that filesystem an event to read, resolve
 * and drop. A non-recursive watch puts an inode mark with FAN_EVENT_ON_CHILD
 * on its directory (on the parent for a file). The kernel merges all marks
 * into one event per change, and drain() keeps only events whose path lies
 * inside some watch. A watch root that does not exist waits on its nearest
 * existing ancestor: a recursive one with the filesystem mark of that
 * ancestor (which sees the root and its content appear; the tree is marked
 * once the root is there), a non-recursive one an inode mark there for
 * creations and renames. Whenever a root or one of its ancestors is created,
 * deleted or moved, reconcile() recomputes the wanted marks (mark and sweep:
 * add first, then remove what nothing wants), so marks of paths that stay
 * are never dropped. A root that appears where no filesystem mark saw it is
 * scanned, and what is inside it is reported as CREATED.
 *
 * Paths. A tree's directory knows its path from its mark record, which the
 * events keep current. Another directory handle becomes a path with
 * open_by_handle_at(O_PATH) on a mount fd of its filesystem and
 * readlink(/proc/self/fd/N), cached per handle (bounded, oldest evicted
 * first). The cache learns new directories from CREATE's target handle, is
 * fixed up when a directory moves (its descendants are dropped) and is
 * flushed after an overflow. A handle that no longer resolves (a directory
 * deleted before its events were read, unless cached) loses its event; those
 * are counted.
 *
 * Renames are one FAN_RENAME event (old and new directory + name): it
 * becomes MOVED_FROM then MOVED_TO with one cookie, MOVED_TO carrying
 * old_path. Kernels without FAN_RENAME get FAN_MOVED_FROM/FAN_MOVED_TO,
 * paired by the moved file's handle.
 *
 * Limits: what a directory made in a tree holds before vigil marks it is
 * reported by the scan as CREATED only (its writes, renames and deletions in
 * that window are not seen), as with inotify; with inode marks a rename from
 * outside a tree has no old_path. A recursive watch over the budget with
 * accesses asks its whole filesystem for FAN_OPEN/FAN_ACCESS (filtered here
 * by path), which costs in proportion to all reads on that filesystem.
 * Filesystems mounted below a recursive root are not marked. Paths resolve
 * through the first mount seen of each filesystem. A root that appears by
 * being mounted is not noticed.
 */
#include "vigil/publisher.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fanotify_internal.h"
#include "util.h"
#include "vigil/event.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

/* ---- filtering and delivery ---- */

bool vg__fan_inside(const struct fan_watch *w, const char *p, size_t n)
{
	size_t rl = w->path_len == 1 ? 0 : w->path_len; /* "/" has no separator to add */

	if (n == w->path_len && !memcmp(p, w->path, n))
		return true;
	if (n <= rl + 1 || memcmp(p, w->path, rl) || p[rl] != '/')
		return false;
	return w->recursive || !memchr(p + rl + 1, '/', n - rl - 1);
}

static bool fan_match(const struct fan_state *s, const char *p, size_t n, bool access)
{
	for (size_t i = 0; i < s->n_watches; i++)
		if ((!access || s->watches[i].accesses) && vg__fan_inside(&s->watches[i], p, n))
			return true;
	return false;
}

/* Whether directory @p is a watch root or one of a root's ancestors. */
static bool fan_is_root_or_above(const struct fan_state *s, const char *p, size_t n)
{
	for (size_t i = 0; i < s->n_watches; i++) {
		const struct fan_watch *w = &s->watches[i];

		if (n <= w->path_len && !memcmp(w->path, p, n) &&
		    (n == w->path_len || w->path[n] == '/' || n == 1))
			return true;
	}
	return false;
}

void vg__fan_emit(struct fan_state *s, enum vg_file_action a, unsigned flags,
		  const struct vg_strbuf *path, const struct vg_strbuf *old, int32_t pid,
		  bool is_dir, uint32_t cookie)
{
	struct vg_file_event ev = {
		.time_ns = s->read_ns,
		.action = a,
		.flags = flags,
		.cookie = cookie,
		.path = path->buf,
		.path_len = path->len,
		.old_path = old ? old->buf : NULL,
		.old_path_len = old ? old->len : 0,
		.pid = pid,
		.is_dir = is_dir,
	};

	if (!fan_match(s, path->buf, path->len, a == VG_FILE_OPENED || a == VG_FILE_ACCESSED))
		return;
	s->st.received++;
	if (s->sink.file_event)
		s->sink.file_event(s->sink.ctx, &ev);
}

/* ---- event parsing ---- */

/* One fid info record, split up. */
struct fan_rec {
	const unsigned char *p; /* the record, NULL if absent */
	size_t len;
};

/* The key of the handle in fid record @r, and its name (NULL for none). */
static int fan_rec_key(const struct fan_rec *r, struct fan_key *k, const char **name)
{
	uint32_t hb;

	*name = NULL;
	if (!r->p || r->len < 4 + 8 + 8)
		return -EINVAL;
	memcpy(&hb, r->p + 12, 4);
	if (hb > MAX_HANDLE_SZ || 20 + (size_t)hb > r->len)
		return -EINVAL;
	memcpy(k->b, r->p + 4, 8);
	memcpy(k->b + 8, r->p + 16, 4);
	memcpy(k->b + FAN_KEY_HDR, r->p + 20, hb);
	k->len = FAN_KEY_HDR + hb;
	if (r->p[0] != FAN_EVENT_INFO_TYPE_FID && r->p[0] != FAN_EVENT_INFO_TYPE_DFID) {
		const unsigned char *n = r->p + 20 + hb;

		if (!memchr(n, '\0', r->len - 20 - hb))
			return -EINVAL;
		*name = (const char *)n;
	}
	return 0;
}

/* The current path of the object of @k into @out (cached when a directory). */
static int fan_key_path(struct fan_state *s, const struct fan_key *k, bool cache,
			struct vg_strbuf *out)
{
	struct fan_dir *d = vg__fan_cache_find(s, k, vg__fan_hash(k->b, k->len));
	struct fan_imark *im = vg__fan_imark_find(s, k);
	struct fan_fs *fs;
	struct stat st;
	char link[32];
	int fd, err;

	vg_strbuf_reset(out);
	/* A tree's directory knows its path: the events keep it current. */
	if (im && im->is_tree && !im->is_stale) {
		vg_strbuf_add(out, im->path, im->path_len);
		return 0;
	}
	if (d) {
		vg_strbuf_add(out, d->path, d->path_len);
		return 0;
	}
	fs = vg__fan_fs_find(s, k->b);
	if (!fs)
		return -ENOENT;
	fd = vg__fan_key_open(fs, k, O_PATH);
	if (fd < 0)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	err = vg_readlink(link, out);
	/* An unlinked object reads as "path (deleted)": it has no path any more. */
	if (!err && (fstat(fd, &st) || st.st_nlink == 0 || out->buf[0] != '/'))
		err = -ESTALE;
	close(fd);
	if (!err && cache)
		vg__fan_cache_put(s, k, out->buf, out->len);
	return err;
}

/* The path of the entry a dfid(+name) record names, into @out. */
static int fan_rec_path(struct fan_state *s, const struct fan_rec *r, struct vg_strbuf *out)
{
	const char *name;
	struct fan_key k;
	int err = fan_rec_key(r, &k, &name);

	if (!err)
		err = fan_key_path(s, &k, true, out);
	if (err)
		return err;
	if (name && strcmp(name, ".")) {
		if (out->len > 1)
			vg_strbuf_addch(out, '/');
		vg_strbuf_addstr(out, name);
	}
	return 0;
}

/*
 * Counts an event whose directory was deleted before it was read, so it has
 * no path (logged first, then every 1000th). On a filesystem mark most are
 * from outside every watch, hence INFO.
 */
static void fan_lost(struct fan_state *s)
{
	if (s->n_unresolved++ % 1000 == 0)
		vg_log(VG_LOG_INFO,
		       "fanotify: %llu events had no path: their directory was deleted before "
		       "they were read",
		       (unsigned long long)s->n_unresolved);
}

static uint32_t fan_next_cookie(struct fan_state *s)
{
	if (++s->cookie == 0)
		s->cookie = 1;
	return s->cookie;
}

/*
 * A directory moved from @from to @to (either may be empty): fix the cache
 * and the tree marks (a directory moved into a tree is scanned when @scan).
 */
static void fan_dir_moved(struct fan_state *s, const struct fan_rec *fid,
			  const struct vg_strbuf *from, const struct vg_strbuf *to, bool scan)
{
	const char *name;
	struct fan_key k;

	if (from->len)
		vg__fan_cache_drop_tree(s, from->buf, from->len);
	/* What the directory holds was seen under its old path, if at all. */
	for (size_t i = 0; i < s->n_watches && to->len; i++)
		if (s->watches[i].path_len == to->len &&
		    !memcmp(s->watches[i].path, to->buf, to->len))
			s->watches[i].moved_in = true;
	if (fid->p && !fan_rec_key(fid, &k, &name)) {
		vg__fan_cache_drop(s, &k);
		if (to->len)
			vg__fan_cache_put(s, &k, to->buf, to->len);
	}
	vg__fan_tree_moved(s, from, to, scan);
}

/* FAN_RENAME: MOVED_FROM then MOVED_TO with one cookie. */
static void fan_on_rename(struct fan_state *s, const struct fan_rec *from, const struct fan_rec *to,
			  const struct fan_rec *fid, int32_t pid, bool deliver, bool is_dir)
{
	uint32_t cookie = fan_next_cookie(s);
	bool has_from = !fan_rec_path(s, from, &s->p1);
	bool has_to = !fan_rec_path(s, to, &s->p2);

	if (!has_from)
		vg_strbuf_reset(&s->p1);
	if (!has_to)
		vg_strbuf_reset(&s->p2);
	if (!has_from && !has_to)
		fan_lost(s);
	if ((has_from && fan_is_root_or_above(s, s->p1.buf, s->p1.len)) ||
	    (has_to && fan_is_root_or_above(s, s->p2.buf, s->p2.len)))
		s->is_dirty = true;
	if (deliver && has_from)
		vg__fan_emit(s, VG_FILE_MOVED_FROM, 0, &s->p1, NULL, pid, is_dir, cookie);
	if (deliver && has_to)
		vg__fan_emit(s, VG_FILE_MOVED_TO, 0, &s->p2, has_from ? &s->p1 : NULL, pid, is_dir,
			     cookie);
	if (has_from)
		vg__fan_seen_take(s, s->p1.buf, s->p1.len);
	if (is_dir)
		fan_dir_moved(s, fid, &s->p1, &s->p2, deliver);
}

/* Legacy FAN_MOVED_FROM / FAN_MOVED_TO, paired by the moved object's handle. */
static void fan_on_move(struct fan_state *s, uint64_t mask, const struct fan_rec *fid, int32_t pid,
			bool deliver, bool is_dir)
{
	struct fan_key k = { .len = 0 };
	const char *name;
	bool paired;

	if (fid->p)
		fan_rec_key(fid, &k, &name);
	if (mask & FAN_MOVED_FROM) {
		s->from_cookie = fan_next_cookie(s);
		s->from_key = k;
		vg_strbuf_reset(&s->from_path);
		vg_strbuf_add(&s->from_path, s->p1.buf, s->p1.len);
		if (deliver)
			vg__fan_emit(s, VG_FILE_MOVED_FROM, 0, &s->p1, NULL, pid, is_dir,
				     s->from_cookie);
		vg__fan_seen_take(s, s->p1.buf, s->p1.len);
		if (is_dir)
			fan_dir_moved(s, fid, &s->p1, &s->p2, deliver);
		return;
	}
	paired = s->from_cookie && s->from_key.len == k.len && !memcmp(s->from_key.b, k.b, k.len);
	if (deliver)
		vg__fan_emit(s, VG_FILE_MOVED_TO, 0, &s->p1, paired ? &s->from_path : NULL, pid,
			     is_dir, paired ? s->from_cookie : fan_next_cookie(s));
	s->from_cookie = 0;
	if (is_dir)
		fan_dir_moved(s, fid, paired ? &s->from_path : &s->p2, &s->p1, deliver);
}

/*
 * DELETE_SELF / MOVE_SELF come from inode marks: a root or an ancestor went.
 * They are reported only when nothing watches the parent (which reports the
 * same change as DELETE or RENAME).
 */
static void fan_on_self(struct fan_state *s, uint64_t mask, const struct fan_rec *dfid, int32_t pid,
			bool deliver, bool is_dir)
{
	uint64_t parent_bits = mask & FAN_DELETE_SELF ? FAN_DELETE : FAN_RENAME | FAN_MOVE;
	struct fan_imark *im;
	const char *name;
	struct fan_key k;
	char *slash;

	s->is_dirty = true;
	if (fan_rec_key(dfid, &k, &name))
		return;
	im = vg__fan_imark_find(s, &k);
	if ((mask & FAN_MOVE_SELF) && im) {
		/* A root or an ancestor moved: paths below its old place are wrong now. */
		vg__fan_tree_suspect(s, im->path, im->path_len);
		vg__fan_cache_drop_tree(s, im->path, im->path_len);
	}
	if (fan_key_path(s, &k, false, &s->p1))
		return;
	slash = memrchr(s->p1.buf, '/', s->p1.len);
	if (deliver && slash) {
		struct fan_fs *fs = vg__fan_fs_find(s, k.b);
		size_t plen = slash == s->p1.buf ? 1 : (size_t)(slash - s->p1.buf);
		bool parent_seen =
		    (fs && vg__fan_has_events(fs->mask)) || vg__fan_tree_mask(s, s->p1.buf, plen);

		/* Rare (roots and ancestors): a pass over the marks is fine. */
		for (im = s->imarks; im && !parent_seen; im = im->next)
			parent_seen = !im->is_tree && (im->mask & parent_bits) &&
				      im->path_len == plen && !memcmp(im->path, s->p1.buf, plen);
		if (!parent_seen)
			vg__fan_emit(s,
				     mask & FAN_DELETE_SELF ? VG_FILE_DELETED : VG_FILE_MOVED_FROM,
				     0, &s->p1, NULL, pid, is_dir,
				     mask & FAN_DELETE_SELF ? 0 : fan_next_cookie(s));
	}
	if (is_dir)
		vg__fan_cache_drop_tree(s, s->p1.buf, s->p1.len);
	vg__fan_cache_drop(s, &k);
}

static void fan_on_overflow(struct fan_state *s)
{
	struct vg_strbuf max = VG_STRBUF_INIT;

	s->st.overflows++;
	if (!s->overflow_logged) {
		s->overflow_logged = true;
		vg_read_file("/proc/sys/fs/fanotify/max_queued_events", 32, false, &max);
		vg_strbuf_rtrim(&max);
		vg_log(VG_LOG_WARN,
		       "fanotify: the kernel event queue (%s events) overflowed and events were "
		       "lost; vigil must drain faster, or raise "
		       "/proc/sys/fs/fanotify/max_queued_events",
		       max.len ? max.buf : "16384");
		vg_strbuf_release(&max);
	}
	/* Renames may have been lost: cached paths, tree paths and root states are suspect. */
	vg__fan_cache_clear(s);
	vg__fan_tree_suspect(s, NULL, 0);
	s->from_cookie = 0;
	s->is_dirty = true;
	if (s->sink.overflow)
		s->sink.overflow(s->sink.ctx, "fanotify");
}

/* Reports the plain actions in @mask for the path in s->p1. */
static void fan_deliver(struct fan_state *s, uint64_t mask, int32_t pid, bool is_dir)
{
	unsigned upd;

	if (mask & FAN_CREATE)
		vg__fan_emit(s, VG_FILE_CREATED, 0, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_OPEN)
		vg__fan_emit(s, VG_FILE_OPENED, 0, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_ACCESS)
		vg__fan_emit(s, VG_FILE_ACCESSED, 0, &s->p1, NULL, pid, is_dir, 0);
	upd = (mask & FAN_MODIFY ? VG_FILE_EV_WRITE : 0) |
	      (mask & FAN_CLOSE_WRITE ? VG_FILE_EV_CLOSE : 0);
	if (upd)
		vg__fan_emit(s, VG_FILE_UPDATED, upd, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_ATTRIB)
		vg__fan_emit(s, VG_FILE_ATTRIBUTES_MODIFIED, 0, &s->p1, NULL, pid, is_dir, 0);
	if (mask & FAN_DELETE)
		vg__fan_emit(s, VG_FILE_DELETED, 0, &s->p1, NULL, pid, is_dir, 0);
}

/* One event: its metadata @m and its @n bytes of info records. */
static void fan_on_event(struct fan_state *s, const struct fanotify_event_metadata *m,
			 const unsigned char *info, size_t n)
{
	struct fan_rec dfid = { NULL, 0 }, fid = { NULL, 0 }, from = { NULL, 0 }, to = { NULL, 0 };
	uint64_t mask = m->mask;
	bool deliver = m->pid != s->self, is_dir = mask & FAN_ONDIR, has_key = false, grow = false;
	int32_t pid = m->pid > 0 ? m->pid : -1;
	const char *name;
	struct fan_key k;

	if (mask & FAN_Q_OVERFLOW) {
		fan_on_overflow(s);
		return;
	}
	while (n >= sizeof(struct fanotify_event_info_header)) {
		struct fanotify_event_info_header h;

		memcpy(&h, info, sizeof(h));
		if (h.len < sizeof(h) || h.len > n)
			break;
		struct fan_rec r = { info, h.len };

		if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
		    h.info_type == FAN_EVENT_INFO_TYPE_DFID)
			dfid = r;
		else if (h.info_type == FAN_EVENT_INFO_TYPE_FID)
			fid = r;
		else if (h.info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME)
			from = r;
		else if (h.info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME)
			to = r;
		info += h.len;
		n -= h.len;
	}
	if (mask & FAN_RENAME) {
		fan_on_rename(s, &from, &to, &fid, pid, deliver, is_dir);
		return;
	}
	if (mask & (FAN_DELETE_SELF | FAN_MOVE_SELF)) {
		fan_on_self(s, mask, dfid.p ? &dfid : &fid, pid, deliver, is_dir);
		return;
	}
	vg_strbuf_reset(&s->p2);
	if (dfid.p ? fan_rec_path(s, &dfid, &s->p1) : fan_rec_path(s, &fid, &s->p1)) {
		fan_lost(s);
		return;
	}
	if ((mask & (FAN_CREATE | FAN_DELETE | FAN_MOVE)) &&
	    fan_is_root_or_above(s, s->p1.buf, s->p1.len))
		s->is_dirty = true;
	if (mask & FAN_MOVE) {
		fan_on_move(s, mask, &fid, pid, deliver, is_dir);
		return;
	}
	if (is_dir && (mask & (FAN_CREATE | FAN_DELETE)) && fid.p)
		has_key = !fan_rec_key(&fid, &k, &name);
	if (is_dir && (mask & FAN_CREATE) && has_key)
		vg__fan_cache_put(s, &k, s->p1.buf, s->p1.len);
	/* What a scan reported (and marked) already is not reported again. */
	if ((mask & FAN_CREATE) && vg__fan_seen_take(s, s->p1.buf, s->p1.len))
		mask &= ~(uint64_t)FAN_CREATE;
	else if (is_dir && (mask & FAN_CREATE))
		grow = true;
	if (mask & FAN_DELETE) {
		vg__fan_seen_take(s, s->p1.buf, s->p1.len);
		if (is_dir)
			vg__fan_tree_forget(s, has_key ? &k : NULL, &s->p1);
	}
	if (deliver)
		fan_deliver(s, mask, pid, is_dir);
	/* Marked after CREATED is reported, so what a scan finds in it comes after. */
	if (grow)
		vg__fan_tree_add(s, &s->p1, deliver);
}

/* ---- ops ---- */

/*
 * The tree budget: a quarter of the user's inode marks
 * (/proc/sys/fs/fanotify/max_user_marks; 8192 where the file is missing),
 * and @o's directories per watch (FAN_TREE_DIRS without options). Set at
 * start: an update keeps it.
 */
static void fan_tree_budget(struct fan_state *s, const struct vg_file_options *o)
{
	struct vg_strbuf v = VG_STRBUF_INIT;
	int64_t n = 8192;

	if (!vg_read_file("/proc/sys/fs/fanotify/max_user_marks", 32, false, &v)) {
		vg_strbuf_rtrim(&v);
		vg_parse_i64(v.buf, &n);
	}
	s->tree_budget = n > 0 ? (size_t)n / 4 : 0;
	s->tree_dirs = o ? o->tree_dirs : FAN_TREE_DIRS;
	vg_strbuf_release(&v);
}

static int fan_init_group(bool with_target, int *out)
{
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			 (with_target ? FAN_REPORT_DFID_NAME_TARGET : FAN_REPORT_DFID_NAME);
	int fd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	*out = fd;
	return 0;
}

static int fan_probe(void)
{
	struct fan_fs fs = { .mount_fd = -1 };
	struct fan_key k;
	int fd = -1, hfd = -1, err;

	err = fan_init_group(false, &fd);
	if (err == -EPERM) {
		vg_log(VG_LOG_WARN, "fanotify: not permitted: CAP_SYS_ADMIN is needed");
		goto out;
	}
	if (err) {
		vg_log(VG_LOG_WARN, "fanotify: the kernel lacks FAN_REPORT_DFID_NAME (5.9+): %s",
		       strerror(-err));
		err = -ENOSYS;
		goto out;
	}
	/* Paths come from file handles: open_by_handle_at needs CAP_DAC_READ_SEARCH. */
	fs.mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fs.mount_fd < 0 ? -errno : vg__fan_key_from_fd(fs.mount_fd, &k);
	if (!err) {
		hfd = vg__fan_key_open(&fs, &k, O_PATH);
		err = hfd < 0 ? hfd : 0;
	}
	if (err) {
		vg_log(VG_LOG_WARN, "fanotify: cannot resolve file handles: %s", strerror(-err));
		err = err == -EPERM ? -EPERM : -ENOSYS;
	}
out:
	if (hfd >= 0)
		close(hfd);
	if (fs.mount_fd >= 0)
		close(fs.mount_fd);
	if (fd >= 0)
		close(fd);
	return err;
}

static void fan_stop(void *state)
{
	struct fan_state *s = state;

	if (!s)
		return;
	vg__fan_cache_clear(s);
	vg__fan_seen_clear(s);
	vg__fan_marks_release(s);
	for (size_t i = 0; i < s->n_watches; i++)
		free(s->watches[i].path);
	free(s->watches);
	if (s->ep_fd >= 0)
		close(s->ep_fd);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->fan_fd >= 0)
		close(s->fan_fd); /* this drops every mark */
	free(s->buf);
	vg_strbuf_release(&s->from_path);
	vg_strbuf_release(&s->p1);
	vg_strbuf_release(&s->p2);
	vg_strbuf_release(&s->tmp);
	vg_strbuf_release(&s->walk);
	free(s);
}

static int fan_start(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct fan_state *s = NULL;
	int err;

	*state = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fan_fd = s->ep_fd = s->wake_fd = -1;
	vg_strbuf_init(&s->from_path);
	vg_strbuf_init(&s->p1);
	vg_strbuf_init(&s->p2);
	vg_strbuf_init(&s->tmp);
	vg_strbuf_init(&s->walk);
	fan_tree_budget(s, ws ? ws->file : NULL);
	s->sink = *sink;
	s->self = getpid();
	s->buf = malloc(FAN_BUF_BYTES);
	err = s->buf ? vg__fan_set_watches(s, ws) : -ENOMEM;
	if (err)
		goto out;
	s->has_target = true;
	s->has_rename = true;
	err = fan_init_group(true, &s->fan_fd);
	if (err == -EINVAL) { /* FAN_REPORT_TARGET_FID is 5.17+ */
		s->has_target = false;
		err = fan_init_group(false, &s->fan_fd);
	}
	if (err) {
		vg_log(VG_LOG_ERROR, "fanotify: cannot start: %s", strerror(-err));
		goto out;
	}
	/*
	 * FAN_RENAME (5.17+) reports both ends of a rename in one event; older
	 * kernels reject the bit (EINVAL). Any other error (a root filesystem
	 * that takes no fid marks) says nothing about it.
	 */
	if (!fanotify_mark(s->fan_fd, FAN_MARK_ADD, FAN_RENAME | FAN_ONDIR, AT_FDCWD, "/"))
		fanotify_mark(s->fan_fd, FAN_MARK_REMOVE, FAN_RENAME | FAN_ONDIR, AT_FDCWD, "/");
	else
		s->has_rename = errno != EINVAL;
	s->base_mask = FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB |
		       FAN_ONDIR | (s->has_rename ? FAN_RENAME : FAN_MOVE);
	s->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->ep_fd < 0 || s->wake_fd < 0 || fcntl(s->ep_fd, F_SETFL, O_NONBLOCK)) {
		err = -errno;
		goto out;
	}
	ev.data.fd = s->fan_fd;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, s->fan_fd, &ev)) {
		err = -errno;
		goto out;
	}
	ev.data.fd = s->wake_fd;
	if (epoll_ctl(s->ep_fd, EPOLL_CTL_ADD, s->wake_fd, &ev)) {
		err = -errno;
		goto out;
	}
	vg__fan_reconcile(s);
	*state = s;
	s = NULL;
out:
	fan_stop(s);
	return err;
}

static int fan_fd(void *state)
{
	const struct fan_state *s = state;

	return s->ep_fd;
}

/* Keeps fd() readable while read events wait in the buffer (budget reached). */
static void fan_wake(struct fan_state *s, bool on)
{
	uint64_t one = 1;

	if (on && !s->is_woken)
		s->is_woken = write(s->wake_fd, &one, sizeof(one)) == (ssize_t)sizeof(one);
	else if (!on && s->is_woken)
		s->is_woken = read(s->wake_fd, &one, sizeof(one)) != (ssize_t)sizeof(one);
}

static int fan_drain(void *state, unsigned budget)
{
	struct fan_state *s = state;
	unsigned n = 0;
	int err = 0;

	while (n < budget) {
		struct fanotify_event_metadata m;
		size_t left = s->buf_len - s->buf_off;

		if (!left) {
			ssize_t r = read(s->fan_fd, s->buf, FAN_BUF_BYTES);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno != EAGAIN)
				err = -errno;
			/* The queue is empty: every FAN_CREATE a scan raced with was read. */
			if (r < 0 && errno == EAGAIN)
				vg__fan_seen_clear(s);
			if (r <= 0)
				break;
			s->buf_len = (size_t)r;
			s->buf_off = 0;
			s->read_ns = vg_now_ns();
			continue;
		}
		memcpy(&m, s->buf + s->buf_off, left < sizeof(m) ? left : sizeof(m));
		if (left < sizeof(m) || m.event_len < m.metadata_len || m.event_len > left ||
		    m.metadata_len < sizeof(m) || m.vers != FANOTIFY_METADATA_VERSION) {
			s->buf_off = s->buf_len; /* a malformed record: drop the rest of the read */
			fan_lost(s);
			continue;
		}
		if (m.fd >= 0)
			close(m.fd);
		fan_on_event(s, &m, s->buf + s->buf_off + m.metadata_len,
			     m.event_len - m.metadata_len);
		s->buf_off += m.event_len;
		n++;
	}
	if (s->is_dirty) {
		s->is_dirty = false;
		vg__fan_reconcile(s);
	}
	fan_wake(s, s->buf_off < s->buf_len);
	if (err) {
		vg_log(VG_LOG_ERROR, "fanotify: cannot read events: %s", strerror(-err));
		return err;
	}
	return (int)n;
}

static int fan_update(void *state, const struct vg_watch_set *ws)
{
	struct fan_state *s = state;
	int err = vg__fan_set_watches(s, ws);

	if (!err)
		vg__fan_reconcile(s);
	return err;
}

static void fan_stats(void *state, struct vg_publisher_stats *st)
{
	const struct fan_state *s = state;

	*st = s->st;
}

const struct vg_publisher_ops vg_publisher_fanotify = {
	.name = "fanotify",
	.probe = fan_probe,
	.start = fan_start,
	.fd = fan_fd,
	.drain = fan_drain,
	.update = fan_update,
	.stop = fan_stop,
	.stats = fan_stats,
};
