// SPDX-License-Identifier: Apache-2.0
/*
 * audit.c - process events from Linux audit: the fallback for
 * process_events where eBPF cannot load.
 *
 * HOW IT WORKS: start() first deletes rules a crashed earlier run left
 * (found by their keys, vigil_exec and vigil_fork), then reads the audit
 * status. When nobody owns the audit socket, the publisher becomes the
 * audit daemon (AUDIT_SET pid, enabled=1, backlog_limit raised to
 * VG_AUDIT_BACKLOG) and the kernel sends every record to its socket; stop()
 * gives the socket back and restores enabled and backlog_limit. When
 * another daemon (auditd) owns it, the publisher does not fight: it reads
 * the read-only multicast copy of the records (AUDIT_NLGRP_READLOG, kernel
 * 3.16+, CAP_AUDIT_READ) and logs that once. Either way it adds its own
 * rules, execve and execveat (and fork, vfork, clone with the forks option)
 * for each architecture (b64, and b32 on x86_64), only successful calls,
 * and stop() deletes exactly those. drain() reads records in batches
 * (recvmmsg) and feeds them to the assembler (src/audit_assemble.c), whose
 * events go to the sink.
 *
 * Drops: the kernel counts records it could not queue (backlog full) in
 * the status's `lost`; dropped_kernel is its increase since start, logged
 * once when it first rises. The multicast copy can also overflow the
 * socket (ENOBUFS), counted as overflows.
 *
 * LIMITS: one vigil per host should run it (rules are found by key). With
 * auditd running, auditd also logs the events of vigil's rules. The kernel
 * does not audit the audit daemon's own calls, so while vigil is the daemon
 * its own forks have no row. No exit rows, no environment; clone3 (new
 * threads, posix_spawn) is not audited, so forks made through it have no
 * fork row (their execs do have rows). A killed run (SIGKILL) cannot put
 * back enabled and backlog_limit; the next start removes its rules but
 * takes what it finds as the state to restore.
 */
#include "vigil/publisher.h"

#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit_assemble.h"
#include "audit_ctl.h"
#include "util.h"
#include "vigil/event.h"
#include "vigil/log.h"

#define VG_AUDIT_BACKLOG 8192 /* backlog_limit set when vigil is the daemon */
#define AUD_BATCH	 32   /* records per recvmmsg */
#define AUD_MSG_BYTES	 (MAX_AUDIT_MESSAGE_LENGTH + NLMSG_HDRLEN)
#define AUD_RCVBUF_BYTES (8 << 20)
#define AUD_STATUS_NS	 1000000000LL /* how often drain() looks at `lost` */
#define AUD_MAX_RULES	 8
#define AUD_DEFAULT_ARGS 8192

static const char key_exec[] = "vigil_exec";
static const char key_fork[] = "vigil_fork";

struct aud_pub {
	int ctl;	/* requests: status, rules (guarded by ctl_lock) */
	int data;	/* records: the daemon socket, or the multicast one */
	bool is_daemon; /* we set the audit pid: restore at stop */
	uint32_t old_enabled, old_backlog_limit;
	uint32_t lost_start; /* status.lost at start */
	uint64_t dropped;    /* its increase, as last read */
	bool lost_logged;
	int64_t next_status_ns;
	struct audit_rule_data *rules[AUD_MAX_RULES]; /* ours, as added */
	size_t n_rules;
	struct vg_audit_asm *asm_;
	const struct vg_sink *sink;
	uint64_t received;
	uint64_t overflows; /* multicast socket overruns */
	pthread_mutex_t ctl_lock;
	struct mmsghdr msgs[AUD_BATCH];
	struct iovec iov[AUD_BATCH];
	struct sockaddr_nl from[AUD_BATCH];
	char *bufs; /* AUD_BATCH * AUD_MSG_BYTES */
};

static int aud_probe(void)
{
	struct vg_audit_status st;
	int fd = -1, err;

	err = vg_audit_ctl_open(&fd);
	if (!err)
		err = vg_audit_ctl_status(fd, &st);
	if (fd >= 0)
		close(fd);
	if (err) {
		vg_log(VG_LOG_INFO, "audit: cannot reach the kernel's audit: %s", strerror(-err));
		return err == -EPERM || err == -EACCES ? -EPERM : -ENOSYS;
	}
	return 0;
}

/* An assembled event: to the sink. */
static void aud_emit(void *ctx, const struct vg_audit_event *ae)
{
	struct aud_pub *p = ctx;

	p->received++;
	if (p->sink->process_event)
		p->sink->process_event(p->sink->ctx, &ae->ev);
}

/* Reads the status (under ctl_lock) and updates dropped; logs the first loss. */
static void aud_check_lost(struct aud_pub *p)
{
	struct vg_audit_status st;

	pthread_mutex_lock(&p->ctl_lock);
	if (vg_audit_ctl_status(p->ctl, &st) == 0) {
		if (st.lost < p->lost_start) /* reset by someone (auditctl --reset-lost) */
			p->lost_start = 0;
		p->dropped = st.lost - p->lost_start;
		if (p->dropped && !p->lost_logged) {
			p->lost_logged = true;
			vg_log(VG_LOG_WARN,
			       "audit: the kernel lost %llu records (backlog %u of %u): raise "
			       "backlog_limit (auditctl -b) or audit less",
			       (unsigned long long)p->dropped, st.backlog, st.backlog_limit);
		}
	}
	pthread_mutex_unlock(&p->ctl_lock);
}

/* A socket in the read-only multicast group, for when another daemon owns audit. */
static int aud_open_multicast(int *fd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1) };
	int s, err, size = AUD_RCVBUF_BYTES;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(s);
		return err;
	}
	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*fd = s;
	return 0;
}

/* Whether process @pid exists (an audit pid left by a killed daemon does not). */
static bool pid_alive(uint32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * Becomes the audit daemon on a new socket, or (another live daemon owns
 * audit, or takes it first) joins the multicast group. Fills p->data.
 */
static int aud_attach(struct aud_pub *p, const struct vg_audit_status *st)
{
	int err, size = AUD_RCVBUF_BYTES;

	if (st->pid && pid_alive(st->pid))
		goto multicast;
	err = vg_audit_ctl_open(&p->data);
	if (err)
		return err;
	err = vg_audit_ctl_set_pid(p->data, (uint32_t)getpid());
	if (err == -EEXIST) {
		close(p->data);
		p->data = -1;
		goto multicast;
	}
	if (err)
		return err;
	p->is_daemon = true;
	p->old_enabled = st->enabled;
	p->old_backlog_limit = st->backlog_limit;
	if (fcntl(p->data, F_SETFL, fcntl(p->data, F_GETFL) | O_NONBLOCK) < 0)
		return -errno;
	if (setsockopt(p->data, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(p->data, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (st->enabled == 0 && (err = vg_audit_ctl_set_enabled(p->ctl, 1)))
		return err;
	if (st->backlog_limit < VG_AUDIT_BACKLOG &&
	    (err = vg_audit_ctl_set_backlog_limit(p->ctl, VG_AUDIT_BACKLOG)))
		vg_log(VG_LOG_WARN, "audit: cannot raise backlog_limit to %d: %s", VG_AUDIT_BACKLOG,
		       strerror(-err));
	vg_log(VG_LOG_DEBUG, "audit: reading as the audit daemon (backlog_limit %u, lost %u)",
	       st->backlog_limit, st->lost);
	return 0;
multicast:
	err = aud_open_multicast(&p->data);
	if (err)
		return err;
	vg_log(VG_LOG_INFO,
	       "audit: pid %u owns the audit socket; reading the read-only multicast copy "
	       "(enabled %u, backlog_limit %u, lost %u)",
	       st->pid, st->enabled, st->backlog_limit, st->lost);
	if (!st->enabled)
		vg_log(VG_LOG_WARN,
		       "audit: auditing is off and pid %u owns it: no process events "
		       "until it turns it on",
		       st->pid);
	return 0;
}

/* Adds our rules: exec (and fork) syscalls for each architecture. */
static int aud_add_rules(struct aud_pub *p, bool forks)
{
	static const char *const exec_calls[] = { "execve", "execveat", NULL };
	static const char *const fork_calls[] = { "fork", "vfork", "clone", NULL };
	int machines[2];
	size_t n = vg_audit_machines(machines);

	if (!n)
		return -ENOSYS;
	for (size_t i = 0; i < n; i++)
		for (int kind = 0; kind < (forks ? 2 : 1); kind++) {
			struct audit_rule_data *r;
			int err;

			r = vg_audit_rule_new(machines[i], kind ? fork_calls : exec_calls,
					      kind ? key_fork : key_exec);
			if (!r)
				continue;
			err = vg_audit_ctl_add_rule(p->ctl, r);
			if (err) {
				free(r);
				return err;
			}
			p->rules[p->n_rules++] = r;
		}
	return p->n_rules ? 0 : -ENOSYS;
}

static void aud_stop(void *state)
{
	struct aud_pub *p = state;

	if (!p)
		return;
	for (size_t i = p->n_rules; i-- > 0;) {
		int err = vg_audit_ctl_del_rule(p->ctl, p->rules[i]);

		if (err && err != -ENOENT)
			vg_log(VG_LOG_WARN, "audit: cannot delete a vigil rule: %s",
			       strerror(-err));
		free(p->rules[i]);
	}
	if (p->is_daemon) {
		vg_audit_ctl_set_pid(p->ctl, 0);
		if (p->old_enabled == 0)
			vg_audit_ctl_set_enabled(p->ctl, 0);
		if (p->old_backlog_limit < VG_AUDIT_BACKLOG)
			vg_audit_ctl_set_backlog_limit(p->ctl, p->old_backlog_limit);
	}
	if (p->asm_)
		vg_audit_asm_flush(p->asm_, 0, true);
	vg_audit_asm_free(p->asm_);
	if (p->data >= 0)
		close(p->data);
	if (p->ctl >= 0)
		close(p->ctl);
	pthread_mutex_destroy(&p->ctl_lock);
	free(p->bufs);
	free(p);
}

static int aud_start(const struct vg_watch_set *ws, const struct vg_sink *sink, void **state)
{
	const struct vg_process_options *po = ws ? ws->process : NULL;
	struct vg_audit_asm_options ao = {
		.args_max = po ? po->args_max : AUD_DEFAULT_ARGS,
		.forks = po && po->forks,
	};
	struct aud_pub *p = calloc(1, sizeof(*p));
	struct vg_audit_status st;
	int err, n;

	if (!p)
		return -ENOMEM;
	p->ctl = p->data = -1;
	p->sink = sink;
	pthread_mutex_init(&p->ctl_lock, NULL);
	p->bufs = malloc((size_t)AUD_BATCH * AUD_MSG_BYTES);
	if (!p->bufs) {
		err = -ENOMEM;
		goto fail;
	}
	err = vg_audit_asm_new(&ao, aud_emit, p, &p->asm_);
	if (!err)
		err = vg_audit_ctl_open(&p->ctl);
	if (err)
		goto fail;
	/* Rules a killed run left behind go first, so they cannot clash with ours. */
	n = vg_audit_ctl_purge_key(p->ctl, key_exec);
	if (n >= 0) {
		int m = vg_audit_ctl_purge_key(p->ctl, key_fork);

		n = m < 0 ? m : n + m;
	}
	if (n < 0) {
		err = n;
		goto fail;
	}
	if (n)
		vg_log(VG_LOG_INFO, "audit: removed %d rules left by an earlier run", n);
	err = vg_audit_ctl_status(p->ctl, &st);
	if (err)
		goto fail;
	if (st.enabled == 2) {
		err = -EPERM;
		vg_log(VG_LOG_ERROR, "audit: the audit configuration is locked (enabled 2)");
		goto fail;
	}
	p->lost_start = st.lost;
	err = aud_attach(p, &st);
	if (!err)
		err = aud_add_rules(p, ao.forks);
	if (err)
		goto fail;
	for (size_t i = 0; i < AUD_BATCH; i++) {
		p->iov[i].iov_base = p->bufs + i * AUD_MSG_BYTES;
		p->iov[i].iov_len = AUD_MSG_BYTES;
		p->msgs[i].msg_hdr.msg_iov = &p->iov[i];
		p->msgs[i].msg_hdr.msg_name = &p->from[i];
		p->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	*state = p;
	return 0;
fail:
	vg_log(VG_LOG_ERROR, "audit: cannot start: %s", strerror(-err));
	aud_stop(p);
	return err;
}

static int aud_fd(void *state)
{
	return ((struct aud_pub *)state)->data;
}

/* Received message @i: a record for the assembler, or netlink noise. */
static void aud_message(struct aud_pub *p, int i, int64_t now_ns)
{
	const char *buf = p->iov[i].iov_base, *text = buf + NLMSG_HDRLEN;
	size_t len = p->msgs[i].msg_len;
	struct nlmsghdr nh;

	if (len < NLMSG_HDRLEN || p->msgs[i].msg_hdr.msg_namelen != sizeof(p->from[i]) ||
	    p->from[i].nl_pid != 0)
		return; /* short, or not from the kernel */
	memcpy(&nh, buf, sizeof(nh));
	if (nh.nlmsg_type < AUDIT_FIRST_EVENT)
		return; /* acks, errors and control messages */
	/* The unicast nlmsg_len counts the payload only, the multicast one the
	 * whole message: the datagram's size is what holds. */
	len = strnlen(text, len - NLMSG_HDRLEN);
	vg_audit_asm_feed(p->asm_, nh.nlmsg_type, text, len, now_ns);
}

static int aud_drain(void *state, unsigned budget)
{
	struct aud_pub *p = state;
	int64_t now_ns = vg_mono_ns();
	unsigned n_read = 0;
	int rc = 0;

	while (n_read < budget) {
		unsigned want = budget - n_read < AUD_BATCH ? budget - n_read : AUD_BATCH;
		int n;

		for (unsigned i = 0; i < want; i++)
			p->msgs[i].msg_hdr.msg_namelen = sizeof(p->from[i]);
		n = recvmmsg(p->data, p->msgs, want, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) { /* multicast copies lost: the socket was full */
				if (!p->overflows++)
					vg_log(VG_LOG_WARN,
					       "audit: the multicast socket overflowed; "
					       "records were lost");
				continue;
			}
			rc = errno == EAGAIN ? 0 : -errno;
			break;
		}
		for (int i = 0; i < n; i++)
			aud_message(p, i, now_ns);
		n_read += (unsigned)n;
		if ((unsigned)n < want)
			break;
	}
	vg_audit_asm_flush(p->asm_, now_ns, false);
	if (now_ns >= p->next_status_ns) {
		p->next_status_ns = now_ns + AUD_STATUS_NS;
		aud_check_lost(p);
	}
	return rc < 0 ? rc : (int)n_read;
}

static int aud_update(void *state, const struct vg_watch_set *ws)
{
	(void)state;
	(void)ws;
	return 0; /* process auditing has no watches */
}

static void aud_stats(void *state, struct vg_publisher_stats *st)
{
	struct aud_pub *p = state;

	aud_check_lost(p);
	memset(st, 0, sizeof(*st));
	st->received = p->received;
	st->dropped_kernel = p->dropped;
	st->overflows = p->overflows;
	st->watches = p->n_rules;
}

const struct vg_publisher_ops vg_publisher_audit = {
	.name = "audit",
	.probe = aud_probe,
	.start = aud_start,
	.fd = aud_fd,
	.drain = aud_drain,
	.update = aud_update,
	.stop = aud_stop,
	.stats = aud_stats,
};
