// SPDX-License-Identifier: Apache-2.0
/*
 * logged_in_users.c - the `logged_in_users` table: the utmp login records
 * (osquery's columns and type names).
 *
 * HOW IT WORKS: the utmp file (_PATH_UTMPX, /run/utmp) is read once into
 * memory and walked as an array of struct utmpx, the on-disk record format
 * on Linux; this avoids getutxent(), whose cursor is process-global. As in
 * osquery, records of pid 1 are skipped and every other record is a row
 * with its type named ("user" for a login session, "login", "dead",
 * "boot_time", ...). The fixed-width text fields need not be NUL-terminated,
 * so they are copied with their bounded lengths.
 *
 * LIMITS: the file is capped at 16 MiB (about 40,000 records); a trailing
 * partial record is ignored.
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <utmpx.h>

#include "cfgfile.h"
#include "vigil/strbuf.h"

#define UTMP_MAX_BYTES (16u * 1024u * 1024u)

enum { C_TYPE, C_USER, C_TTY, C_HOST, C_TIME, C_PID };

static const struct vg_column columns[] = {
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Login type" },
	[C_USER] = { "user", VG_TYPE_TEXT, 0, "User login name" },
	[C_TTY] = { "tty", VG_TYPE_TEXT, 0, "Device name" },
	[C_HOST] = { "host", VG_TYPE_TEXT, 0, "Remote hostname" },
	[C_TIME] = { "time", VG_TYPE_BIGINT, 0, "Time entry was made" },
	[C_PID] = { "pid", VG_TYPE_INTEGER, 0, "Process (or thread) ID" },
};

static const char *utmp_type_name(short type)
{
	switch (type) {
	case EMPTY:
		return "empty";
	case RUN_LVL:
		return "runlevel";
	case BOOT_TIME:
		return "boot_time";
	case NEW_TIME:
		return "new_time";
	case OLD_TIME:
		return "old_time";
	case INIT_PROCESS:
		return "init";
	case LOGIN_PROCESS:
		return "login";
	case USER_PROCESS:
		return "user";
	case DEAD_PROCESS:
		return "dead";
	case ACCOUNTING:
		return "accounting";
	default:
		return "unknown";
	}
}

static void utmp_emit(struct vg_query *q, const struct utmpx *u)
{
	vg_row_begin(q);
	vg_row_text(q, C_TYPE, utmp_type_name(u->ut_type));
	vg_row_textn(q, C_USER, u->ut_user, strnlen(u->ut_user, sizeof(u->ut_user)));
	vg_row_textn(q, C_TTY, u->ut_line, strnlen(u->ut_line, sizeof(u->ut_line)));
	vg_row_textn(q, C_HOST, u->ut_host, strnlen(u->ut_host, sizeof(u->ut_host)));
	vg_row_int(q, C_TIME, u->ut_tv.tv_sec);
	vg_row_int(q, C_PID, u->ut_pid);
	vg_row_end(q);
}

static int logged_in_users_generate(struct vg_query *q)
{
	struct vg_strbuf data = VG_STRBUF_INIT;
	int err;

	err = vg_cfg_read(AT_FDCWD, _PATH_UTMPX, true, UTMP_MAX_BYTES, &data);
	if (err && err != -EFBIG)
		goto out; /* no utmp (containers): nobody is logged in */
	for (size_t off = 0; off + sizeof(struct utmpx) <= data.len; off += sizeof(struct utmpx)) {
		struct utmpx u;

		/* Copy out: the strbuf gives no alignment guarantee for the struct. */
		memcpy(&u, data.buf + off, sizeof(u));
		if (u.ut_pid != 1)
			utmp_emit(q, &u);
	}
out:
	vg_strbuf_release(&data);
	return 0;
}

const struct vg_table vg_table_logged_in_users = {
	.name = "logged_in_users",
	.description = "Users with an active shell on the system",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 10,
	.est_cost = 50,
	.generate = logged_in_users_generate,
};
