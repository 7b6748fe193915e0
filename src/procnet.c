// SPDX-License-Identifier: Apache-2.0
/*
 * procnet.c - sockets from /proc/<pid>/net correlated with their holders
 * (see procnet.h).
 *
 * HOW IT WORKS: one vg_procfs_walk() over the selected processes does two
 * things per process. It notes the process's network namespace (the inode of
 * ns/net, one fstatat) and, the first time a namespace is seen, parses that
 * namespace's socket tables through the process's own directory fd
 * (/proc/<pid>/net shows the namespace of <pid>), so each namespace is parsed
 * once. Then it reads the process's fd links and keeps each socket:[N] as an
 * owner (inode, pid, fd). Sockets and owners are finally sorted by inode, so
 * a table finds the holders of a socket by binary search.
 *
 * Table formats (kernel net/ipv4/tcp_ipv4.c, udp.c, raw.c, ping.c,
 * net/unix/af_unix.c, net/packet/af_packet.c): one header line, then
 * whitespace-separated fields. IP addresses are the raw network-order words
 * printed as host-order hex, so parsing each 8-digit word into a host u32
 * gives back the original bytes.
 *
 * A process whose ns/net cannot be read (no ptrace access) has its fds read
 * all the same, if allowed, and our own namespace's tables stand in for its.
 *
 * LIMITS: a socket held only by processes outside its own namespace (passed
 * over a UNIX socket, or made before setns()) is found only if some walked
 * process lives in the socket's namespace. Each table is capped at 64 MiB;
 * lines that do not parse are skipped.
 */
#include "procnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"
#include "vigil/strbuf.h"
#include "vigil/table.h"

#define NET_TABLE_MAX_BYTES (64u * 1024u * 1024u)

enum pn_kind { PN_INET, PN_UNIX, PN_PACKET };

static const struct pn_file {
	const char *name; /* under /proc/<pid>/ */
	enum pn_kind kind;
	int family;
	int protocol;
} pn_files[] = {
	{ "net/tcp", PN_INET, AF_INET, IPPROTO_TCP },
	{ "net/tcp6", PN_INET, AF_INET6, IPPROTO_TCP },
	{ "net/udp", PN_INET, AF_INET, IPPROTO_UDP },
	{ "net/udp6", PN_INET, AF_INET6, IPPROTO_UDP },
	{ "net/udplite", PN_INET, AF_INET, IPPROTO_UDPLITE },
	{ "net/udplite6", PN_INET, AF_INET6, IPPROTO_UDPLITE },
	{ "net/raw", PN_INET, AF_INET, IPPROTO_RAW },
	{ "net/raw6", PN_INET, AF_INET6, IPPROTO_RAW },
	{ "net/icmp", PN_INET, AF_INET, IPPROTO_ICMP },
	{ "net/icmp6", PN_INET, AF_INET6, IPPROTO_ICMP },
	{ "net/unix", PN_UNIX, AF_UNIX, 0 },
	{ "net/packet", PN_PACKET, AF_PACKET, 0 },
};

/* include/net/tcp_states.h, indexed by the `st` field. */
static const char *const pn_tcp_states[] = {
	"UNKNOWN",   "ESTABLISHED", "SYN_SENT",	  "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSED",	    "CLOSE_WAIT", "LAST_ACK", "LISTEN",	   "CLOSING",
};

struct pn_load {
	struct vg_procnet *st;
	size_t alloc_sockets, alloc_owners;
	uint64_t *nss; /* namespaces whose tables are parsed */
	size_t n_nss, alloc_nss;
	struct vg_strbuf buf; /* one table's text, reused */
	pid_t pid;	      /* the process whose fds are being read */
	bool has_unknown_ns;  /* some process's namespace could not be read */
};

/* Grows *@arr (of @size-byte items, *@alloc of them) to hold @n + 1. */
static int pn_reserve(void **arr, size_t *alloc, size_t n, size_t size)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 64;
	if (want > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*arr, want * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*alloc = want;
	return 0;
}

/*
 * Splits @line in place into at most @max whitespace-separated fields; *@rest
 * receives what follows the last one (leading blanks skipped). Returns the count.
 */
static size_t pn_split(char *line, char **f, size_t max, char **rest)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || n == max)
			break;
		f[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	*rest = p;
	return n;
}

static bool pn_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 16)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

/* Decodes "0100007F:1F90" (or a 32-digit IPv6 word string) into text and a port. */
static bool pn_addr(const char *s, int family, char *out, uint16_t *port)
{
	const char *colon = strchr(s, ':');
	size_t words = family == AF_INET ? 1 : 4;
	uint32_t w[4] = { 0 };
	uint64_t v;

	if (!colon || (size_t)(colon - s) != words * 8)
		return false;
	for (size_t i = 0; i < words; i++) {
		if (!pn_hex(s + i * 8, 8, &v))
			return false;
		w[i] = (uint32_t)v;
	}
	if (!pn_hex(colon + 1, strlen(colon + 1), &v) || v > 0xffff)
		return false;
	*port = (uint16_t)v;
	return inet_ntop(family, w, out, INET6_ADDRSTRLEN) != NULL;
}

/* Parses one line of a tcp/udp/raw/icmp table into @sk. */
static bool pn_parse_inet(char *line, const struct pn_file *file, struct vg_socket *sk)
{
	char *f[10], *rest;
	int64_t inode;
	uint64_t v;

	if (pn_split(line, f, 10, &rest) < 10)
		return false;
	if (!pn_addr(f[1], file->family, sk->local_address, &sk->local_port) ||
	    !pn_addr(f[2], file->family, sk->remote_address, &sk->remote_port))
		return false;
	if (!vg_parse_i64(f[9], &inode) || inode < 0)
		return false;
	sk->inode = (uint64_t)inode;
	sk->state = "";
	if (file->protocol == IPPROTO_TCP) {
		if (pn_hex(f[3], strlen(f[3]), &v) && v > 0 && v < VG_ARRAY_SIZE(pn_tcp_states))
			sk->state = pn_tcp_states[v];
		else
			sk->state = "UNKNOWN";
	}
	return true;
}

/* Parses one line of net/unix ("Num RefCount Protocol Flags Type St Inode Path"). */
static bool pn_parse_unix(char *line, struct vg_socket *sk)
{
	char *f[7], *rest;
	size_t len;
	int64_t v;

	if (pn_split(line, f, 7, &rest) < 7 || !vg_parse_i64(f[6], &v) || v < 0)
		return false;
	sk->inode = (uint64_t)v;
	sk->state = "";
	len = strlen(rest);
	while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\r'))
		len--;
	if (len) {
		sk->path = strndup(rest, len);
		if (!sk->path)
			return false;
	}
	return true;
}

/* Parses one line of net/packet ("sk RefCnt Type Proto Iface R Rmem User Inode"). */
static bool pn_parse_packet(char *line, struct vg_socket *sk)
{
	char *f[9], *rest;
	uint64_t proto;
	int64_t v;

	if (pn_split(line, f, 9, &rest) < 9 || !pn_hex(f[3], strlen(f[3]), &proto) ||
	    !vg_parse_i64(f[8], &v) || v < 0)
		return false;
	sk->protocol = (int)(proto & 0xffff);
	sk->inode = (uint64_t)v;
	sk->state = "NONE";
	return true;
}

/* Parses every line (after the header) of table @file, text in ld->buf. */
static int pn_parse_table(struct pn_load *ld, const struct pn_file *file, uint64_t ns)
{
	struct vg_procnet *st = ld->st;
	char *line = strchr(ld->buf.buf, '\n');

	while (line && *++line) {
		char *eol = strchr(line, '\n');
		struct vg_socket *sk;
		bool ok;
		int err;

		if (eol)
			*eol = '\0';
		err = pn_reserve((void **)&st->sockets, &ld->alloc_sockets, st->n_sockets,
				 sizeof(*st->sockets));
		if (err)
			return err;
		sk = &st->sockets[st->n_sockets];
		memset(sk, 0, sizeof(*sk));
		sk->net_ns = ns;
		sk->family = file->family;
		sk->protocol = file->protocol;
		if (file->kind == PN_INET)
			ok = pn_parse_inet(line, file, sk);
		else if (file->kind == PN_UNIX)
			ok = pn_parse_unix(line, sk);
		else
			ok = pn_parse_packet(line, sk);
		if (ok)
			st->n_sockets++;
		line = eol;
	}
	return 0;
}

/* Parses the socket tables of namespace @ns as seen by the process behind @dirfd. */
static int pn_load_ns(struct pn_load *ld, int dirfd, uint64_t ns)
{
	for (size_t i = 0; i < VG_ARRAY_SIZE(pn_files); i++) {
		int err;

		vg_strbuf_reset(&ld->buf);
		err = vg_read_file_at(dirfd, pn_files[i].name, NET_TABLE_MAX_BYTES, &ld->buf);
		if (err && err != -EFBIG)
			continue; /* not built in (udplite, icmp6), or the process exited */
		err = pn_parse_table(ld, &pn_files[i], ns);
		if (err)
			return err;
	}
	return 0;
}

/* Keeps fd @fd of the current process when it is a socket. */
static int pn_fd(void *ctx, int fd, const char *link, size_t len)
{
	struct pn_load *ld = ctx;
	struct vg_procnet *st = ld->st;
	struct vg_socket_owner *o;
	char num[24];
	int64_t inode;
	int err;

	if (len < 10 || strncmp(link, "socket:[", 8) || link[len - 1] != ']' ||
	    len - 9 >= sizeof(num))
		return 0;
	memcpy(num, link + 8, len - 9);
	num[len - 9] = '\0';
	if (!vg_parse_i64(num, &inode) || inode < 0)
		return 0;
	err = pn_reserve((void **)&st->owners, &ld->alloc_owners, st->n_owners, sizeof(*o));
	if (err)
		return err;
	o = &st->owners[st->n_owners++];
	o->inode = (uint64_t)inode;
	o->pid = ld->pid;
	o->fd = fd;
	return 0;
}

/* Parses namespace @ns's tables through @dirfd unless that namespace is done. */
static int pn_want_ns(struct pn_load *ld, int dirfd, uint64_t ns)
{
	int err;

	for (size_t i = 0; i < ld->n_nss; i++)
		if (ld->nss[i] == ns)
			return 0;
	err = pn_reserve((void **)&ld->nss, &ld->alloc_nss, ld->n_nss, sizeof(*ld->nss));
	if (err)
		return err;
	ld->nss[ld->n_nss++] = ns;
	return pn_load_ns(ld, dirfd, ns);
}

static int pn_visit(void *ctx, pid_t pid, int dirfd)
{
	struct pn_load *ld = ctx;
	struct stat sb;
	int err;

	/*
	 * ns/net needs ptrace read access; without it the namespace is unknown,
	 * and the tables are taken from our own namespace after the walk.
	 */
	if (fstatat(dirfd, "ns/net", &sb, 0) == 0) {
		err = pn_want_ns(ld, dirfd, (uint64_t)sb.st_ino);
		if (err)
			return err;
	} else {
		ld->has_unknown_ns = true;
	}
	ld->pid = pid;
	err = vg_procfs_fds(dirfd, pn_fd, ld);
	return err == -ENOMEM ? err : 0;
}

/* Parses our own namespace's tables (the fallback for unknown namespaces). */
static int pn_load_self(struct pn_load *ld)
{
	struct stat sb;
	int fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return 0;
	err = pn_want_ns(ld, fd, fstatat(fd, "ns/net", &sb, 0) ? 0 : (uint64_t)sb.st_ino);
	close(fd);
	return err;
}

static int pn_socket_cmp(const void *a, const void *b)
{
	const struct vg_socket *x = a, *y = b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

static int pn_owner_cmp(const void *a, const void *b)
{
	const struct vg_socket_owner *x = a, *y = b;

	if (x->inode != y->inode)
		return (x->inode > y->inode) - (x->inode < y->inode);
	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

int vg_procnet_load(const struct vg_query *q, int pid_col, struct vg_procnet *st)
{
	struct pn_load ld = { .st = st, .buf = VG_STRBUF_INIT };
	bool want_all;
	size_t k = 0;
	int err;

	memset(st, 0, sizeof(*st));
	/* pid = -1 asks for the sockets nobody holds, so it needs the full walk. */
	want_all = !vg_procfs_is_filtered(q, pid_col) || vg_procfs_selects(q, pid_col, -1);
	st->is_filtered = !want_all;
	err = vg_procfs_walk(want_all ? NULL : q, pid_col, pn_visit, &ld);
	if (!err && ld.has_unknown_ns)
		err = pn_load_self(&ld);
	if (err)
		goto out;
	if (st->n_sockets)
		qsort(st->sockets, st->n_sockets, sizeof(*st->sockets), pn_socket_cmp);
	for (size_t i = 0; i < st->n_sockets; i++) {
		/* Inode 0 (TIME_WAIT, embryonic) sockets are distinct sockets. */
		if (k && st->sockets[i].inode && st->sockets[k - 1].inode == st->sockets[i].inode) {
			free(st->sockets[i].path);
			continue;
		}
		st->sockets[k++] = st->sockets[i];
	}
	st->n_sockets = k;
	if (st->n_owners)
		qsort(st->owners, st->n_owners, sizeof(*st->owners), pn_owner_cmp);
out:
	vg_strbuf_release(&ld.buf);
	free(ld.nss);
	return err;
}

void vg_procnet_release(struct vg_procnet *st)
{
	for (size_t i = 0; i < st->n_sockets; i++)
		free(st->sockets[i].path);
	free(st->sockets);
	free(st->owners);
	memset(st, 0, sizeof(*st));
}

const struct vg_socket_owner *vg_procnet_owners(const struct vg_procnet *st, uint64_t inode,
						size_t *n)
{
	size_t lo = 0, hi = st->n_owners, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->owners[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < st->n_owners && st->owners[end].inode == inode; end++)
		;
	*n = end - lo;
	return *n ? &st->owners[lo] : NULL;
}
