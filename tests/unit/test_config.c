// SPDX-License-Identifier: Apache-2.0
/* The JSON config: osquery's keys, comments, options applied, clear errors. */
#include <errno.h>
#include <stdlib.h>

#include "vigil/config.h"
#include "vigil/flags.h"
#include "vt.h"

static int parse(const char *text, struct vg_config **cfg, char **err)
{
	return vg_config_parse(text, strlen(text), "test.conf", cfg, err);
}

VT_TEST(valid_config_with_comments_and_options)
{
	static const char text[] =
	    "{\n"
	    "  // osquery allows comment lines\n"
	    "  # and these\n"
	    "  \"options\": {\"separator\": \";\", \"header\": false, \"unknown_opt\": 1},\n"
	    "  \"schedule\": {\"q1\": {\"query\": \"select 1\", \"interval\": 60}},\n"
	    "  \"file_paths\": {\"etc\": [\"/etc/%%\"]},\n"
	    "  \"file_accesses\": [\"etc\"],\n"
	    "  \"custom_thing\": 3\n"
	    "}\n";
	struct vg_config *cfg = NULL;
	char *err = NULL;

	vg_flags_reset();
	VT_ASSERT_OK(parse(text, &cfg, &err));
	VT_ASSERT_EQ(strlen(vg_config_hash(cfg)), 40);
	VT_ASSERT_OK(vg_config_apply_options(cfg, &err));
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_separator), ";");
	VT_ASSERT(!vg_flag_bool(VG_F_header));
	vg_config_free(cfg);
	vg_flags_reset();
}

VT_TEST(syntax_error_names_line_and_column)
{
	struct vg_config *cfg = NULL;
	char *err = NULL;

	VT_ASSERT_EQ(parse("{\n  \"options\": {,}\n}", &cfg, &err), -EINVAL);
	VT_ASSERT_CONTAINS(err, "config test.conf: line 2");
	VT_ASSERT(cfg == NULL);
	free(err);
}

VT_TEST(wrong_shapes_are_rejected)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[]", "must be a JSON object" },
		{ "{\"options\": []}", "\"options\" must be an object" },
		{ "{\"file_paths\": {\"etc\": \"/etc\"}}", "file_paths.etc must be an array" },
		{ "{\"file_paths\": {\"etc\": [1]}}", "file_paths.etc[0] must be a string" },
		{ "{\"file_accesses\": {}}", "file_accesses must be an array" },
		{ "{\"schedule\": {\"q\": {\"interval\": 5}}}", "schedule.q: \"query\"" },
		{ "{\"schedule\": {\"q\": {\"query\": \"x\", \"interval\": 0}}}",
		  "\"interval\" must be" },
		{ "{\"a\": 1, \"a\": 2}", "duplicate" },
		{ "{\"options\": {\"header\": \"perhaps\"}}", "not a boolean" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vg_config *cfg = NULL;
		char *err = NULL;
		int rc = parse(cases[i].text, &cfg, &err);

		if (!rc) {
			rc = vg_config_apply_options(cfg, &err);
			vg_config_free(cfg);
		}
		if (!rc || !err || !strstr(err, cases[i].msg)) {
			vt_fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", cases[i].text,
				err ? err : "(ok)", cases[i].msg);
			free(err);
			return;
		}
		free(err);
	}
	vg_flags_reset();
}

VT_TEST(load_missing_file)
{
	struct vg_config *cfg = NULL;
	char *err = NULL;

	VT_ASSERT_EQ(vg_config_load("/nonexistent/vigil.conf", &cfg, &err), -ENOENT);
	VT_ASSERT_STR_EQ(err, "config /nonexistent/vigil.conf: No such file or directory");
	free(err);
}
