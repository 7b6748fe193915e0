// SPDX-License-Identifier: Apache-2.0
/*
 * The `listening_ports` table: a TCP listener and a bound UDP socket this
 * test makes on 127.0.0.1 (ports from getsockname()) are rows with this pid,
 * protocols 6 and 17, family 2; a connected TCP client is not listed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(listening_ports_columns)
{
	VT_ASSERT_COLUMNS("listening_ports",
			  "pid INTEGER, port INTEGER, protocol INTEGER, family INTEGER, "
			  "address TEXT, fd BIGINT, socket BIGINT, path TEXT, net_namespace TEXT");
}

/* A socket of @type bound to 127.0.0.1 port 0; its port goes to *@port. */
static int bound(int type, int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

VT_TEST(listening_ports_own)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int tfd, ufd, cfd, tport = 0, uport = 0;
	char sql[256], want[128];

	tfd = bound(SOCK_STREAM, &tport);
	VT_ASSERT(tfd >= 0);
	VT_ASSERT_OK(listen(tfd, 4));
	ufd = bound(SOCK_DGRAM, &uport);
	VT_ASSERT(ufd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)tport);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	VT_ASSERT(cfd >= 0);
	VT_ASSERT_OK(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)));

	/* Full scan: pid compared by SQLite only. */
	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(fd || ':' || port || ':' || protocol || ':' || family || ':' "
		 "|| address, ' ') FROM (SELECT * FROM listening_ports WHERE pid + 0 = %d "
		 "AND family = 2 ORDER BY fd)",
		 (int)getpid());
	snprintf(want, sizeof(want), "%d:%d:6:2:127.0.0.1 %d:%d:17:2:127.0.0.1", tfd, tport, ufd,
		 uport);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), want);
	/* pid pushed down: the same rows. */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM listening_ports WHERE pid = %d AND port IN (%d, %d)",
		 (int)getpid(), tport, uport);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "2");
	close(cfd);
	close(ufd);
	close(tfd);
}

VT_TEST(listening_ports_vs_ss)
{
	int fd, port = 0;
	char cmd[128], sql[160], *out;

	fd = bound(SOCK_STREAM, &port);
	VT_ASSERT(fd >= 0);
	VT_ASSERT_OK(listen(fd, 1));
	/* ss(8) reads sock_diag netlink, independent of /proc/net. */
	snprintf(cmd, sizeof(cmd), "ss -Htln 'sport = :%d' | wc -l", port);
	out = vt_shell_output(cmd);
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM listening_ports WHERE port = %d AND protocol = 6", port);
	VT_ASSERT(out);
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), out);
	VT_ASSERT_STR_EQ(out, "1");
	free(out);
	close(fd);
}
