// SPDX-License-Identifier: Apache-2.0
/* Flags: argv forms, flagfiles, config options and bad values. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "vigil/flags.h"
#include "vt.h"

VT_TEST(defaults)
{
	vg_flags_reset();
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_separator), "|");
	VT_ASSERT(vg_flag_bool(VG_F_header));
	VT_ASSERT(!vg_flag_bool(VG_F_verbose));
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_config_path), "/etc/vigil/vigil.conf");
}

VT_TEST(argv_forms_and_positionals)
{
	char a0[] = "vigil", a1[] = "--json", a2[] = "--separator", a3[] = ";", a4[] = "select 1",
	     a5[] = "--noheader", a6[] = "-verbose=true", a7[] = "--", a8[] = "--not-a-flag";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL };
	int argc = 9;
	char *err = NULL;

	vg_flags_reset();
	VT_ASSERT_OK(vg_flags_parse_argv(&argc, argv, &err));
	VT_ASSERT_EQ(argc, 3);
	VT_ASSERT_STR_EQ(argv[1], "select 1");
	VT_ASSERT_STR_EQ(argv[2], "--not-a-flag");
	VT_ASSERT(vg_flag_bool(VG_F_json));
	VT_ASSERT(!vg_flag_bool(VG_F_header));
	VT_ASSERT(vg_flag_bool(VG_F_verbose));
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_separator), ";");
	vg_flags_reset();
}

VT_TEST(unknown_and_bad_values)
{
	char a0[] = "vigil", a1[] = "--bogus=1";
	char *argv[] = { a0, a1, NULL };
	int argc = 2;
	char *err = NULL;

	vg_flags_reset();
	VT_ASSERT_EQ(vg_flags_parse_argv(&argc, argv, &err), -ENOENT);
	VT_ASSERT_STR_EQ(err, "unknown flag --bogus");
	free(err);
	err = NULL;
	VT_ASSERT_EQ(vg_flags_set("header", "maybe", VG_FLAG_FROM_CLI, &err), -EINVAL);
	VT_ASSERT_CONTAINS(err, "not a boolean");
	free(err);
	VT_ASSERT(vg_flag_bool(VG_F_header));
}

VT_TEST(flagfile_and_cli_precedence)
{
	char *dir = vt_tmpdir(), path[512], *err = NULL;
	static const char text[] = "# comment\n\n--separator=,\n  --config_path=/x.conf\n--json\n";

	vg_flags_reset();
	snprintf(path, sizeof(path), "%s/flags", dir);
	VT_ASSERT_OK(vt_write_file(path, text, sizeof(text) - 1));
	VT_ASSERT_OK(vg_flags_load_file(path, &err));
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_separator), ",");
	VT_ASSERT(vg_flag_bool(VG_F_json));
	/* A config's options never override a CLI-only flag given on the command line. */
	VT_ASSERT_OK(vg_flags_set("config_path", "/y.conf", VG_FLAG_FROM_CONFIG, &err));
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_config_path), "/x.conf");
	VT_ASSERT_OK(vg_flags_set("separator", "#", VG_FLAG_FROM_CONFIG, &err));
	VT_ASSERT_STR_EQ(vg_flag_str(VG_F_separator), "#");
	vg_flags_reset();
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(flagfile_errors)
{
	char *dir = vt_tmpdir(), path[512], *err = NULL;
	static const char text[] = "--json\nseparator=x\n";

	vg_flags_reset();
	VT_ASSERT_EQ(vg_flags_load_file("/nonexistent/flags", &err), -ENOENT);
	VT_ASSERT_CONTAINS(err, "cannot read flagfile /nonexistent/flags");
	free(err);
	err = NULL;
	snprintf(path, sizeof(path), "%s/flags", dir);
	VT_ASSERT_OK(vt_write_file(path, text, sizeof(text) - 1));
	VT_ASSERT_EQ(vg_flags_load_file(path, &err), -EINVAL);
	VT_ASSERT_CONTAINS(err, "not a flag: separator=x");
	free(err);
	/* A flagfile naming itself stops instead of recursing forever. */
	err = NULL;
	{
		char self[600];
		int n = snprintf(self, sizeof(self), "--flagfile=%s\n", path);

		VT_ASSERT_OK(vt_write_file(path, self, (size_t)n));
	}
	VT_ASSERT_EQ(vg_flags_load_file(path, &err), -ELOOP);
	free(err);
	vg_flags_reset();
	vt_rmtree(dir);
	free(dir);
}
