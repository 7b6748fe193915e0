// SPDX-License-Identifier: Apache-2.0
/*
 * process_open_sockets.c - the `process_open_sockets` table: every socket of
 * the host's network namespaces with the processes (pid, fd) holding it
 * (osquery's columns plus Linux's net_namespace).
 *
 * HOW IT WORKS: vg_procnet_load() (src/procnet.c) walks the selected
 * processes once, collecting their socket:[inode] descriptors, and parses the
 * socket tables (/proc/<pid>/net/{tcp,udp,raw,icmp,udplite}[6], unix, packet)
 * of each network namespace met. Each socket is one row per holder; a socket
 * nobody holds (a TIME_WAIT connection, a kernel socket) is one row with pid
 * and fd -1, only when no pid (other than -1) is pushed down.
 *
 * Values: family and protocol are the AF_* and IPPROTO_* numbers (UNIX
 * sockets have protocol 0, packet sockets their ethertype); state is a TCP
 * state name, "NONE" for packet sockets and "" otherwise; path is a UNIX
 * socket's bound path ("@..." when abstract).
 */
#include "vigil/table.h"

#include <string.h>

#include "procnet.h"

enum {
	C_PID,
	C_FD,
	C_SOCKET,
	C_FAMILY,
	C_PROTOCOL,
	C_LOCAL_ADDRESS,
	C_REMOTE_ADDRESS,
	C_LOCAL_PORT,
	C_REMOTE_PORT,
	C_PATH,
	C_STATE,
	C_NET_NAMESPACE,
};

static const struct vg_column columns[] = {
	[C_PID] = { "pid", VG_TYPE_INTEGER, VG_COL_ADDITIONAL | VG_COL_OPTIMIZED,
		    "Process (or thread) ID" },
	[C_FD] = { "fd", VG_TYPE_BIGINT, 0, "Socket file descriptor number" },
	[C_SOCKET] = { "socket", VG_TYPE_BIGINT, 0, "Socket handle or inode number" },
	[C_FAMILY] = { "family", VG_TYPE_INTEGER, 0, "Network protocol (IPv4, IPv6)" },
	[C_PROTOCOL] = { "protocol", VG_TYPE_INTEGER, 0, "Transport protocol (TCP/UDP)" },
	[C_LOCAL_ADDRESS] = { "local_address", VG_TYPE_TEXT, 0, "Socket local address" },
	[C_REMOTE_ADDRESS] = { "remote_address", VG_TYPE_TEXT, 0, "Socket remote address" },
	[C_LOCAL_PORT] = { "local_port", VG_TYPE_INTEGER, 0, "Socket local port" },
	[C_REMOTE_PORT] = { "remote_port", VG_TYPE_INTEGER, 0, "Socket remote port" },
	[C_PATH] = { "path", VG_TYPE_TEXT, 0,
		     "For UNIX sockets (family=AF_UNIX), the domain path" },
	[C_STATE] = { "state", VG_TYPE_TEXT, 0, "TCP socket state" },
	[C_NET_NAMESPACE] = { "net_namespace", VG_TYPE_TEXT, 0,
			      "The inode number of the network namespace" },
};

static void pos_row(struct vg_query *q, const struct vg_socket *sk, int64_t pid, int64_t fd)
{
	vg_row_begin(q);
	vg_row_int(q, C_PID, pid);
	vg_row_int(q, C_FD, fd);
	vg_row_int(q, C_SOCKET, (int64_t)sk->inode);
	vg_row_int(q, C_FAMILY, sk->family);
	vg_row_int(q, C_PROTOCOL, sk->protocol);
	vg_row_text(q, C_LOCAL_ADDRESS, sk->local_address);
	vg_row_text(q, C_REMOTE_ADDRESS, sk->remote_address);
	vg_row_int(q, C_LOCAL_PORT, sk->local_port);
	vg_row_int(q, C_REMOTE_PORT, sk->remote_port);
	vg_row_text(q, C_PATH, sk->path ? sk->path : "");
	vg_row_text(q, C_STATE, sk->state);
	vg_row_textf(q, C_NET_NAMESPACE, "%llu", (unsigned long long)sk->net_ns);
	vg_row_end(q);
}

static int process_open_sockets_generate(struct vg_query *q)
{
	struct vg_procnet pn;
	int err = vg_procnet_load(q, C_PID, &pn);

	if (err) {
		vg_query_error(q, "process_open_sockets: cannot read /proc: %s", strerror(-err));
		goto out;
	}
	for (size_t i = 0; i < pn.n_sockets; i++) {
		const struct vg_socket *sk = &pn.sockets[i];
		size_t n;
		const struct vg_socket_owner *o = vg_procnet_owners(&pn, sk->inode, &n);

		if (!n && !pn.is_filtered)
			pos_row(q, sk, -1, -1);
		for (size_t k = 0; k < n; k++)
			pos_row(q, sk, o[k].pid, o[k].fd);
	}
out:
	vg_procnet_release(&pn);
	return err;
}

const struct vg_table vg_table_process_open_sockets = {
	.name = "process_open_sockets",
	.description = "Processes which have open network sockets on the system.",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1000,
	.est_cost = 400 * 50,
	.generate = process_open_sockets_generate,
};
