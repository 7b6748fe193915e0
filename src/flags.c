// SPDX-License-Identifier: Apache-2.0
/*
 * flags.c - the flag registry (see include/vigil/flags.h).
 *
 * HOW IT WORKS: the X-macro list in flag_list.h expands into a static table
 * of declarations; each flag's current value is kept as text (heap, or the
 * default's literal) plus its parsed bool/int. Setting a flag validates the
 * text for its type first, so a bad value leaves the old one in place.
 */
#include "vigil/flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "vigil/strbuf.h"

struct flag_decl {
	const char *name;
	enum vg_flag_type type;
	const char *dflt;
	unsigned scope;
	const char *description;
};

struct flag_value {
	char *text; /* heap copy, or NULL while the default is in force */
	bool b;
	int64_t i;
	enum vg_flag_source source;
};

#define BOOL   VG_FLAG_BOOL
#define INT    VG_FLAG_INT
#define STRING VG_FLAG_STRING
static const struct flag_decl decls[VG_F__COUNT] = {
#define VG_FLAG(n, t, d, s, desc) [VG_F_##n] = { #n, t, d, s, desc },
#include "vigil/flag_list.h"
#undef VG_FLAG
};
#undef BOOL
#undef INT
#undef STRING

static struct flag_value values[VG_F__COUNT];
static char *program_defaults[VG_F__COUNT]; /* vg_flags_set_default() overrides */
static bool values_ready;

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on", "t", "y" };
	static const char *const no[] = { "false", "0", "no", "off", "f", "n" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Parses @text for flag @id into @v (text not stored). */
static int parse_value(enum vg_flag_id id, const char *text, struct flag_value *v)
{
	switch (decls[id].type) {
	case VG_FLAG_BOOL:
		return parse_bool(text, &v->b) ? 0 : -EINVAL;
	case VG_FLAG_INT:
		return vg_parse_i64(text, &v->i) ? 0 : -EINVAL;
	case VG_FLAG_STRING:
		break;
	}
	return 0;
}

static void ensure_defaults(void)
{
	if (values_ready)
		return;
	for (int i = 0; i < VG_F__COUNT; i++) {
		struct flag_value v = { 0 };

		if (parse_value((enum vg_flag_id)i, decls[i].dflt, &v))
			abort(); /* a default that does not parse is a programming error */
		values[i] = v;
	}
	values_ready = true;
}

void vg_flags_reset(void)
{
	for (int i = 0; i < VG_F__COUNT; i++) {
		free(values[i].text);
		free(program_defaults[i]);
		program_defaults[i] = NULL;
	}
	memset(values, 0, sizeof(values));
	values_ready = false;
	ensure_defaults();
}

bool vg_flag_bool(enum vg_flag_id id)
{
	ensure_defaults();
	return values[id].b;
}

int64_t vg_flag_int(enum vg_flag_id id)
{
	ensure_defaults();
	return values[id].i;
}

const char *vg_flag_str(enum vg_flag_id id)
{
	ensure_defaults();
	return values[id].text ? values[id].text : decls[id].dflt;
}

int vg_flags_find(const char *name)
{
	for (int i = 0; i < VG_F__COUNT; i++)
		if (!strcmp(decls[i].name, name))
			return i;
	return -ENOENT;
}

static char *msgf(const char *fmt, const char *a, const char *b)
    __attribute__((format(printf, 1, 0)));
static char *msgf(const char *fmt, const char *a, const char *b)
{
	char *s = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (asprintf(&s, fmt, a, b) < 0)
		s = NULL;
#pragma GCC diagnostic pop
	return s;
}

int vg_flags_set(const char *name, const char *value, enum vg_flag_source source, char **err)
{
	struct flag_value v = { 0 };
	int id = vg_flags_find(name);
	char *copy;

	ensure_defaults();
	if (id < 0) {
		*err = msgf("unknown flag --%s%s", name, "");
		return -ENOENT;
	}
	if (parse_value((enum vg_flag_id)id, value, &v)) {
		*err = msgf(decls[id].type == VG_FLAG_BOOL
				? "flag --%s: '%s' is not a boolean (true or false)"
				: "flag --%s: '%s' is not an integer",
			    name, value);
		return -EINVAL;
	}
	if (source == VG_FLAG_FROM_CONFIG && values[id].source == VG_FLAG_FROM_CLI &&
	    (decls[id].scope & VG_FLAG_CLI))
		return 0;
	copy = strdup(value);
	if (!copy) {
		*err = NULL;
		return -ENOMEM;
	}
	free(values[id].text);
	v.text = copy;
	v.source = source;
	values[id] = v;
	return 0;
}

/* Handles one flag argument @arg (without leading dashes); may consume *@next. */
static int parse_one(const char *arg, char **next, bool *used_next, char **err)
{
	const char *eq = strchr(arg, '=');
	char name[128];
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	int id;

	*used_next = false;
	if (len >= sizeof(name)) {
		*err = msgf("unknown flag --%.100s%s", arg, "");
		return -ENOENT;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	id = vg_flags_find(name);
	if (id < 0 && !eq && !strncmp(name, "no", 2)) {
		int neg = vg_flags_find(name + 2);

		if (neg >= 0 && decls[neg].type == VG_FLAG_BOOL)
			return vg_flags_set(name + 2, "false", VG_FLAG_FROM_CLI, err);
	}
	if (id < 0) {
		*err = msgf("unknown flag --%s%s", name, "");
		return -ENOENT;
	}
	if (eq) {
		if (id == VG_F_flagfile)
			return vg_flags_load_file(eq + 1, err);
		return vg_flags_set(name, eq + 1, VG_FLAG_FROM_CLI, err);
	}
	if (decls[id].type == VG_FLAG_BOOL)
		return vg_flags_set(name, "true", VG_FLAG_FROM_CLI, err);
	if (!next || !*next) {
		*err = msgf("flag --%s needs a value%s", name, "");
		return -EINVAL;
	}
	*used_next = true;
	if (id == VG_F_flagfile)
		return vg_flags_load_file(*next, err);
	return vg_flags_set(name, *next, VG_FLAG_FROM_CLI, err);
}

int vg_flags_parse_argv(int *argc, char **argv, char **err)
{
	int out = 1, i;

	ensure_defaults();
	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];
		bool used_next;
		int rc;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			argv[out++] = argv[i];
			continue;
		}
		a += a[1] == '-' ? 2 : 1;
		rc = parse_one(a, i + 1 < *argc ? &argv[i + 1] : NULL, &used_next, err);
		if (rc)
			return rc;
		if (used_next)
			i++;
	}
	for (; i < *argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	*argc = out;
	return 0;
}

int vg_flags_load_file(const char *path, char **err)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char *line, *save = NULL;
	int rc, lineno = 0;

	static int depth; /* flagfiles may include flagfiles: stop a cycle */

	ensure_defaults();
	if (depth >= 8) {
		*err = msgf("flagfile %s: nested too deeply (a cycle?)%s", path, "");
		return -ELOOP;
	}
	depth++;
	rc = vg_read_file(path, 1 << 20, false, &sb);
	if (rc) {
		*err = msgf("cannot read flagfile %s: %s", path, strerror(-rc));
		goto out;
	}
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end = line + strlen(line);
		bool used_next;

		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		if (line[0] != '-') {
			*err = msgf("flagfile %s: not a flag: %s", path, line);
			rc = -EINVAL;
			goto out;
		}
		line += line[1] == '-' ? 2 : 1;
		rc = parse_one(line, NULL, &used_next, err);
		if (rc)
			goto out;
	}
out:
	depth--;
	vg_strbuf_release(&sb);
	return rc;
}

int vg_flags_set_default(const char *name, const char *value)
{
	struct flag_value v = { 0 };
	int id = vg_flags_find(name);
	char *copy;

	ensure_defaults();
	if (id < 0)
		return -ENOENT;
	if (values[id].source != VG_FLAG_FROM_DEFAULT)
		return 0;
	if (parse_value((enum vg_flag_id)id, value, &v))
		return -EINVAL;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(program_defaults[id]);
	program_defaults[id] = strdup(value);
	free(values[id].text);
	v.text = copy;
	v.source = VG_FLAG_FROM_DEFAULT;
	values[id] = v;
	return 0;
}

size_t vg_flags_count(void)
{
	return VG_F__COUNT;
}

void vg_flags_info(size_t i, struct vg_flag_info *info)
{
	static const char *const type_names[] = { "bool", "int64", "string" };

	ensure_defaults();
	info->name = decls[i].name;
	info->type = decls[i].type;
	info->type_name = type_names[decls[i].type];
	info->description = decls[i].description;
	info->default_value = program_defaults[i] ? program_defaults[i] : decls[i].dflt;
	info->value = vg_flag_str((enum vg_flag_id)i);
	info->scope = decls[i].scope;
	info->source = values[i].source;
}
