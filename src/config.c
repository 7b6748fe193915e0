// SPDX-License-Identifier: Apache-2.0
/*
 * config.c - parse and check the JSON config (see include/vigil/config.h).
 *
 * HOW IT WORKS: comment lines are blanked (keeping line numbers right for
 * messages), jansson parses the text, and a table of known top-level keys
 * checks each key's shape (object of arrays of strings for file_paths, ...).
 * Anything wrong is reported with its key path. The SHA-1 of the original
 * text is the config hash.
 *
 * LIMITS: 4 MiB per file; deeper checks of a key's contents (scheduled
 * queries' intervals, path patterns) belong to the module that uses the key.
 */
#include "vigil/config.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "vigil/flags.h"
#include "vigil/log.h"
#include "vigil/strbuf.h"

#define CONFIG_MAX_BYTES (4u << 20)

struct vg_config {
	json_t *root;
	char hash[2 * 20 + 1];
};

static struct vg_config *current;

enum shape {
	SHAPE_OBJECT,		/* any object */
	SHAPE_ARRAY_OF_STRINGS, /* ["a", "b"] */
	SHAPE_MAP_OF_STRINGS,	/* {"k": ["a", "b"]} */
	SHAPE_SCHEDULE,		/* {"name": {"query": "...", ...}} */
	SHAPE_PACKS,		/* {"name": {...} | "path"} */
};

static const struct {
	const char *key;
	enum shape shape;
} known_keys[] = {
	{ "options", SHAPE_OBJECT },
	{ "schedule", SHAPE_SCHEDULE },
	{ "packs", SHAPE_PACKS },
	{ "decorators", SHAPE_OBJECT },
	{ "file_paths", SHAPE_MAP_OF_STRINGS },
	{ "file_paths_query", SHAPE_MAP_OF_STRINGS },
	{ "exclude_paths", SHAPE_MAP_OF_STRINGS },
	{ "file_accesses", SHAPE_ARRAY_OF_STRINGS },
	{ "yara", SHAPE_OBJECT },
	{ "events", SHAPE_OBJECT },
	{ "views", SHAPE_OBJECT },
	{ "auto_table_construction", SHAPE_OBJECT },
	{ "prometheus_targets", SHAPE_OBJECT },
	{ "kafka_topics", SHAPE_OBJECT },
	{ "feature_vectors", SHAPE_OBJECT },
};

static char *msgf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *msgf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* Blanks lines whose first non-blank characters are "#" or "//". */
static void strip_comments(char *s)
{
	char *line = s;

	while (*line) {
		char *p = line, *nl;

		while (*p == ' ' || *p == '\t')
			p++;
		nl = strchr(p, '\n');
		if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			char *end = nl ? nl : p + strlen(p);

			memset(line, ' ', (size_t)(end - line));
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

static int check_strings(json_t *arr, const char *where, char **err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr)) {
		*err = msgf("%s must be an array of strings", where);
		return -EINVAL;
	}
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v)) {
			*err = msgf("%s[%zu] must be a string", where, i);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_schedule(json_t *obj, const char *where, char **err)
{
	const char *name;
	json_t *q;

	json_object_foreach(obj, name, q)
	{
		json_t *sql = json_object_get(q, "query");
		json_t *interval = json_object_get(q, "interval");

		if (!json_is_object(q)) {
			*err = msgf("%s.%s must be an object", where, name);
			return -EINVAL;
		}
		if (!json_is_string(sql)) {
			*err = msgf("%s.%s: \"query\" (a string) is required", where, name);
			return -EINVAL;
		}
		if (interval && (!json_is_integer(interval) || json_integer_value(interval) < 1 ||
				 json_integer_value(interval) > 604800)) {
			*err = msgf("%s.%s: \"interval\" must be an integer from 1 to 604800",
				    where, name);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_key(const char *key, enum shape shape, json_t *v, char **err)
{
	const char *name;
	json_t *item;

	if (shape != SHAPE_ARRAY_OF_STRINGS && !json_is_object(v)) {
		*err = msgf("\"%s\" must be an object", key);
		return -EINVAL;
	}
	switch (shape) {
	case SHAPE_OBJECT:
		return 0;
	case SHAPE_ARRAY_OF_STRINGS:
		return check_strings(v, key, err);
	case SHAPE_MAP_OF_STRINGS:
		json_object_foreach(v, name, item)
		{
			char where[256];

			snprintf(where, sizeof(where), "%s.%s", key, name);
			if (check_strings(item, where, err))
				return -EINVAL;
		}
		return 0;
	case SHAPE_SCHEDULE:
		return check_schedule(v, key, err);
	case SHAPE_PACKS:
		json_object_foreach(v, name, item)
		{
			if (!json_is_object(item) && !json_is_string(item)) {
				*err = msgf("packs.%s must be an object or a file path", name);
				return -EINVAL;
			}
			if (json_is_object(item) && json_object_get(item, "queries") &&
			    check_schedule(json_object_get(item, "queries"), "packs.queries", err))
				return -EINVAL;
		}
		return 0;
	}
	return 0;
}

static int check_root(json_t *root, char **err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(root)) {
		*err = msgf("the config must be a JSON object");
		return -EINVAL;
	}
	json_object_foreach(root, key, v)
	{
		size_t i;

		for (i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
			if (!strcmp(known_keys[i].key, key))
				break;
		if (i == sizeof(known_keys) / sizeof(known_keys[0])) {
			if (strncmp(key, "custom_", 7))
				vg_log(VG_LOG_WARN, "config: unknown key \"%s\" ignored", key);
			continue;
		}
		if (check_key(key, known_keys[i].shape, v, err))
			return -EINVAL;
	}
	return 0;
}

static void sha1_hex(const char *data, size_t len, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &n, EVP_sha1(), NULL))
		return;
	for (unsigned int i = 0; i < n && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int vg_config_parse(const char *text, size_t len, const char *origin, struct vg_config **out,
		    char **err)
{
	struct vg_config *cfg = NULL;
	char *copy = NULL, *why = NULL;
	json_error_t jerr;
	int rc = -EINVAL;

	*err = NULL;
	copy = malloc(len + 1);
	cfg = calloc(1, sizeof(*cfg));
	if (!copy || !cfg) {
		rc = -ENOMEM;
		*err = msgf("config %s: out of memory", origin);
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		*err = msgf("config %s: contains a NUL byte", origin);
		goto out;
	}
	strip_comments(copy);
	cfg->root = json_loadb(copy, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!cfg->root) {
		*err = msgf("config %s: line %d, column %d: %s", origin, jerr.line, jerr.column,
			    jerr.text);
		goto out;
	}
	if (check_root(cfg->root, &why)) {
		*err = msgf("config %s: %s", origin, why ? why : "invalid");
		goto out;
	}
	sha1_hex(text, len, cfg->hash);
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	free(why);
	free(copy);
	vg_config_free(cfg);
	return rc;
}

int vg_config_load(const char *path, struct vg_config **out, char **err)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	int rc;

	rc = vg_read_file(path, CONFIG_MAX_BYTES, false, &sb);
	if (rc == -EFBIG)
		*err = msgf("config %s: larger than %u bytes", path, CONFIG_MAX_BYTES);
	else if (rc)
		*err = msgf("config %s: %s", path, strerror(-rc));
	else
		rc = vg_config_parse(sb.buf, sb.len, path, out, err);
	vg_strbuf_release(&sb);
	return rc;
}

void vg_config_free(struct vg_config *cfg)
{
	if (!cfg)
		return;
	json_decref(cfg->root);
	free(cfg);
}

int vg_config_apply_options(const struct vg_config *cfg, char **err)
{
	json_t *opts = json_object_get(cfg->root, "options");
	const char *key;
	json_t *v;

	json_object_foreach(opts, key, v)
	{
		char num[64];
		const char *text;
		char *why = NULL;
		int rc;

		if (json_is_string(v)) {
			text = json_string_value(v);
		} else if (json_is_boolean(v)) {
			text = json_is_true(v) ? "true" : "false";
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			text = num;
		} else {
			*err =
			    msgf("config option \"%s\" must be a string, number or boolean", key);
			return -EINVAL;
		}
		rc = vg_flags_set(key, text, VG_FLAG_FROM_CONFIG, &why);
		if (rc == -ENOENT) {
			vg_log(VG_LOG_WARN, "config: unknown option \"%s\" ignored", key);
		} else if (rc) {
			*err = msgf("config option %s", why ? why : key);
			free(why);
			return rc;
		}
		free(why);
	}
	return 0;
}

const char *vg_config_hash(const struct vg_config *cfg)
{
	return cfg->hash;
}

const struct json_t *vg_config_json(const struct vg_config *cfg)
{
	return cfg->root;
}

void vg_config_set_current(struct vg_config *cfg)
{
	if (cfg != current)
		vg_config_free(current);
	current = cfg;
}

const struct vg_config *vg_config_current(void)
{
	return current;
}
