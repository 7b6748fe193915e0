// SPDX-License-Identifier: Apache-2.0
/*
 * routes.c - the `routes` table: every IPv4 and IPv6 route of every routing
 * table (main, local, policy tables), one row each.
 *
 * HOW IT WORKS: one rtnetlink RTM_GETROUTE dump (family AF_UNSPEC) is read
 * with a 5 s receive timeout, so a silent kernel cannot hang the query. Each
 * RTM_NEWROUTE gives destination/netmask (RTA_DST and rtm_dst_len; none
 * means the default route, "0.0.0.0" or "::"), gateway (RTA_GATEWAY, or the
 * first hop of RTA_MULTIPATH), source (RTA_PREFSRC), interface (RTA_OIF,
 * names cached per query), metric (RTA_PRIORITY), and mtu/hopcount from
 * RTA_METRICS. type follows osquery: unicast "gateway", "local",
 * "broadcast", "anycast", else "other"; flags are rtm_flags.
 *
 * Unlike osquery, netmask is the real prefix length for host routes (32 or
 * 128); osquery prints 0 there.
 */
#include "vigil/table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util.h"

/*
 * The uapi netlink walkers (RTA_NEXT, RTA_DATA, NLMSG_NEXT, ...) cast through
 * char *, drop const and compare int with __u32; clang reports that at every use. They are the
 * kernel's documented way to walk these messages, so the warnings are off
 * for this file only.
 */
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wsign-compare"

enum {
	C_DESTINATION,
	C_NETMASK,
	C_GATEWAY,
	C_SOURCE,
	C_FLAGS,
	C_INTERFACE,
	C_MTU,
	C_METRIC,
	C_TYPE,
	C_HOPCOUNT,
};

static const struct vg_column columns[] = {
	[C_DESTINATION] = { "destination", VG_TYPE_TEXT, 0, "Destination IP address" },
	[C_NETMASK] = { "netmask", VG_TYPE_INTEGER, 0, "Netmask length" },
	[C_GATEWAY] = { "gateway", VG_TYPE_TEXT, 0, "Route gateway" },
	[C_SOURCE] = { "source", VG_TYPE_TEXT, 0, "Route source" },
	[C_FLAGS] = { "flags", VG_TYPE_INTEGER, 0, "Flags to describe route" },
	[C_INTERFACE] = { "interface", VG_TYPE_TEXT, 0, "Route local interface" },
	[C_MTU] = { "mtu", VG_TYPE_INTEGER, 0, "Maximum Transmission Unit for the route" },
	[C_METRIC] = { "metric", VG_TYPE_INTEGER, 0, "Cost of route. Lowest is preferred" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, VG_COL_ADDITIONAL, "Type of route" },
	[C_HOPCOUNT] = { "hopcount", VG_TYPE_INTEGER, 0, "Max hops expected" },
};

#define RT_BUF_BYTES   65536
#define RT_TIMEOUT_S   5
#define RT_MAX_IFINDEX 4096

/* Interface names by index, looked up once per query. */
struct rt_names {
	char name[RT_MAX_IFINDEX][IF_NAMESIZE];
	unsigned char state[RT_MAX_IFINDEX]; /* 0 unknown, 1 found, 2 absent */
};

static const char *rt_ifname(struct rt_names *n, unsigned idx, char *tmp)
{
	if (idx >= RT_MAX_IFINDEX)
		return if_indextoname(idx, tmp);
	if (!n->state[idx])
		n->state[idx] = if_indextoname(idx, n->name[idx]) ? 1 : 2;
	return n->state[idx] == 1 ? n->name[idx] : NULL;
}

static void rt_addr(struct vg_query *q, int col, int family, const struct rtattr *a)
{
	char buf[INET6_ADDRSTRLEN];
	size_t need = family == AF_INET6 ? 16 : 4;

	if (RTA_PAYLOAD(a) >= need && inet_ntop(family, RTA_DATA(a), buf, sizeof(buf)))
		vg_row_text(q, col, buf);
}

static void rt_metrics(struct vg_query *q, const struct rtattr *m)
{
	int len = (int)RTA_PAYLOAD(m);

	for (const struct rtattr *x = RTA_DATA(m); RTA_OK(x, len); x = RTA_NEXT(x, len)) {
		uint32_t v;

		if (RTA_PAYLOAD(x) < sizeof(v))
			continue;
		memcpy(&v, RTA_DATA(x), sizeof(v));
		if (x->rta_type == RTAX_MTU)
			vg_row_int(q, C_MTU, v);
		else if (x->rta_type == RTAX_HOPLIMIT)
			vg_row_int(q, C_HOPCOUNT, v);
	}
}

static const char *rt_type(unsigned char t)
{
	switch (t) {
	case RTN_UNICAST:
		return "gateway";
	case RTN_LOCAL:
		return "local";
	case RTN_BROADCAST:
		return "broadcast";
	case RTN_ANYCAST:
		return "anycast";
	default:
		return "other";
	}
}

/* The first hop of a multipath route: its gateway and interface. */
static void rt_multipath(struct vg_query *q, const struct rtattr *a, int family,
			 struct rt_names *names)
{
	const struct rtnexthop *nh = RTA_DATA(a);
	char tmp[IF_NAMESIZE];
	const char *ifname;
	int len;

	if (RTA_PAYLOAD(a) < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) ||
	    nh->rtnh_len > RTA_PAYLOAD(a))
		return;
	if ((ifname = rt_ifname(names, (unsigned)nh->rtnh_ifindex, tmp)))
		vg_row_text(q, C_INTERFACE, ifname);
	len = (int)(nh->rtnh_len - RTNH_LENGTH(0));
	for (const struct rtattr *x = RTNH_DATA(nh); RTA_OK(x, len); x = RTA_NEXT(x, len))
		if (x->rta_type == RTA_GATEWAY)
			rt_addr(q, C_GATEWAY, family, x);
}

static void rt_route(struct vg_query *q, const struct nlmsghdr *h, struct rt_names *names)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	int len = (int)RTM_PAYLOAD(h);
	bool has_dst = false;
	char tmp[IF_NAMESIZE];

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return;
	vg_row_begin(q);
	vg_row_int(q, C_METRIC, 0);
	vg_row_int(q, C_MTU, 0);
	vg_row_int(q, C_HOPCOUNT, 0);
	for (const struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		uint32_t v = 0;
		const char *ifname;

		if (RTA_PAYLOAD(a) >= sizeof(v))
			memcpy(&v, RTA_DATA(a), sizeof(v));
		switch (a->rta_type) {
		case RTA_DST:
			rt_addr(q, C_DESTINATION, rtm->rtm_family, a);
			has_dst = true;
			break;
		case RTA_GATEWAY:
			rt_addr(q, C_GATEWAY, rtm->rtm_family, a);
			break;
		case RTA_PREFSRC:
			rt_addr(q, C_SOURCE, rtm->rtm_family, a);
			break;
		case RTA_OIF:
			if ((ifname = rt_ifname(names, v, tmp)))
				vg_row_text(q, C_INTERFACE, ifname);
			break;
		case RTA_PRIORITY:
			vg_row_int(q, C_METRIC, v);
			break;
		case RTA_METRICS:
			rt_metrics(q, a);
			break;
		case RTA_MULTIPATH:
			rt_multipath(q, a, rtm->rtm_family, names);
			break;
		}
	}
	if (!has_dst)
		vg_row_text(q, C_DESTINATION, rtm->rtm_family == AF_INET ? "0.0.0.0" : "::");
	vg_row_int(q, C_NETMASK, rtm->rtm_dst_len);
	vg_row_int(q, C_FLAGS, rtm->rtm_flags);
	vg_row_text(q, C_TYPE, rt_type(rtm->rtm_type));
	vg_row_end(q);
}

/* Sends the dump request on @fd. Returns 0 or -errno. */
static int rt_request(int fd, uint32_t seq)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
	} req = {
		.h = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			.nlmsg_type = RTM_GETROUTE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = seq,
		},
		.r = { .rtm_family = AF_UNSPEC },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/*
 * Reads the dump answering @seq until NLMSG_DONE and emits its routes.
 * Returns 0, or -errno (-EAGAIN on timeout, -EIO on a malformed reply).
 */
static int rt_read(struct vg_query *q, int fd, uint32_t seq, char *buf, struct rt_names *names)
{
	for (;;) {
		ssize_t n = recv(fd, buf, RT_BUF_BYTES, 0);
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		len = (int)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)(const void *)buf;
		     NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error
					   ? e->error
					   : -EIO;
			}
			if (h->nlmsg_type == RTM_NEWROUTE)
				rt_route(q, h, names);
		}
	}
}

static int routes_generate(struct vg_query *q)
{
	struct timeval tv = { .tv_sec = RT_TIMEOUT_S };
	struct rt_names *names = calloc(1, sizeof(*names));
	char *buf = malloc(RT_BUF_BYTES);
	uint32_t seq = (uint32_t)vg_mono_ns(); /* any value; replies echo it */
	int fd = -1, err = 0;

	if (!names || !buf) {
		err = vg_query_error(q, "routes: out of memory");
		goto out;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		goto out; /* no rtnetlink (sandbox): no rows, as osquery */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	err = rt_request(fd, seq);
	if (!err)
		err = rt_read(q, fd, seq, buf, names);
	if (err)
		vg_query_error(q, "routes: netlink route dump failed: %s", strerror(-err));
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(names);
	return err;
}

const struct vg_table vg_table_routes = {
	.name = "routes",
	.description = "The active route table for the host system",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 20,
	.generate = routes_generate,
};
