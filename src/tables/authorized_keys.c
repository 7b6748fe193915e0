// SPDX-License-Identifier: Apache-2.0
/*
 * authorized_keys.c - the `authorized_keys` table: the public keys each user
 * lets log in over SSH (~/.ssh/authorized_keys and authorized_keys2).
 *
 * HOW IT WORKS: the users come from pwlist.c (`uid =` is one getpwuid_r per
 * value, else /etc/passwd). For each, the home directory is opened once, then
 * ".ssh" with openat(O_NOFOLLOW) and each key file with
 * openat(O_NOFOLLOW|O_NONBLOCK): the files belong to the users, so a symlink
 * planted there (to /etc/shadow, say) or a FIFO must not be followed or hang
 * the scan. A line is "[options] keytype base64 [comment]": options come
 * first only when the first word is not a key type, and are read up to the
 * first blank outside double quotes (so command="a b" stays whole, with \"
 * escapes). Comments, blank lines and lines without a key are skipped.
 * With `pid_with_namespace = N` users and homes are those of that process's
 * mount namespace.
 *
 * LIMITS: key files are capped at 1 MiB; SSH1 "bits exponent modulus" keys
 * are not recognised (OpenSSH dropped them).
 */
#include "vigil/table.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "pwlist.h"
#include "vigil/strbuf.h"

#define AK_MAX_BYTES (1024u * 1024u)

enum { C_UID, C_ALGORITHM, C_KEY, C_OPTIONS, C_COMMENT, C_KEY_FILE, C_PID_WITH_NAMESPACE };

static const struct vg_column columns[] = {
	[C_UID] = { "uid", VG_TYPE_BIGINT, VG_COL_ADDITIONAL,
		    "The local owner of authorized_keys file" },
	[C_ALGORITHM] = { "algorithm", VG_TYPE_TEXT, 0, "algorithm of key" },
	[C_KEY] = { "key", VG_TYPE_TEXT, 0, "Key encoded as base64" },
	[C_OPTIONS] = { "options", VG_TYPE_TEXT, 0, "Optional list of login options" },
	[C_COMMENT] = { "comment", VG_TYPE_TEXT, 0, "Optional comment" },
	[C_KEY_FILE] = { "key_file", VG_TYPE_TEXT, 0, "Path to the authorized_keys file" },
	[C_PID_WITH_NAMESPACE] = { "pid_with_namespace", VG_TYPE_INTEGER,
				   VG_COL_HIDDEN | VG_COL_ADDITIONAL,
				   "Pids that contain a namespace" },
};

static const char *const ak_files[] = { "authorized_keys", "authorized_keys2" };

/* The file being parsed, for its rows. */
struct ak_file {
	struct vg_query *q;
	uint32_t uid;
	const char *path;
	int64_t ns_pid;
};

/* Whether @t names an OpenSSH key or certificate type. */
static bool ak_is_key_type(const char *t)
{
	return !strncmp(t, "ssh-", 4) || !strncmp(t, "ecdsa-sha2-", 11) ||
	       !strncmp(t, "sk-ssh-", 7) || !strncmp(t, "sk-ecdsa-", 9);
}

/*
 * Splits the options field off *@s: up to the first blank outside double
 * quotes (a backslash escapes the next character inside them). Returns the
 * options, NUL-terminated in place, and advances *@s past the blanks after.
 */
static char *ak_options(char **s)
{
	char *p = *s, *opts = p;
	bool quoted = false;

	for (; *p; p++) {
		if (quoted && *p == '\\' && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == ' ' || *p == '\t'))
			break;
	}
	if (*p)
		*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	*s = p;
	return opts;
}

/* Emits the key of one line (modified in place), if it has one. */
static void ak_line(const struct ak_file *f, char *line)
{
	const char *opts = "";
	char *algo, *key;

	line = vg_cfg_trim(line);
	if (!line[0] || line[0] == '#')
		return;
	if (!ak_is_key_type(line))
		opts = ak_options(&line);
	algo = vg_cfg_token(&line);
	if (!algo || !ak_is_key_type(algo))
		return;
	key = vg_cfg_token(&line);
	if (!key)
		return;
	vg_row_begin(f->q);
	vg_row_int(f->q, C_UID, f->uid);
	vg_row_text(f->q, C_ALGORITHM, algo);
	vg_row_text(f->q, C_KEY, key);
	vg_row_text(f->q, C_OPTIONS, opts);
	vg_row_text(f->q, C_COMMENT, vg_cfg_trim(line));
	vg_row_text(f->q, C_KEY_FILE, f->path);
	if (f->ns_pid)
		vg_row_int(f->q, C_PID_WITH_NAMESPACE, f->ns_pid);
	vg_row_end(f->q);
}

/* Parses the key files of one user whose (rooted) home is @home. */
static void ak_user(struct ak_file *f, const char *home, struct vg_strbuf *text,
		    struct vg_strbuf *path)
{
	int home_fd = -1, ssh_fd = -1;

	home_fd = open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (home_fd < 0)
		goto out;
	ssh_fd = openat(home_fd, ".ssh", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ssh_fd < 0)
		goto out;
	for (size_t i = 0; i < VG_ARRAY_SIZE(ak_files); i++) {
		char *cursor, *line;
		int err;

		vg_strbuf_reset(text);
		err = vg_cfg_read(ssh_fd, ak_files[i], true, AK_MAX_BYTES, text);
		if (err && err != -EFBIG)
			continue;
		vg_strbuf_reset(path);
		vg_strbuf_addf(path, "%s/.ssh/%s", home, ak_files[i]);
		f->path = path->buf;
		cursor = text->buf;
		while ((line = vg_cfg_next_line(&cursor))) {
			if (err == -EFBIG && !*cursor)
				break; /* the cut, partial last line */
			ak_line(f, line);
		}
	}
out:
	if (ssh_fd >= 0)
		close(ssh_fd);
	if (home_fd >= 0)
		close(home_fd);
}

static int authorized_keys_generate(struct vg_query *q)
{
	struct vg_strbuf text = VG_STRBUF_INIT, path = VG_STRBUF_INIT, home = VG_STRBUF_INIT;
	struct vg_pwlist users = VG_PWLIST_INIT;
	struct vg_cfg_root root = { 0 };
	int err = 0;

	while (!err && vg_cfg_next_root(q, C_PID_WITH_NAMESPACE, &root)) {
		struct vg_pw_select sel = { .uid_col = C_UID, .name_col = -1, .root = root.path };

		err = vg_pwlist_collect(q, &sel, &users);
		for (size_t i = 0; i < users.n; i++) {
			struct ak_file f = { .q = q, .uid = users.v[i].uid, .ns_pid = root.pid };

			if (users.v[i].dir[0] != '/')
				continue;
			vg_strbuf_reset(&home);
			vg_strbuf_addf(&home, "%s%s", root.path, users.v[i].dir);
			ak_user(&f, home.buf, &text, &path);
		}
		vg_pwlist_release(&users);
	}
	vg_strbuf_release(&home);
	vg_strbuf_release(&path);
	vg_strbuf_release(&text);
	if (err)
		return vg_query_error(q, "authorized_keys: cannot list users: %s", strerror(-err));
	return 0;
}

const struct vg_table vg_table_authorized_keys = {
	.name = "authorized_keys",
	.description = "A line-delimited authorized_keys table",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 20,
	.est_cost = 500,
	.generate = authorized_keys_generate,
};
