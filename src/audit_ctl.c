// SPDX-License-Identifier: Apache-2.0
/*
 * audit_ctl.c - audit status, daemon registration and keyed rules over
 * libaudit (see audit_ctl.h).
 *
 * HOW IT WORKS: libaudit sends each request and checks the kernel's ack;
 * answers (AUDIT_GET, AUDIT_LIST_RULES) are read here with a poll()
 * deadline, skipping acks that arrive before or after them (the kernel
 * sends some answers from a worker thread). Rules are built by hand as
 * struct audit_rule_data: the syscall bits, then arch=, success=1 and
 * key= fields, the same rule `auditctl -a always,exit -F arch=b64 -S execve
 * -F success=1 -k KEY` makes. Deleting needs the identical rule, so the
 * publisher keeps what it added; a purge by key lists the rules in force
 * and deletes the listed copies.
 *
 * LIMITS: libaudit's own messages are silenced (errors come back as codes
 * and are logged by the caller). Only exit-filter rules are purged.
 */
#include "audit_ctl.h"

#include <errno.h>
#include <libaudit.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define CTL_TIMEOUT_MS 1000

int vg_audit_ctl_open(int *fd)
{
	int s;

	set_aumessage_mode(MSG_QUIET, DBG_NO);
	s = audit_open();
	if (s < 0)
		return errno ? -errno : -ENOSYS;
	*fd = s;
	return 0;
}

/* The next message on @fd within the deadline into @rep: 0 or -errno. */
static int ctl_reply(int fd, struct audit_reply *rep)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int rc = poll(&p, 1, CTL_TIMEOUT_MS);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -errno;
		if (rc == 0)
			return -ETIMEDOUT;
		rc = audit_get_reply(fd, rep, GET_REPLY_NONBLOCKING, 0);
		if (rc == -EAGAIN || rc == -EINTR)
			continue;
		return rc > 0 ? 0 : rc < 0 ? rc : -EPROTO;
	}
}

int vg_audit_ctl_status(int fd, struct vg_audit_status *st)
{
	struct audit_reply rep;
	int rc = audit_request_status(fd);

	if (rc < 0)
		return rc;
	for (;;) {
		rc = ctl_reply(fd, &rep);
		if (rc)
			return rc;
		if (rep.type == NLMSG_ERROR && rep.error->error)
			return rep.error->error;
		if (rep.type != AUDIT_GET ||
		    rep.len < (int)NLMSG_LENGTH(offsetof(struct audit_status, backlog) +
						sizeof(uint32_t)))
			continue;
		st->enabled = rep.status->enabled;
		st->pid = rep.status->pid;
		st->backlog_limit = rep.status->backlog_limit;
		st->lost = rep.status->lost;
		st->backlog = rep.status->backlog;
		return 0;
	}
}

int vg_audit_ctl_set_pid(int fd, uint32_t pid)
{
	int rc = audit_set_pid(fd, pid, WAIT_NO);

	return rc < 0 ? rc : 0;
}

int vg_audit_ctl_set_enabled(int fd, uint32_t enabled)
{
	int rc = audit_set_enabled(fd, enabled);

	return rc < 0 ? rc : 0;
}

int vg_audit_ctl_set_backlog_limit(int fd, uint32_t limit)
{
	int rc = audit_set_backlog_limit(fd, limit);

	return rc < 0 ? rc : 0;
}

/* Appends field @field == @value to @r. */
static void rule_field(struct audit_rule_data *r, uint32_t field, uint32_t value)
{
	r->fields[r->field_count] = field;
	r->values[r->field_count] = value;
	r->fieldflags[r->field_count] = AUDIT_EQUAL;
	r->field_count++;
}

struct audit_rule_data *vg_audit_rule_new(int machine, const char *const *syscalls, const char *key)
{
	size_t key_len = strlen(key);
	struct audit_rule_data *r = calloc(1, sizeof(*r) + key_len);
	unsigned n = 0;

	if (!r)
		return NULL;
	for (size_t i = 0; syscalls[i]; i++) {
		int nr = audit_name_to_syscall(syscalls[i], machine);

		if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32)
			continue;
		r->mask[nr / 32] |= 1u << (nr % 32);
		n++;
	}
	if (!n) {
		free(r);
		return NULL;
	}
	r->flags = AUDIT_FILTER_EXIT;
	r->action = AUDIT_ALWAYS;
	rule_field(r, AUDIT_ARCH, audit_machine_to_elf(machine));
	rule_field(r, AUDIT_SUCCESS, 1); /* AUDITSC_SUCCESS: failed calls are not logged */
	rule_field(r, AUDIT_FILTERKEY, (uint32_t)key_len);
	memcpy(r->buf, key, key_len);
	r->buflen = (uint32_t)key_len;
	return r;
}

int vg_audit_ctl_add_rule(int fd, struct audit_rule_data *r)
{
	int rc = audit_add_rule_data(fd, r, (int)r->flags, (int)r->action);

	return rc < 0 ? rc : 0;
}

int vg_audit_ctl_del_rule(int fd, struct audit_rule_data *r)
{
	int rc = audit_delete_rule_data(fd, r, (int)r->flags, (int)r->action);

	return rc < 0 ? rc : 0;
}

/* Whether field @f of a listed rule holds text in its buf (values[] is then its length). */
static bool is_string_field(uint32_t f)
{
	switch (f) {
	case AUDIT_SUBJ_USER:
	case AUDIT_SUBJ_ROLE:
	case AUDIT_SUBJ_TYPE:
	case AUDIT_SUBJ_SEN:
	case AUDIT_SUBJ_CLR:
	case AUDIT_OBJ_USER:
	case AUDIT_OBJ_ROLE:
	case AUDIT_OBJ_TYPE:
	case AUDIT_OBJ_LEV_LOW:
	case AUDIT_OBJ_LEV_HIGH:
	case AUDIT_WATCH:
	case AUDIT_DIR:
	case AUDIT_FILTERKEY:
	case AUDIT_EXE:
		return true;
	default:
		return false;
	}
}

/* Whether listed rule @r (@len bytes) carries @key among its keys (separated by 0x01). */
static bool rule_has_key(const struct audit_rule_data *r, size_t len, const char *key)
{
	size_t off = 0, key_len = strlen(key);

	if (len < sizeof(*r) || r->field_count > AUDIT_MAX_FIELDS || r->buflen > len - sizeof(*r))
		return false;
	for (uint32_t i = 0; i < r->field_count; i++) {
		const char *k;
		size_t n;

		if (!is_string_field(r->fields[i]))
			continue;
		n = r->values[i];
		if (n > r->buflen - off)
			return false;
		k = r->buf + off;
		off += n;
		while (r->fields[i] == AUDIT_FILTERKEY && n) {
			const char *sep = memchr(k, AUDIT_KEY_SEPARATOR, n);
			size_t part = sep ? (size_t)(sep - k) : n;

			if (part == key_len && !memcmp(k, key, key_len))
				return true;
			k += part + (sep ? 1 : 0);
			n -= part + (sep ? 1 : 0);
		}
	}
	return false;
}

int vg_audit_ctl_purge_key(int fd, const char *key)
{
	struct audit_rule_data **found = NULL;
	struct audit_reply rep;
	size_t n_found = 0, cap = 0;
	int rc, removed = 0;

	rc = audit_request_rules_list_data(fd);
	if (rc < 0)
		return rc;
	for (;;) {
		size_t len;

		rc = ctl_reply(fd, &rep);
		if (rc)
			goto out;
		if (rep.type == NLMSG_DONE)
			break;
		if (rep.type == NLMSG_ERROR && rep.error->error) {
			rc = rep.error->error;
			goto out;
		}
		if (rep.type != AUDIT_LIST_RULES || rep.len < (int)NLMSG_HDRLEN)
			continue;
		len = (size_t)rep.len - NLMSG_HDRLEN;
		if (len > sizeof(rep.msg.data))
			len = sizeof(rep.msg.data);
		if (!rule_has_key(rep.ruledata, len, key) ||
		    rep.ruledata->flags != AUDIT_FILTER_EXIT)
			continue;
		if (n_found == cap) {
			struct audit_rule_data **more;

			cap = cap ? cap * 2 : 8;
			more = realloc(found, cap * sizeof(*found));
			if (!more) {
				rc = -ENOMEM;
				goto out;
			}
			found = more;
		}
		found[n_found] = malloc(len);
		if (!found[n_found]) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(found[n_found++], rep.ruledata, len);
	}
	/* Deleted after the listing ends: the kernel sends it from a snapshot anyway. */
	for (size_t i = 0; i < n_found; i++) {
		rc = vg_audit_ctl_del_rule(fd, found[i]);
		if (rc && rc != -ENOENT)
			goto out;
		removed++;
	}
	rc = removed;
out:
	for (size_t i = 0; i < n_found; i++)
		free(found[i]);
	free(found);
	return rc;
}

size_t vg_audit_machines(int machines[2])
{
	int native = audit_detect_machine();
	size_t n = 0;

	if (native < 0)
		return 0;
	machines[n++] = native;
	if (native == MACH_86_64)
		machines[n++] = MACH_X86; /* 32-bit programs run through the i386 entry points */
	return n;
}
