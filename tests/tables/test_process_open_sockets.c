// SPDX-License-Identifier: Apache-2.0
/*
 * The `process_open_sockets` table: a TCP listener, a client connected to it
 * and the accepted end, all made by this test on 127.0.0.1, show up with this
 * pid, their fds and inodes, the ports getsockname() reports, family 2,
 * protocol 6 and LISTEN / ESTABLISHED; a bound UNIX socket shows its path.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(process_open_sockets_columns)
{
	VT_ASSERT_COLUMNS(
	    "process_open_sockets",
	    "pid INTEGER, fd BIGINT, socket BIGINT, family INTEGER, protocol INTEGER, "
	    "local_address TEXT, remote_address TEXT, local_port INTEGER, "
	    "remote_port INTEGER, path TEXT, state TEXT, net_namespace TEXT");
}

static int local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.sin_port);
}

/* The row of (own pid, @fd), or NULL; caller frees. */
static struct vt_rows *row_of(int fd, const char *where)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT * FROM process_open_sockets WHERE %s = %d AND fd = %d",
		 where, (int)getpid(), fd);
	return vt_query(sql, NULL);
}

/* Checks a row against the socket behind @fd and the expected TCP endpoint values. */
static bool check_tcp(int fd, int lport, int rport, const char *state, const char *where)
{
	struct vt_rows *r = row_of(fd, where);
	struct stat sb;
	bool ok;

	if (!r)
		return false;
	fstat(fd, &sb);
	ok = r->n_rows == 1 && atoll(vt_cell(r, 0, "socket")) == (long long)sb.st_ino &&
	     !strcmp(vt_cell(r, 0, "family"), "2") && !strcmp(vt_cell(r, 0, "protocol"), "6") &&
	     !strcmp(vt_cell(r, 0, "local_address"), "127.0.0.1") &&
	     atoi(vt_cell(r, 0, "local_port")) == lport &&
	     atoi(vt_cell(r, 0, "remote_port")) == rport && !strcmp(vt_cell(r, 0, "state"), state);
	if (!ok && r->n_rows == 1)
		fprintf(stderr, "fd %d: %s:%s -> %s:%s %s\n", fd, vt_cell(r, 0, "local_address"),
			vt_cell(r, 0, "local_port"), vt_cell(r, 0, "remote_address"),
			vt_cell(r, 0, "remote_port"), vt_cell(r, 0, "state"));
	vt_rows_free(r);
	return ok;
}

VT_TEST(process_open_sockets_tcp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int lfd, cfd, afd, lport, cport;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	VT_ASSERT(lfd >= 0);
	VT_ASSERT_OK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)));
	VT_ASSERT_OK(listen(lfd, 4));
	VT_ASSERT_OK(getsockname(lfd, (struct sockaddr *)&sa, &len));
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	VT_ASSERT(cfd >= 0);
	VT_ASSERT_OK(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)));
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	VT_ASSERT(afd >= 0);
	lport = local_port(lfd);
	cport = local_port(cfd);

	VT_ASSERT(check_tcp(lfd, lport, 0, "LISTEN", "pid"));
	VT_ASSERT(check_tcp(cfd, cport, lport, "ESTABLISHED", "pid"));
	VT_ASSERT(check_tcp(afd, lport, cport, "ESTABLISHED", "pid"));
	/* The same through the full scan (pid not pushed down). */
	VT_ASSERT(check_tcp(cfd, cport, lport, "ESTABLISHED", "pid + 0"));
	close(afd);
	close(cfd);
	close(lfd);
}

VT_TEST(process_open_sockets_unix)
{
	char *dir = vt_tmpdir();
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	struct vt_rows *r;
	int fd;

	VT_ASSERT(dir);
	snprintf(su.sun_path, sizeof(su.sun_path), "%s/vigil.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	VT_ASSERT(fd >= 0);
	VT_ASSERT_OK(bind(fd, (struct sockaddr *)&su, sizeof(su)));
	VT_ASSERT_OK(listen(fd, 1));
	r = row_of(fd, "pid");
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "family"), "1");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "path"), su.sun_path);
	vt_rows_free(r);
	close(fd);
	vt_rmtree(dir);
	free(dir);
}
