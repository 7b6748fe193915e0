// SPDX-License-Identifier: Apache-2.0
/*
 * sql_functions.c - the extra SQL functions osquery users lean on.
 *
 *   split(str, tokens, index)         index-th (0-based) piece of str split on
 *                                     any character of tokens, empty pieces skipped
 *   regex_match(str, pattern, group)  group of the first match (POSIX ERE), or NULL
 *   regex_split(str, pattern, index)  index-th piece of str split on pattern
 *   md5(s), sha1(s), sha256(s)        hex digest of a string or blob
 *   to_base64(s), from_base64(s)      base64 (from_base64 is NULL on bad input)
 *   conditional_to_base64(s)          s if it is printable ASCII, else to_base64(s)
 *   inet_aton(s)                      dotted IPv4 to integer, NULL if invalid
 *   concat(...), concat_ws(sep, ...)  only where the SQLite is older than 3.44
 *
 * Compiled regexes are cached per statement with sqlite3_set_auxdata().
 * All functions are deterministic and innocuous.
 */
#include "sql.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <regex.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/strbuf.h"

static void fn_split(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	const char *tokens = (const char *)sqlite3_value_text(argv[1]);
	sqlite3_int64 want = sqlite3_value_int64(argv[2]);
	sqlite3_int64 k = 0;

	(void)argc;
	if (!s || !tokens || want < 0)
		return;
	while (*s) {
		size_t skip = strspn(s, tokens), len;

		s += skip;
		if (!*s)
			break;
		len = strcspn(s, tokens);
		if (k++ == want) {
			sqlite3_result_text(ctx, s, (int)len, SQLITE_TRANSIENT);
			return;
		}
		s += len;
	}
}

static void regex_free(void *p)
{
	regfree(p);
	free(p);
}

/* The compiled pattern argv[1], cached on the statement; NULL after an error. */
static regex_t *get_regex(sqlite3_context *ctx, sqlite3_value **argv)
{
	const char *pattern = (const char *)sqlite3_value_text(argv[1]);
	regex_t *re = sqlite3_get_auxdata(ctx, 1);
	int rc;

	if (re)
		return re;
	if (!pattern)
		return NULL;
	re = malloc(sizeof(*re));
	if (!re) {
		sqlite3_result_error_nomem(ctx);
		return NULL;
	}
	rc = regcomp(re, pattern, REG_EXTENDED);
	if (rc) {
		char msg[256];

		regerror(rc, re, msg, sizeof(msg));
		free(re);
		sqlite3_result_error(ctx, msg, -1);
		return NULL;
	}
	sqlite3_set_auxdata(ctx, 1, re, regex_free);
	return sqlite3_get_auxdata(ctx, 1);
}

static void fn_regex_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	sqlite3_int64 group = sqlite3_value_int64(argv[2]);
	regmatch_t m[10];
	regex_t *re;

	(void)argc;
	re = get_regex(ctx, argv);
	if (!re || !s || group < 0 || group >= 10)
		return;
	if (regexec(re, s, 10, m, 0) || m[group].rm_so < 0)
		return;
	sqlite3_result_text(ctx, s + m[group].rm_so, (int)(m[group].rm_eo - m[group].rm_so),
			    SQLITE_TRANSIENT);
}

static void fn_regex_split(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	sqlite3_int64 want = sqlite3_value_int64(argv[2]);
	sqlite3_int64 k = 0;
	regmatch_t m;
	regex_t *re;

	(void)argc;
	re = get_regex(ctx, argv);
	if (!re || !s || want < 0)
		return;
	for (;;) {
		int rc = regexec(re, s, 1, &m, k ? REG_NOTBOL : 0);
		size_t len = rc ? strlen(s) : (size_t)m.rm_so;

		if (!rc && m.rm_eo == 0) { /* an empty match at the start: no progress */
			len = strlen(s);
			rc = 1;
		}
		if (len > 0) {
			if (k == want) {
				sqlite3_result_text(ctx, s, (int)len, SQLITE_TRANSIENT);
				return;
			}
			k++;
		}
		if (rc)
			return;
		s += m.rm_eo;
	}
}

static void digest(sqlite3_context *ctx, sqlite3_value **argv, const EVP_MD *md)
{
	const void *data = sqlite3_value_blob(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);
	unsigned char out[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int n = 0;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	if (!EVP_Digest(data ? data : "", (size_t)len, out, &n, md, NULL)) {
		sqlite3_result_error(ctx, "digest failed", -1);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		static const char digits[] = "0123456789abcdef";

		hex[2 * i] = digits[out[i] >> 4];
		hex[2 * i + 1] = digits[out[i] & 15];
	}
	sqlite3_result_text(ctx, hex, (int)(2 * n), SQLITE_TRANSIENT);
}

static void fn_md5(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	digest(ctx, argv, EVP_md5());
}

static void fn_sha1(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	digest(ctx, argv, EVP_sha1());
}

static void fn_sha256(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	digest(ctx, argv, EVP_sha256());
}

static void base64_encode(sqlite3_context *ctx, const unsigned char *data, int len)
{
	size_t cap = 4 * (((size_t)len + 2) / 3) + 1;
	unsigned char *out = sqlite3_malloc64(cap);
	int n;

	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	n = EVP_EncodeBlock(out, data, len);
	sqlite3_result_text(ctx, (char *)out, n, sqlite3_free);
}

static void fn_to_base64(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *data = sqlite3_value_blob(argv[0]);

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	base64_encode(ctx, data ? data : (const unsigned char *)"", sqlite3_value_bytes(argv[0]));
}

static void fn_conditional_to_base64(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);

	(void)argc;
	if (!s)
		return;
	for (int i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e) {
			base64_encode(ctx, s, len);
			return;
		}
	}
	sqlite3_result_value(ctx, argv[0]);
}

static void fn_from_base64(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int len = sqlite3_value_bytes(argv[0]);
	unsigned char *out;
	int n, pad = 0;

	(void)argc;
	if (!s || len % 4)
		return;
	out = sqlite3_malloc(len / 4 * 3 + 1);
	if (!out) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	n = EVP_DecodeBlock(out, s, len);
	if (n < 0) {
		sqlite3_free(out);
		return;
	}
	while (pad < 2 && len - 1 - pad >= 0 && s[len - 1 - pad] == '=')
		pad++;
	sqlite3_result_text(ctx, (char *)out, n - pad, sqlite3_free);
}

static void fn_inet_aton(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	struct in_addr a;

	(void)argc;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return;
	sqlite3_result_int64(ctx, (sqlite3_int64)ntohl(a.s_addr));
}

static void concat_values(sqlite3_context *ctx, const char *sep, int argc, sqlite3_value **argv)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	bool first = true;

	for (int i = 0; i < argc; i++) {
		const char *v = (const char *)sqlite3_value_text(argv[i]);

		if (!v)
			continue;
		if (!first && sep)
			vg_strbuf_addstr(&sb, sep);
		vg_strbuf_add(&sb, v, (size_t)sqlite3_value_bytes(argv[i]));
		first = false;
	}
	sqlite3_result_text(ctx, sb.buf, (int)sb.len, SQLITE_TRANSIENT);
	vg_strbuf_release(&sb);
}

static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	concat_values(ctx, NULL, argc, argv);
}

static void fn_concat_ws(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *sep = (const char *)sqlite3_value_text(argv[0]);

	if (!sep)
		return;
	concat_values(ctx, sep, argc - 1, argv + 1);
}

static const struct {
	const char *name;
	int n_args;
	void (*fn)(sqlite3_context *, int, sqlite3_value **);
	bool only_if_missing; /* built into newer SQLite */
} functions[] = {
	{ "split", 3, fn_split, false },
	{ "regex_match", 3, fn_regex_match, false },
	{ "regex_split", 3, fn_regex_split, false },
	{ "md5", 1, fn_md5, false },
	{ "sha1", 1, fn_sha1, false },
	{ "sha256", 1, fn_sha256, false },
	{ "to_base64", 1, fn_to_base64, false },
	{ "from_base64", 1, fn_from_base64, false },
	{ "conditional_to_base64", 1, fn_conditional_to_base64, false },
	{ "inet_aton", 1, fn_inet_aton, false },
	{ "concat", -1, fn_concat, true },
	{ "concat_ws", -1, fn_concat_ws, true },
};

int vg_sql_functions_register(sqlite3 *db)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		int rc;

		if (functions[i].only_if_missing && sqlite3_libversion_number() >= 3044000)
			continue;
		rc = sqlite3_create_function_v2(db, functions[i].name, functions[i].n_args,
						SQLITE_UTF8 | SQLITE_DETERMINISTIC |
						    SQLITE_INNOCUOUS,
						NULL, functions[i].fn, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return rc;
	}
	return SQLITE_OK;
}
