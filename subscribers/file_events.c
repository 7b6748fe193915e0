// SPDX-License-Identifier: Apache-2.0
/*
 * file_events.c - the `file_events` event table: osquery's columns, plus who
 * made the change (pid, process_path, process_uid), the old path of a
 * rename, where the row came from (source: kernel or scan) and the kernel's
 * time in nanoseconds.
 *
 * Rows live in the table's event store (include/vigil/events.h) and are read
 * through the event vtab with eid/time pushdown. src/fim.c matches kernel
 * events to categories and queues them; here a worker thread makes each into
 * a row: lstat for the file's metadata, MD5/SHA-1/SHA-256 in one pass for
 * CREATED and closed UPDATED files (O_NOFOLLOW|O_NONBLOCK, regular files
 * under the size cap only), and the acting process's exe and uid from
 * /proc, cached briefly per pid. A process that has exited by then is
 * named from what process auditing saw of it (src/pidmap.h) when that
 * runs; otherwise its row keeps only the pid. An UPDATED row that ends a
 * write burst has `count` > 1: the kernel events folded into it.
 */
#include "vigil/subscriber.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "pidmap.h"
#include "util.h"
#include "vigil/store.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

static const struct vg_column columns[] = {
	{ "target_path", VG_TYPE_TEXT, 0, "The path associated with the event" },
	{ "category", VG_TYPE_TEXT, 0, "The category of the file defined in the config" },
	{ "action", VG_TYPE_TEXT, 0, "Change action (UPDATE, DELETE, etc)" },
	{ "transaction_id", VG_TYPE_BIGINT, 0, "ID used during bulk update; pairs MOVED_FROM/TO" },
	{ "inode", VG_TYPE_BIGINT, 0, "Filesystem inode number" },
	{ "uid", VG_TYPE_BIGINT, 0, "Owning user ID" },
	{ "gid", VG_TYPE_BIGINT, 0, "Owning group ID" },
	{ "mode", VG_TYPE_TEXT, 0, "Permission bits" },
	{ "size", VG_TYPE_BIGINT, 0, "Size of file in bytes" },
	{ "atime", VG_TYPE_BIGINT, 0, "Last access time" },
	{ "mtime", VG_TYPE_BIGINT, 0, "Last modification time" },
	{ "ctime", VG_TYPE_BIGINT, 0, "Last status change time" },
	{ "md5", VG_TYPE_TEXT, VG_COL_NOCASE, "The MD5 of the file after change" },
	{ "sha1", VG_TYPE_TEXT, VG_COL_NOCASE, "The SHA1 of the file after change" },
	{ "sha256", VG_TYPE_TEXT, VG_COL_NOCASE, "The SHA256 of the file after change" },
	{ "hashed", VG_TYPE_INTEGER, 0,
	  "1 if the file was hashed, 0 if not, -1 if hashing failed" },
	{ "time", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Time of the change (kernel, seconds)" },
	{ "eid", VG_TYPE_TEXT, VG_COL_HIDDEN, "Event ID" },
	{ "pid", VG_TYPE_BIGINT, 0, "Process that made the change, where the kernel tells it" },
	{ "process_path", VG_TYPE_TEXT, 0, "Executable of that process" },
	{ "process_uid", VG_TYPE_BIGINT, 0, "User ID of that process" },
	{ "old_path", VG_TYPE_TEXT, 0, "For MOVED_TO: the path the file was moved from" },
	{ "source", VG_TYPE_TEXT, 0, "kernel (an event) or scan (a baseline difference)" },
	{ "count", VG_TYPE_BIGINT, 0,
	  "Kernel events the row stands for: an UPDATED row at close counts the writes folded "
	  "into it since the burst's first row" },
	{ "time_ns", VG_TYPE_BIGINT, VG_COL_ADDITIONAL, "Time of the change in nanoseconds" },
};

const struct vg_table vg_table_file_events = {
	.name = "file_events",
	.description = "Track time/action changes to files specified in configuration data",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_EVENT,
};

/* Payload columns (the table's columns but time, eid and time_ns), in order. */
enum {
	P_TARGET_PATH,
	P_CATEGORY,
	P_ACTION,
	P_TRANSACTION_ID,
	P_INODE,
	P_UID,
	P_GID,
	P_MODE,
	P_SIZE,
	P_ATIME,
	P_MTIME,
	P_CTIME,
	P_MD5,
	P_SHA1,
	P_SHA256,
	P_HASHED,
	P_PID,
	P_PROCESS_PATH,
	P_PROCESS_UID,
	P_OLD_PATH,
	P_SOURCE,
	P_EVENTS, /* the `count` column */
	P__COUNT,
};

#define PID_CACHE    64
#define PID_CACHE_NS (2 * 1000000000LL)

struct pid_entry {
	int32_t pid;
	int64_t uid;
	int64_t until_ns;
	char exe[4096];
};

struct vg_file_worker {
	struct vg_digest *dg;
	uint64_t hash_max;
	struct pid_entry pids[PID_CACHE];
};

int vg_file_job_strings(struct vg_file_job *j, const char *category, const char *path, size_t len,
			const char *old, size_t old_len)
{
	size_t cat_len = strlen(category);
	char *p = malloc(len + 1 + cat_len + 1 + (old ? old_len + 1 : 0));

	if (!p)
		return -ENOMEM;
	j->path = p;
	memcpy(p, path, len);
	p[len] = '\0';
	j->path_len = len;
	j->category = p + len + 1;
	memcpy(j->category, category, cat_len + 1);
	j->old_path = NULL;
	j->old_path_len = 0;
	if (old) {
		j->old_path = j->category + cat_len + 1;
		memcpy(j->old_path, old, old_len);
		j->old_path[old_len] = '\0';
		j->old_path_len = old_len;
	}
	return 0;
}

void vg_file_job_release(struct vg_file_job *j)
{
	free(j->path); /* the block holding all three */
	j->category = j->path = j->old_path = NULL;
}

int vg_file_worker_new(uint64_t hash_max_bytes, struct vg_file_worker **out)
{
	struct vg_file_worker *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	err = vg_digest_new(VG_DIGEST_ALL, &w->dg);
	if (err) {
		free(w);
		return err;
	}
	w->hash_max = hash_max_bytes;
	*out = w;
	return 0;
}

void vg_file_worker_free(struct vg_file_worker *w)
{
	if (!w)
		return;
	vg_digest_free(w->dg);
	free(w);
}

static struct vg_value v_int(int64_t x)
{
	return (struct vg_value){ .type = VG_VAL_INT, .v.i = x };
}

static struct vg_value v_text(const char *s, size_t len)
{
	return (struct vg_value){ .type = VG_VAL_TEXT, .len = (uint32_t)len, .v.s = s };
}

/*
 * The exe and uid that process auditing saw @pid run at @event_ns (a
 * process that has exited, or is exiting and has no exe link any more),
 * into @e; false when it did not see it.
 */
static bool pid_info_audited(struct pid_entry *e, int32_t pid, int64_t event_ns)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char *real;
	int64_t uid;
	bool ok = vg_pidmap_lookup(pid, event_ns, &sb, &uid);

	if (ok) {
		/* As /proc/<pid>/exe shows it: exec may have been given a symlink. */
		real = realpath(sb.buf, NULL);
		snprintf(e->exe, sizeof(e->exe), "%s", real ? real : sb.buf);
		free(real);
		if (e->uid < 0)
			e->uid = uid;
	}
	vg_strbuf_release(&sb);
	return ok;
}

/*
 * The exe and uid of @pid, from the cache or /proc, else from what process
 * auditing saw (a writer that exited before its row was made); NULL when
 * unknown.
 */
static const struct pid_entry *pid_info(struct vg_file_worker *w, int32_t pid, int64_t event_ns,
					int64_t now)
{
	struct pid_entry *e = &w->pids[(uint32_t)pid % PID_CACHE];
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char path[64];
	const char *uid;
	int n_read;
	ssize_t n;

	if (e->pid == pid && e->until_ns > now)
		return e;
	e->pid = -1;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, e->exe, sizeof(e->exe) - 1);
	e->exe[n > 0 ? n : 0] = '\0';
	e->uid = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n_read = vg_read_file(path, 8192, false, &sb);
	if ((n_read == 0 || n_read == -EFBIG) && (uid = strstr(sb.buf, "\nUid:")))
		e->uid = strtoll(uid + 5, NULL, 10);
	vg_strbuf_release(&sb);
	if (n <= 0 && !pid_info_audited(e, pid, event_ns) && e->uid < 0)
		return NULL; /* gone already, and not seen by process auditing */
	e->pid = pid;
	e->until_ns = now + PID_CACHE_NS;
	return e;
}

/* Hashes @path into w->dg: 1, or -1 when it cannot (not regular, too big, gone). */
static int hash_path(struct vg_file_worker *w, const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	int rc = -1;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (!w->hash_max || (uint64_t)st.st_size <= w->hash_max) &&
	    vg_digest_fd(w->dg, fd, w->hash_max) == 0)
		rc = 1;
	close(fd);
	return rc;
}

int vg_file_events_append(struct vg_file_worker *w, struct vg_store *store,
			  const struct vg_file_job *j, const struct vg_file_turn *turn)
{
	int err;
	const char *action = vg_file_action_name(j->action);
	struct vg_value v[P__COUNT];
	const struct pid_entry *pe = NULL;
	char mode[8];
	struct stat st;
	int hashed = 0;

	for (size_t i = 0; i < P__COUNT; i++)
		v[i] = (struct vg_value){ .type = VG_VAL_NULL };
	v[P_TARGET_PATH] = v_text(j->path, j->path_len);
	v[P_CATEGORY] = v_text(j->category, strlen(j->category));
	v[P_ACTION] = v_text(action, strlen(action));
	v[P_TRANSACTION_ID] = v_int(j->cookie);
	if (!j->gone && j->action != VG_FILE_DELETED && j->action != VG_FILE_MOVED_FROM &&
	    lstat(j->path, &st) == 0) {
		v[P_INODE] = v_int((int64_t)st.st_ino);
		v[P_UID] = v_int(st.st_uid);
		v[P_GID] = v_int(st.st_gid);
		vg_mode_octal(st.st_mode, mode);
		v[P_MODE] = v_text(mode, strlen(mode));
		v[P_SIZE] = v_int((int64_t)st.st_size);
		v[P_ATIME] = v_int(st.st_atim.tv_sec);
		v[P_MTIME] = v_int(st.st_mtim.tv_sec);
		v[P_CTIME] = v_int(st.st_ctim.tv_sec);
		if (j->hash)
			hashed = S_ISREG(st.st_mode) ? hash_path(w, j->path) : -1;
	} else if (j->hash) {
		hashed = -1; /* gone before it could be read */
	}
	if (hashed == 1) {
		v[P_MD5] = v_text(vg_digest_hex(w->dg, VG_DIGEST_MD5), 32);
		v[P_SHA1] = v_text(vg_digest_hex(w->dg, VG_DIGEST_SHA1), 40);
		v[P_SHA256] = v_text(vg_digest_hex(w->dg, VG_DIGEST_SHA256), 64);
	}
	v[P_HASHED] = v_int(hashed);
	v[P_PID] = v_int(j->pid);
	if (j->pid > 0 && (pe = pid_info(w, j->pid, j->time_ns, vg_mono_ns()))) {
		v[P_PROCESS_PATH] = v_text(pe->exe, strlen(pe->exe));
		v[P_PROCESS_UID] = v_int(pe->uid);
	}
	if (j->old_path)
		v[P_OLD_PATH] = v_text(j->old_path, j->old_path_len);
	v[P_SOURCE] = j->from_scan ? v_text("scan", 4) : v_text("kernel", 6);
	v[P_EVENTS] = v_int(j->count ? j->count : 1);
	if (turn)
		turn->wait(turn->arg, j->seq);
	err = vg_store_append(store, j->time_ns, v, P__COUNT, NULL);
	if (turn)
		turn->done(turn->arg, j->seq);
	return err;
}
