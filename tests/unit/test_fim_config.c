// SPDX-License-Identifier: Apache-2.0
/*
 * FIM configuration: osquery's pattern forms (pattern -> path -> matched or
 * not), where each pattern is watched, exclusions, accesses categories and
 * bad patterns.
 */
#include <jansson.h>
#include <stdlib.h>

#include "fim_config.h"
#include "vt.h"

VT_TEST(pattern_table)
{
	static const struct {
		const char *pattern, *path;
		bool match;
	} cases[] = {
		{ "/etc/%", "/etc/passwd", true },
		{ "/etc/%", "/etc/ssh/sshd_config", false },
		{ "/etc/%", "/etc", false },
		{ "/etc/%%", "/etc/passwd", true },
		{ "/etc/%%", "/etc/ssh/sshd_config", true },
		{ "/etc/%%", "/etc", false },
		{ "/etc/%%", "/etcetera/x", false },
		{ "/bin/%sh", "/bin/bash", true },
		{ "/bin/%sh", "/bin/bashrc", false },
		{ "/bin/ba%", "/bin/bash", true },
		{ "/home/%/.ssh/%", "/home/alice/.ssh/authorized_keys", true },
		{ "/home/%/.ssh/%", "/home/alice/.ssh", false },
		{ "/home/%/.ssh/%", "/home/alice/x/.ssh/k", false },
		{ "/etc/passwd", "/etc/passwd", true },
		{ "/etc/passwd", "/etc/passwd-", false },
		{ "/tmp/a b/%", "/tmp/a b/c\nd", true },
		{ "/tmp/%", "/tmp/\xff\xfe", true },
		{ "/x/*.conf", "/x/a.conf", true },
		{ "/", "/", true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got =
		    vg_fim_pattern_match(cases[i].pattern, cases[i].path, strlen(cases[i].path));

		if (got != cases[i].match) {
			vt_fail(__FILE__, __LINE__, "%s ~ %s: got %d", cases[i].pattern,
				cases[i].path, got);
			return;
		}
	}
}

static struct vg_fim_config *compile(const char *text, char **err)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	struct vg_fim_config *c = NULL;

	*err = NULL;
	if (!root)
		return NULL;
	if (vg_fim_config_compile(root, &c, err))
		c = NULL;
	json_decref(root);
	return c;
}

/* The watches as "path:r:a" strings joined by spaces. */
static void watches_text(const struct vg_fim_config *c, char *buf, size_t size)
{
	const struct vg_watch_set *ws = vg_fim_config_watches(c);
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ws->n_watches && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s:%c%c", i ? " " : "",
					ws->watches[i].path, ws->watches[i].recursive ? 'r' : '-',
					ws->watches[i].accesses ? 'a' : '-');
}

VT_TEST(watch_roots)
{
	char *dir = vt_tmpdir(), text[2048], want[2048], got[2048], *err = NULL;
	struct vg_fim_config *c;

	snprintf(text, sizeof(text),
		 "{\"file_paths\": {"
		 "\"etc\": [\"/etc/%%%%\"],"
		 "\"bins\": [\"/usr/bin/%%\", \"/usr/sbin/\"],"
		 "\"ssh\": [\"/home/%%/.ssh/%%\"],"
		 "\"one\": [\"%s/file.txt\", \"%s\"],"
		 "\"inside\": [\"/etc/ssh/%%\"]},"
		 "\"file_accesses\": [\"ssh\"]}",
		 dir, dir);
	c = compile(text, &err);
	VT_ASSERT(c);
	watches_text(c, got, sizeof(got));
	/* /etc/ssh is inside the recursive /etc watch; the temp dir is watched once. */
	snprintf(want, sizeof(want), "/etc:r- /usr/bin:-- /usr/sbin:-- /home:ra %s:--", dir);
	VT_ASSERT_STR_EQ(got, want);
	VT_ASSERT_EQ(vg_fim_config_n_categories(c), 5);
	VT_ASSERT(vg_fim_config_accesses(c, 2));
	VT_ASSERT(!vg_fim_config_accesses(c, 0));
	/* A directory named without '/' covers itself and its children. */
	snprintf(text, sizeof(text), "%s/x", dir);
	VT_ASSERT(vg_fim_config_match(c, 3, text, strlen(text)));
	VT_ASSERT(vg_fim_config_match(c, 3, dir, strlen(dir)));
	vg_fim_config_free(c);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(exclusions)
{
	char *err = NULL;
	struct vg_fim_config *c = compile(
	    "{\"file_paths\": {\"etc\": [\"/etc/%%\"]},"
	    " \"exclude_paths\": {\"etc\": [\"/etc/mtab\", \"/etc/ssl/\", \"/etc/%%/cache\"],"
	    "                     \"nope\": [\"/etc/passwd\"]}}",
	    &err);

	VT_ASSERT(c);
	VT_ASSERT(vg_fim_config_match(c, 0, "/etc/passwd", 11)); /* unknown category ignored */
	VT_ASSERT(!vg_fim_config_match(c, 0, "/etc/mtab", 9));
	VT_ASSERT(!vg_fim_config_match(c, 0, "/etc/ssl/cert.pem", 17));
	VT_ASSERT(vg_fim_config_match(c, 0, "/etc/ssl2/x", 11));
	vg_fim_config_free(c);
}

VT_TEST(bad_patterns)
{
	static const char *const bad[] = {
		"{\"file_paths\": {\"a\": [\"/a/%%/b\"]}}",
		"{\"file_paths\": {\"a\": [\"relative/path\"]}}",
		"{\"file_paths\": {\"a\": [\"/a/x%%\"]}}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		struct vg_fim_config *c = compile(bad[i], &err);

		if (c || !err || !strstr(err, "bad pattern")) {
			vt_fail(__FILE__, __LINE__, "%s: accepted (%s)", bad[i], err ? err : "");
			vg_fim_config_free(c);
			free(err);
			return;
		}
		free(err);
	}
}
