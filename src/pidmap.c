// SPDX-License-Identifier: Apache-2.0
/*
 * pidmap.c - what process auditing has seen of each pid (see pidmap.h).
 *
 * HOW IT WORKS: a direct-mapped table indexed by the pid's low bits, one
 * entry per slot, under one mutex (a few hundred nanoseconds per exec and
 * per lookup, far from contended). A newer process in a slot replaces the
 * older one: pids are handed out in order, so a slot is reused only after
 * PIDMAP_SLOTS other pids, long after the grace period of an exited one.
 *
 * LIMITS: an entry knows the executable as exec was given it (made
 * absolute by the lookup's caller if needed) and the uid at exec; a
 * process that changes its uid later shows the exec-time one. Processes
 * started before auditing began are not in the map.
 */
#include "pidmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/strbuf.h"

#define PIDMAP_SLOTS 32768u		/* a power of two */
#define PIDMAP_GRACE (5 * 1000000000LL) /* an exited pid is kept this long */

struct pid_slot {
	int32_t pid; /* 0: empty */
	int64_t uid;
	int64_t start_ns;
	int64_t exit_ns; /* 0: running */
	char *exe;	 /* owned, NUL-terminated */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pid_slot *slots; /* PIDMAP_SLOTS, allocated on first record */

/* The catch-up hook; never called with `lock` held (it records into the map). */
static pthread_rwlock_t hook_lock = PTHREAD_RWLOCK_INITIALIZER;
static void (*catch_up)(void *arg);
static void *catch_up_arg;

static struct pid_slot *slot_of(int32_t pid)
{
	return &slots[(uint32_t)pid & (PIDMAP_SLOTS - 1)];
}

/* Puts @pid in its slot (lock held); false when out of memory. */
static bool put(int32_t pid, const char *exe, size_t len, int64_t uid, int64_t time_ns)
{
	struct pid_slot *s;
	char *copy;

	if (!slots && !(slots = calloc(PIDMAP_SLOTS, sizeof(*slots))))
		return false;
	copy = malloc(len + 1);
	if (!copy)
		return false;
	memcpy(copy, exe, len);
	copy[len] = '\0';
	s = slot_of(pid);
	free(s->exe);
	*s = (struct pid_slot){
		.pid = pid, .uid = uid, .start_ns = time_ns, .exit_ns = 0, .exe = copy
	};
	return true;
}

void vg_pidmap_exec(int32_t pid, const char *exe, size_t len, int64_t uid, int64_t time_ns)
{
	if (pid <= 0 || !exe || !len)
		return;
	pthread_mutex_lock(&lock);
	put(pid, exe, len, uid, time_ns);
	pthread_mutex_unlock(&lock);
}

bool vg_pidmap_fork(int32_t pid, int32_t ppid, int64_t time_ns)
{
	struct pid_slot *parent;
	bool known;
	char *exe;

	if (pid <= 0 || ppid <= 0)
		return true; /* nothing to learn */
	pthread_mutex_lock(&lock);
	parent = slots ? slot_of(ppid) : NULL;
	known = parent && parent->pid == ppid && parent->exe;
	if (known && (exe = strdup(parent->exe))) { /* the slot may be the child's own */
		put(pid, exe, strlen(exe), parent->uid, time_ns);
		free(exe);
	}
	pthread_mutex_unlock(&lock);
	return known;
}

void vg_pidmap_exit(int32_t pid, int64_t time_ns)
{
	struct pid_slot *s;

	if (pid <= 0)
		return;
	pthread_mutex_lock(&lock);
	s = slots ? slot_of(pid) : NULL;
	if (s && s->pid == pid && !s->exit_ns)
		s->exit_ns = time_ns ? time_ns : 1;
	pthread_mutex_unlock(&lock);
}

static bool lookup(int32_t pid, int64_t time_ns, struct vg_strbuf *exe, int64_t *uid)
{
	const struct pid_slot *s;
	bool ok = false;

	pthread_mutex_lock(&lock);
	s = slots ? slot_of(pid) : NULL;
	/* Started before the event; not exited long before it. */
	if (s && s->pid == pid && s->start_ns <= time_ns &&
	    (!s->exit_ns || time_ns - s->exit_ns <= PIDMAP_GRACE)) {
		vg_strbuf_reset(exe);
		vg_strbuf_addstr(exe, s->exe);
		*uid = s->uid;
		ok = true;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

bool vg_pidmap_lookup(int32_t pid, int64_t time_ns, struct vg_strbuf *exe, int64_t *uid)
{
	bool ok;

	if (pid <= 0)
		return false;
	if (lookup(pid, time_ns, exe, uid))
		return true;
	pthread_rwlock_rdlock(&hook_lock);
	ok = catch_up != NULL;
	if (ok)
		catch_up(catch_up_arg);
	pthread_rwlock_unlock(&hook_lock);
	return ok && lookup(pid, time_ns, exe, uid);
}

void vg_pidmap_set_catch_up(void (*fn)(void *arg), void *arg)
{
	pthread_rwlock_wrlock(&hook_lock);
	catch_up = fn;
	catch_up_arg = arg;
	pthread_rwlock_unlock(&hook_lock);
}

void vg_pidmap_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; slots && i < PIDMAP_SLOTS; i++)
		free(slots[i].exe);
	free(slots);
	slots = NULL;
	pthread_mutex_unlock(&lock);
}
