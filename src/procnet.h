// SPDX-License-Identifier: Apache-2.0
/*
 * procnet.h - the sockets of /proc/<pid>/net/{tcp,udp,raw,unix,...}
 * correlated with the processes (pid, fd) holding them, for
 * process_open_sockets and listening_ports.
 *
 * Thread: reentrant; a loaded table belongs to the caller.
 */
#ifndef VIGIL_PROCNET_H
#define VIGIL_PROCNET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vg_query;

/* One socket from a /proc/<pid>/net table. */
struct vg_socket {
	uint64_t inode;	 /* sockfs inode: the key of socket:[N] fd links */
	uint64_t net_ns; /* inode of the network namespace, 0 if unknown */
	int family;	 /* AF_INET, AF_INET6, AF_UNIX, AF_PACKET */
	int protocol;	 /* IPPROTO_* (0 for AF_UNIX, the ethertype for AF_PACKET) */
	uint16_t local_port, remote_port;
	char local_address[INET6_ADDRSTRLEN]; /* "" when not an IP socket */
	char remote_address[INET6_ADDRSTRLEN];
	const char *state; /* static: a TCP state name, "NONE" (packet) or "" */
	char *path;	   /* AF_UNIX bound path (owned, "@name" if abstract), or NULL */
};

/* One descriptor of a process that refers to a socket. */
struct vg_socket_owner {
	uint64_t inode;
	pid_t pid;
	int fd;
};

/* Sockets and their owners, both sorted by inode (owners then by pid, fd). */
struct vg_procnet {
	struct vg_socket *sockets; /* owned */
	size_t n_sockets;
	struct vg_socket_owner *owners; /* owned */
	size_t n_owners;
	bool is_filtered; /* the query named pids: sockets without an owner are not wanted */
};

/*
 * Fills @st for query @q: the socket descriptors of the processes selected
 * through @pid_col (as vg_procfs_walk()), and every socket of each network
 * namespace those processes live in (tcp, udp, udplite, raw, icmp for v4 and
 * v6, unix, packet; a table that cannot be read is skipped). Sockets no
 * selected process holds are kept (for pid -1 rows) unless @q names pids other
 * than -1. Returns 0 or -errno; release @st with vg_procnet_release()
 * either way.
 */
int vg_procnet_load(const struct vg_query *q, int pid_col, struct vg_procnet *st);

/* Frees what @st holds and empties it. */
void vg_procnet_release(struct vg_procnet *st);

/* The owners of socket @inode: returns the first (or NULL) and their count in *@n. */
const struct vg_socket_owner *vg_procnet_owners(const struct vg_procnet *st, uint64_t inode,
						size_t *n);

#endif
