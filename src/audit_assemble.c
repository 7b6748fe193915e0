// SPDX-License-Identifier: Apache-2.0
/*
 * audit_assemble.c - audit records to process events (see audit_assemble.h).
 *
 * HOW IT WORKS: each record's header gives its serial; a small table of
 * pending events (slots reused, their buffers kept) holds what the records
 * of one serial said so far. SYSCALL decides whether the event is ours (an
 * execve/execveat, or fork/vfork/clone when forks are asked for, on an
 * architecture in the table below) and whether it succeeded. EXECVE
 * rebuilds argv in order: "aN=" is a whole argument, "aN_len=L" then
 * "aN[0]=", "aN[1]=" ... are the chunks of a long one, possibly spread over
 * several records. A value is either "quoted" (printable ASCII without
 * spaces or quotes, as is) or hex (anything else, decoded to the exact
 * bytes). EOE ends the event; an event whose EOE never comes (a record lost
 * to the kernel's backlog) is ended by the timeout or, when the table is
 * full, the oldest is ended to make room.
 *
 * Choices: a failed exec (success=no) is not an event (osquery records only
 * successful ones, and the process did not change). An exec's path is the
 * SYSCALL's exe, the executable as the kernel resolved it (symlinks
 * followed, the interpreter of a script), as the eBPF publisher and
 * osquery give it; without one, PATH item 0's name, a relative one joined
 * to the CWD record for execve. A clone
 * that makes a thread (CLONE_THREAD in its flags) is not a fork.
 *
 * LIMITS: argv past args_max bytes is cut and marked, and so is argv with
 * a chunk missing (a lost record): after a gap nothing more is appended,
 * so what is kept is always a byte-exact prefix. No environment (audit
 * does not log it). Times have the audit header's millisecond precision.
 */
#include "audit_assemble.h"

#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/strbuf.h"

/* Syscall numbers per audit architecture (-1: the architecture has none). */
struct asm_arch {
	uint32_t arch;
	int execve, execveat, fork, vfork, clone;
};

static const struct asm_arch arches[] = {
	{ AUDIT_ARCH_X86_64, 59, 322, 57, 58, 56 },
	{ AUDIT_ARCH_I386, 11, 358, 2, 190, 120 },
	{ AUDIT_ARCH_AARCH64, 221, 281, -1, -1, 220 },
	{ AUDIT_ARCH_ARM, 11, 387, 2, 190, 120 },
};

enum asm_state {
	ST_OPEN,  /* SYSCALL not seen yet */
	ST_EXEC,  /* a successful exec of ours */
	ST_FORK,  /* a successful fork of ours */
	ST_SKIP,  /* not ours (or failed): swallow records until EOE */
	ST_FAILED /* ours but failed: swallow, count when it ends */
};

struct asm_ev {
	uint64_t serial;
	uint64_t born;	 /* feed order of the first record (the oldest is evicted first) */
	int64_t born_ns; /* now_ns at the first record */
	int64_t time_ns;
	enum asm_state state;
	const char *syscall;
	int32_t pid, ppid;
	int64_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid, auid;
	int64_t exit;
	int64_t mode, ouid, ogid;
	struct vg_strbuf comm, exe, cwd, name, args, path;
	bool has_execve, has_cwd, has_name;
	/* argv assembly */
	uint32_t argc, next_arg;
	bool args_cut, args_broken;
	bool in_split;			/* inside a long argument's chunks */
	uint32_t split_chunk;		/* the next chunk expected */
	uint64_t split_len, split_seen; /* its logged length, and what came of it */
};

struct vg_audit_asm {
	struct vg_audit_asm_options o;
	vg_audit_emit_fn *fn;
	void *ctx;
	struct asm_ev *slots;	/* o.max_pending of them */
	struct asm_ev **active; /* the pending ones, unordered */
	struct asm_ev **spare;	/* the others */
	size_t n_active, n_free;
	struct asm_ev *last; /* the slot of the previous record, tried first */
	uint64_t n_fed;
	struct vg_audit_asm_stats st;
};

/* One "name=value" of a record; value without its quotes. */
struct field {
	const char *name, *val;
	size_t name_len, val_len;
	bool quoted;
};

/* The next name=value from [*pp, end); words without '=' are skipped. */
static bool next_field(const char **pp, const char *end, struct field *f)
{
	const char *p = *pp;

	for (;;) {
		const char *eq, *sp;

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return false;
		sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			sp = end;
		eq = memchr(p, '=', (size_t)(sp - p));
		if (!eq) {
			p = sp;
			continue;
		}
		f->name = p;
		f->name_len = (size_t)(eq - p);
		f->val = eq + 1;
		f->quoted = f->val < end && *f->val == '"';
		if (f->quoted) {
			const char *q = memchr(f->val + 1, '"', (size_t)(end - f->val - 1));

			f->val++;
			f->val_len = (size_t)((q ? q : end) - f->val);
			*pp = q ? q + 1 : end;
		} else {
			f->val_len = (size_t)(sp - f->val);
			*pp = sp;
		}
		return true;
	}
}

static bool is_name(const struct field *f, const char *name)
{
	return f->name_len == strlen(name) && !memcmp(f->name, name, f->name_len);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unsigned number in @base (10, 16 or 8) from the whole value; false if it is not one. */
static bool field_u64(const struct field *f, unsigned base, uint64_t *out)
{
	uint64_t v = 0;

	if (!f->val_len || f->val_len > 22)
		return false;
	for (size_t i = 0; i < f->val_len; i++) {
		int d = hex_digit(f->val[i]);

		if (d < 0 || (unsigned)d >= base)
			return false;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return true;
}

/* A signed decimal ("exit=-2"). */
static bool field_i64(const struct field *f, int64_t *out)
{
	struct field g = *f;
	uint64_t v;
	bool neg = g.val_len && g.val[0] == '-';

	if (neg) {
		g.val++;
		g.val_len--;
	}
	if (!field_u64(&g, 10, &v) || v > INT64_MAX)
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* An id: decimal, with (u32)-1 (unset) as -1; -1 when unreadable. */
static int64_t field_id(const struct field *f)
{
	uint64_t v;

	if (!field_u64(f, 10, &v) || v >= UINT32_MAX)
		return -1;
	return (int64_t)v;
}

/* Whether an unquoted value is hex text (even length, hex digits only). */
static bool is_hex(const struct field *f)
{
	if (f->val_len % 2)
		return false;
	for (size_t i = 0; i < f->val_len; i++)
		if (hex_digit(f->val[i]) < 0)
			return false;
	return true;
}

/*
 * Appends the bytes value @f stands for to @sb, at most until @sb holds
 * @max bytes. Returns false if some did not fit. "(null)" and "(none)"
 * stand for nothing; an unquoted value that is not hex is taken as is.
 */
static bool add_value(struct vg_strbuf *sb, const struct field *f, size_t max)
{
	size_t room = sb->len < max ? max - sb->len : 0;

	if (!f->quoted && is_hex(f)) {
		size_t n = f->val_len / 2;
		bool fits = n <= room;

		if (!fits)
			n = room;
		vg_strbuf_grow(sb, n);
		for (size_t i = 0; i < n; i++)
			sb->buf[sb->len + i] =
			    (char)(hex_digit(f->val[2 * i]) << 4 | hex_digit(f->val[2 * i + 1]));
		sb->len += n;
		sb->buf[sb->len] = '\0';
		return fits;
	}
	if (!f->quoted && ((f->val_len == 6 && !memcmp(f->val, "(null)", 6)) ||
			   (f->val_len == 6 && !memcmp(f->val, "(none)", 6))))
		return true;
	if (f->val_len > room) {
		vg_strbuf_add(sb, f->val, room);
		return false;
	}
	vg_strbuf_add(sb, f->val, f->val_len);
	return true;
}

/* Parses "audit(SEC.MSEC:SERIAL): " at the start of [*pp, end); moves *pp past it. */
static bool parse_header(const char **pp, const char *end, int64_t *time_ns, uint64_t *serial)
{
	const char *p = *pp;
	uint64_t sec = 0, ms = 0, ser = 0;
	size_t nd;

	if (end - p < 6 || memcmp(p, "audit(", 6))
		return false;
	p += 6;
	for (nd = 0; p < end && *p >= '0' && *p <= '9' && nd < 19; p++, nd++)
		sec = sec * 10 + (uint64_t)(*p - '0');
	if (!nd || p >= end || *p++ != '.')
		return false;
	for (nd = 0; p < end && *p >= '0' && *p <= '9' && nd < 9; p++, nd++)
		ms = ms * 10 + (uint64_t)(*p - '0');
	if (!nd || p >= end || *p++ != ':')
		return false;
	for (nd = 0; p < end && *p >= '0' && *p <= '9' && nd < 19; p++, nd++)
		ser = ser * 10 + (uint64_t)(*p - '0');
	if (!nd || end - p < 2 || p[0] != ')' || p[1] != ':' || sec > INT64_MAX / 2000000000)
		return false;
	for (; nd < 3; nd++) /* the fraction is milliseconds: ".5" would be 500 ms */
		ms *= 10;
	*time_ns = (int64_t)sec * 1000000000 + (int64_t)(ms % 1000) * 1000000;
	*serial = ser;
	*pp = p + 2;
	return true;
}

/* Resets a slot for a new serial (buffers kept for reuse). */
static void ev_reset(struct asm_ev *e)
{
	struct vg_strbuf *bufs[] = { &e->comm, &e->exe, &e->cwd, &e->name, &e->args, &e->path };

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		vg_strbuf_reset(bufs[i]);
	e->state = ST_OPEN;
	e->syscall = NULL;
	e->pid = e->ppid = -1;
	e->uid = e->euid = e->suid = e->fsuid = -1;
	e->gid = e->egid = e->sgid = e->fsgid = e->auid = -1;
	e->exit = 0;
	e->mode = e->ouid = e->ogid = -1;
	e->has_execve = e->has_cwd = e->has_name = false;
	e->argc = e->next_arg = 0;
	e->args_cut = e->args_broken = e->in_split = false;
	e->split_chunk = 0;
	e->split_len = e->split_seen = 0;
}

/* Which syscall of ours (arch, nr) is, or NULL. */
static const char *classify(const struct vg_audit_asm *a, uint64_t arch, uint64_t nr, uint64_t a0)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		const struct asm_arch *ar = &arches[i];

		if (ar->arch != arch)
			continue;
		if ((int64_t)nr == ar->execve)
			return "execve";
		if ((int64_t)nr == ar->execveat)
			return "execveat";
		if (!a->o.forks)
			return NULL;
		if ((int64_t)nr == ar->fork || (int64_t)nr == ar->vfork)
			return "fork";
		if ((int64_t)nr == ar->clone && !(a0 & CLONE_THREAD))
			return "fork";
		return NULL;
	}
	return NULL;
}

static void on_syscall(struct vg_audit_asm *a, struct asm_ev *e, const char *p, const char *end)
{
	uint64_t arch = 0, nr = UINT64_MAX, a0 = 0;
	bool ok = false, has_success = false;
	struct field f;

	if (e->state != ST_OPEN)
		return; /* a second SYSCALL for one serial: keep the first */
	while (next_field(&p, end, &f)) {
		if (is_name(&f, "arch"))
			field_u64(&f, 16, &arch);
		else if (is_name(&f, "syscall"))
			field_u64(&f, 10, &nr);
		else if (is_name(&f, "success")) {
			has_success = true;
			ok = f.val_len == 3 && !memcmp(f.val, "yes", 3);
		} else if (is_name(&f, "exit"))
			field_i64(&f, &e->exit);
		else if (is_name(&f, "a0"))
			field_u64(&f, 16, &a0);
		else if (is_name(&f, "ppid"))
			e->ppid = (int32_t)field_id(&f);
		else if (is_name(&f, "pid"))
			e->pid = (int32_t)field_id(&f);
		else if (is_name(&f, "auid"))
			e->auid = field_id(&f);
		else if (is_name(&f, "uid"))
			e->uid = field_id(&f);
		else if (is_name(&f, "gid"))
			e->gid = field_id(&f);
		else if (is_name(&f, "euid"))
			e->euid = field_id(&f);
		else if (is_name(&f, "suid"))
			e->suid = field_id(&f);
		else if (is_name(&f, "fsuid"))
			e->fsuid = field_id(&f);
		else if (is_name(&f, "egid"))
			e->egid = field_id(&f);
		else if (is_name(&f, "sgid"))
			e->sgid = field_id(&f);
		else if (is_name(&f, "fsgid"))
			e->fsgid = field_id(&f);
		else if (is_name(&f, "comm"))
			add_value(&e->comm, &f, 64);
		else if (is_name(&f, "exe"))
			add_value(&e->exe, &f, 4096);
	}
	e->syscall = classify(a, arch, nr, a0);
	if (!e->syscall)
		e->state = ST_SKIP;
	else if (!has_success || !ok)
		e->state = ST_FAILED;
	else if (!strcmp(e->syscall, "fork"))
		e->state = e->exit > 0 && e->exit <= INT32_MAX ? ST_FORK : ST_FAILED;
	else
		e->state = ST_EXEC;
}

/* Appends one argument's bytes (or a chunk of them) to argv, up to args_max. */
static void args_add(struct vg_audit_asm *a, struct asm_ev *e, const struct field *f, bool new_arg)
{
	if (e->args_cut && e->args.len >= a->o.args_max)
		return; /* already full */
	if (new_arg && e->next_arg > 0) {
		if (e->args.len >= a->o.args_max) {
			e->args_cut = true;
			return;
		}
		vg_strbuf_addch(&e->args, '\0');
	}
	if (!add_value(&e->args, f, a->o.args_max))
		e->args_cut = true;
}

/* "aN_len=", "aN[J]=" or "aN=": @idx N, @rest what follows the digits. */
static void on_arg(struct vg_audit_asm *a, struct asm_ev *e, const struct field *f, uint64_t idx,
		   const char *rest, size_t rest_len)
{
	uint64_t v;

	if (rest_len == 0) { /* a whole argument */
		if (e->in_split || idx != e->next_arg) {
			e->args_broken = true;
			return;
		}
		args_add(a, e, f, true);
		e->next_arg++;
		return;
	}
	if (rest_len == 4 && !memcmp(rest, "_len", 4)) { /* a long one starts */
		if (e->in_split || idx != e->next_arg || !field_u64(f, 10, &v)) {
			e->args_broken = true;
			return;
		}
		e->in_split = true;
		e->split_chunk = 0;
		e->split_len = v;
		e->split_seen = 0;
		return;
	}
	/* "[J]": chunk J of the long argument in progress */
	if (rest[0] != '[' || rest[rest_len - 1] != ']' || !e->in_split || idx != e->next_arg) {
		e->args_broken = true;
		return;
	}
	v = 0;
	for (size_t i = 1; i + 1 < rest_len; i++) {
		if (rest[i] < '0' || rest[i] > '9' || v > UINT32_MAX) {
			e->args_broken = true;
			return;
		}
		v = v * 10 + (uint64_t)(rest[i] - '0');
	}
	if (rest_len < 3 || v != e->split_chunk) {
		e->args_broken = true;
		return;
	}
	args_add(a, e, f, e->split_chunk == 0);
	e->split_chunk++;
	e->split_seen += f->val_len;
	if (e->split_seen >= e->split_len) {
		e->in_split = false;
		e->next_arg++;
	}
}

static void on_execve(struct vg_audit_asm *a, struct asm_ev *e, const char *p, const char *end)
{
	struct field f;
	uint64_t v;

	while (!e->args_broken && next_field(&p, end, &f)) {
		size_t i = 1;

		if (is_name(&f, "argc")) {
			if (field_u64(&f, 10, &v) && v <= UINT32_MAX && !e->has_execve) {
				e->argc = (uint32_t)v;
				e->has_execve = true;
			}
			continue;
		}
		if (f.name_len < 2 || f.name[0] != 'a' || !e->has_execve)
			continue; /* argc comes first; arguments without it cannot be placed */
		for (v = 0;
		     i < f.name_len && f.name[i] >= '0' && f.name[i] <= '9' && v < UINT32_MAX; i++)
			v = v * 10 + (uint64_t)(f.name[i] - '0');
		if (i == 1)
			continue;
		on_arg(a, e, &f, v, f.name + i, f.name_len - i);
	}
}

static void on_path(struct asm_ev *e, const char *p, const char *end)
{
	struct field f;
	uint64_t v;

	if (e->has_name)
		return; /* item 0 came already */
	if (!next_field(&p, end, &f) || !is_name(&f, "item") || f.val_len != 1 || f.val[0] != '0')
		return;
	e->has_name = true;
	while (next_field(&p, end, &f)) {
		if (is_name(&f, "name"))
			add_value(&e->name, &f, 4096);
		else if (is_name(&f, "mode") && field_u64(&f, 8, &v) && v <= UINT32_MAX)
			e->mode = (int64_t)v;
		else if (is_name(&f, "ouid"))
			e->ouid = field_id(&f);
		else if (is_name(&f, "ogid"))
			e->ogid = field_id(&f);
	}
}

static void on_cwd(struct asm_ev *e, const char *p, const char *end)
{
	struct field f;

	while (!e->has_cwd && next_field(&p, end, &f))
		if (is_name(&f, "cwd")) {
			add_value(&e->cwd, &f, 4096);
			e->has_cwd = true;
		}
}

/* The exec's path: the SYSCALL's exe, else PATH item 0's name made absolute (see the header). */
static void exec_path(struct asm_ev *e)
{
	const char *name = e->name.buf;
	size_t len = e->name.len;

	vg_strbuf_reset(&e->path);
	if (e->exe.len && e->exe.buf[0] == '/') {
		vg_strbuf_add(&e->path, e->exe.buf, e->exe.len);
		return;
	}
	while (len > 2 && name[0] == '.' && name[1] == '/') { /* "./x": x */
		name += 2;
		len -= 2;
	}
	vg_strbuf_reset(&e->path);
	if (len && name[0] == '/')
		vg_strbuf_add(&e->path, name, len);
	else if (len && e->has_cwd && e->cwd.len && !strcmp(e->syscall, "execve")) {
		vg_strbuf_add(&e->path, e->cwd.buf, e->cwd.len);
		if (e->cwd.buf[e->cwd.len - 1] != '/')
			vg_strbuf_addch(&e->path, '/');
		vg_strbuf_add(&e->path, name, len);
	} else
		vg_strbuf_add(&e->path, e->exe.buf, e->exe.len);
}

/* Ends event @e: emits it if it is a complete enough exec or fork, frees the slot. */
static void ev_end(struct vg_audit_asm *a, struct asm_ev *e, bool by_eoe)
{
	struct vg_audit_event ae;
	struct vg_process_event *ev = &ae.ev;

	if (!by_eoe && e->state != ST_SKIP)
		a->st.incomplete++;
	if (e->state == ST_FAILED)
		a->st.failed++;
	if ((e->state == ST_EXEC && !e->has_execve) || (e->state == ST_OPEN && by_eoe))
		a->st.discarded++;
	if (e->state == ST_FORK || (e->state == ST_EXEC && e->has_execve)) {
		memset(&ae, 0, sizeof(ae));
		ae.serial = e->serial;
		ae.is_complete = by_eoe;
		ae.mode = e->mode;
		ae.owner_uid = e->ouid;
		ae.owner_gid = e->ogid;
		ev->time_ns = e->time_ns;
		ev->pid = ev->tid = e->pid;
		ev->ppid = e->ppid;
		ev->uid = e->uid;
		ev->euid = e->euid;
		ev->suid = e->suid;
		ev->fsuid = e->fsuid;
		ev->gid = e->gid;
		ev->egid = e->egid;
		ev->sgid = e->sgid;
		ev->fsgid = e->fsgid;
		ev->auid = e->auid;
		ev->comm = e->comm.buf;
		ev->syscall = e->syscall;
		ev->exit_code = -1;
		ev->duration_ns = -1;
		ev->path = ev->args = "";
		if (e->state == ST_FORK) {
			ev->pid = ev->tid = (int32_t)e->exit; /* the child */
			ev->ppid = e->pid;		      /* the caller */
		} else {
			exec_path(e);
			ev->path = e->path.buf;
			ev->path_len = e->path.len;
			ev->args = e->args.buf;
			ev->args_len = e->args.len;
			ev->argc = e->argc;
			ev->args_cut =
			    e->args_cut || e->args_broken || e->in_split || e->next_arg < e->argc;
			if (e->has_cwd) {
				ev->cwd = e->cwd.buf;
				ev->cwd_len = e->cwd.len;
			}
		}
		a->st.emitted++;
		a->fn(a->ctx, &ae);
	}
	for (size_t i = 0; i < a->n_active; i++)
		if (a->active[i] == e) {
			a->active[i] = a->active[--a->n_active];
			break;
		}
	a->spare[a->n_free++] = e;
	if (a->last == e)
		a->last = NULL;
}

/* The pending event of @serial, or NULL. */
static struct asm_ev *ev_find(struct vg_audit_asm *a, uint64_t serial)
{
	if (a->last && a->last->serial == serial)
		return a->last;
	for (size_t i = 0; i < a->n_active; i++)
		if (a->active[i]->serial == serial)
			return a->last = a->active[i];
	return NULL;
}

/* A slot for a new event; the oldest pending one is ended if none is free. */
static struct asm_ev *ev_new(struct vg_audit_asm *a, uint64_t serial, int64_t time_ns,
			     int64_t now_ns)
{
	struct asm_ev *e;

	if (!a->n_free) {
		struct asm_ev *old = a->active[0];

		for (size_t i = 1; i < a->n_active; i++)
			if (a->active[i]->born < old->born)
				old = a->active[i];
		ev_end(a, old, false);
	}
	e = a->spare[--a->n_free];
	ev_reset(e);
	e->serial = serial;
	e->time_ns = time_ns;
	e->born = a->n_fed;
	e->born_ns = now_ns;
	a->active[a->n_active++] = e;
	return a->last = e;
}

void vg_audit_asm_feed(struct vg_audit_asm *a, int type, const char *text, size_t len,
		       int64_t now_ns)
{
	const char *p = text, *end = text + len;
	struct asm_ev *e;
	uint64_t serial;
	int64_t time_ns;

	a->st.records++;
	switch (type) {
	case AUDIT_SYSCALL:
	case AUDIT_EXECVE:
	case AUDIT_CWD:
	case AUDIT_PATH:
	case AUDIT_PROCTITLE:
	case AUDIT_EOE:
		break;
	default:
		return;
	}
	if (!parse_header(&p, end, &time_ns, &serial)) {
		a->st.malformed++;
		return;
	}
	a->n_fed++;
	e = ev_find(a, serial);
	if (!e) {
		if (type == AUDIT_EOE || type == AUDIT_PROCTITLE)
			return; /* the end of an event already ended, or nothing to hold */
		e = ev_new(a, serial, time_ns, now_ns);
	}
	if (type == AUDIT_EOE) {
		ev_end(a, e, true);
		return;
	}
	if (e->state == ST_SKIP || e->state == ST_FAILED)
		return;
	switch (type) {
	case AUDIT_SYSCALL:
		on_syscall(a, e, p, end);
		break;
	case AUDIT_EXECVE:
		on_execve(a, e, p, end);
		break;
	case AUDIT_CWD:
		on_cwd(e, p, end);
		break;
	case AUDIT_PATH:
		on_path(e, p, end);
		break;
	default:
		break; /* PROCTITLE: argv comes whole from EXECVE */
	}
}

void vg_audit_asm_flush(struct vg_audit_asm *a, int64_t now_ns, bool all)
{
	size_t i = 0;

	while (i < a->n_active) {
		struct asm_ev *e = a->active[i];

		if (all || now_ns - e->born_ns >= a->o.timeout_ns)
			ev_end(a, e, false); /* moves the last active one to i */
		else
			i++;
	}
}

void vg_audit_asm_stats(const struct vg_audit_asm *a, struct vg_audit_asm_stats *st)
{
	*st = a->st;
}

int vg_audit_asm_new(const struct vg_audit_asm_options *o, vg_audit_emit_fn *fn, void *ctx,
		     struct vg_audit_asm **out)
{
	struct vg_audit_asm *a;
	size_t n;

	if (!fn)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = *o;
	if (!a->o.max_pending)
		a->o.max_pending = VG_AUDIT_ASM_PENDING;
	if (a->o.timeout_ns <= 0)
		a->o.timeout_ns = VG_AUDIT_ASM_TIMEOUT_NS;
	n = a->o.max_pending;
	a->fn = fn;
	a->ctx = ctx;
	a->slots = calloc(n, sizeof(*a->slots));
	a->active = calloc(n, sizeof(*a->active));
	a->spare = calloc(n, sizeof(*a->spare));
	for (size_t i = 0; a->slots && i < n; i++) {
		struct asm_ev *e = &a->slots[i];

		vg_strbuf_init(&e->comm);
		vg_strbuf_init(&e->exe);
		vg_strbuf_init(&e->cwd);
		vg_strbuf_init(&e->name);
		vg_strbuf_init(&e->args);
		vg_strbuf_init(&e->path);
	}
	if (!a->slots || !a->active || !a->spare) {
		vg_audit_asm_free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		a->spare[a->n_free++] = &a->slots[n - 1 - i];
	*out = a;
	return 0;
}

void vg_audit_asm_free(struct vg_audit_asm *a)
{
	if (!a)
		return;
	for (size_t i = 0; a->slots && i < a->o.max_pending; i++) {
		struct asm_ev *e = &a->slots[i];

		vg_strbuf_release(&e->comm);
		vg_strbuf_release(&e->exe);
		vg_strbuf_release(&e->cwd);
		vg_strbuf_release(&e->name);
		vg_strbuf_release(&e->args);
		vg_strbuf_release(&e->path);
	}
	free(a->slots);
	free(a->active);
	free(a->spare);
	free(a);
}
