// SPDX-License-Identifier: Apache-2.0
/*
 * listening_ports.c - the `listening_ports` table: bound sockets waiting for
 * peers, with the processes holding them (osquery's columns plus Linux's
 * net_namespace).
 *
 * HOW IT WORKS: the sockets of process_open_sockets (vg_procnet_load(), see
 * src/procnet.c), kept as osquery keeps them: an IPv4/IPv6 socket without a
 * remote port (a TCP listener, a bound UDP or raw socket) and a UNIX socket
 * bound to a path. UNIX rows have port 0 and socket 0, as in osquery. A
 * socket nobody holds has pid and fd -1. `pid =`/IN is pushed down (an
 * addition to osquery, which lists every process first).
 */
#include "vigil/table.h"

#include <string.h>
#include <sys/socket.h>

#include "procnet.h"

enum {
	C_PID,
	C_PORT,
	C_PROTOCOL,
	C_FAMILY,
	C_ADDRESS,
	C_FD,
	C_SOCKET,
	C_PATH,
	C_NET_NAMESPACE,
};

static const struct vg_column columns[] = {
	[C_PID] = { "pid", VG_TYPE_INTEGER, VG_COL_ADDITIONAL | VG_COL_OPTIMIZED,
		    "Process (or thread) ID" },
	[C_PORT] = { "port", VG_TYPE_INTEGER, 0, "Transport layer port" },
	[C_PROTOCOL] = { "protocol", VG_TYPE_INTEGER, 0, "Transport protocol (TCP/UDP)" },
	[C_FAMILY] = { "family", VG_TYPE_INTEGER, 0, "Network protocol (IPv4, IPv6)" },
	[C_ADDRESS] = { "address", VG_TYPE_TEXT, 0, "Specific address for bind" },
	[C_FD] = { "fd", VG_TYPE_BIGINT, 0, "Socket file descriptor number" },
	[C_SOCKET] = { "socket", VG_TYPE_BIGINT, 0, "Socket handle or inode number" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0, "Path for UNIX domain sockets" },
	[C_NET_NAMESPACE] = { "net_namespace", VG_TYPE_TEXT, 0,
			      "The inode number of the network namespace" },
};

/* Whether @sk is listening in osquery's sense (see the file header). */
static bool lp_is_listening(const struct vg_socket *sk)
{
	if (sk->family == AF_UNIX)
		return sk->path != NULL;
	if (sk->family == AF_INET || sk->family == AF_INET6)
		return sk->remote_port == 0;
	return false;
}

static void lp_row(struct vg_query *q, const struct vg_socket *sk, int64_t pid, int64_t fd)
{
	bool is_unix = sk->family == AF_UNIX;

	vg_row_begin(q);
	vg_row_int(q, C_PID, pid);
	vg_row_int(q, C_PORT, is_unix ? 0 : sk->local_port);
	vg_row_int(q, C_PROTOCOL, sk->protocol);
	vg_row_int(q, C_FAMILY, sk->family);
	vg_row_text(q, C_ADDRESS, sk->local_address);
	vg_row_int(q, C_FD, fd);
	vg_row_int(q, C_SOCKET, is_unix ? 0 : (int64_t)sk->inode);
	vg_row_text(q, C_PATH, sk->path ? sk->path : "");
	vg_row_textf(q, C_NET_NAMESPACE, "%llu", (unsigned long long)sk->net_ns);
	vg_row_end(q);
}

static int listening_ports_generate(struct vg_query *q)
{
	struct vg_procnet pn;
	int err = vg_procnet_load(q, C_PID, &pn);

	if (err) {
		vg_query_error(q, "listening_ports: cannot read /proc: %s", strerror(-err));
		goto out;
	}
	for (size_t i = 0; i < pn.n_sockets; i++) {
		const struct vg_socket *sk = &pn.sockets[i];
		size_t n;
		const struct vg_socket_owner *o;

		if (!lp_is_listening(sk))
			continue;
		o = vg_procnet_owners(&pn, sk->inode, &n);
		if (!n && !pn.is_filtered)
			lp_row(q, sk, -1, -1);
		for (size_t k = 0; k < n; k++)
			lp_row(q, sk, o[k].pid, o[k].fd);
	}
out:
	vg_procnet_release(&pn);
	return err;
}

const struct vg_table vg_table_listening_ports = {
	.name = "listening_ports",
	.description = "Processes with listening (bound) network sockets/ports.",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 100,
	.est_cost = 400 * 50,
	.generate = listening_ports_generate,
};
