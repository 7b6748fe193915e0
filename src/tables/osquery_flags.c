// SPDX-License-Identifier: Apache-2.0
/*
 * osquery_flags.c - the `osquery_flags` table: every vigil flag with its
 * type, description, default and current value.
 */
#include "vigil/table.h"

#include "vigil/flags.h"

enum { C_NAME, C_TYPE, C_DESCRIPTION, C_DEFAULT_VALUE, C_VALUE, C_SHELL_ONLY };

static const struct vg_column columns[] = {
	[C_NAME] = { "name", VG_TYPE_TEXT, VG_COL_INDEX, "Flag name" },
	[C_TYPE] = { "type", VG_TYPE_TEXT, 0, "Flag type" },
	[C_DESCRIPTION] = { "description", VG_TYPE_TEXT, 0, "Flag description" },
	[C_DEFAULT_VALUE] = { "default_value", VG_TYPE_TEXT, 0, "Flag default value" },
	[C_VALUE] = { "value", VG_TYPE_TEXT, 0, "Flag value" },
	[C_SHELL_ONLY] = { "shell_only", VG_TYPE_INTEGER, 0, "Is the flag shell only?" },
};

static int osquery_flags_generate(struct vg_query *q)
{
	for (size_t i = 0; i < vg_flags_count(); i++) {
		struct vg_flag_info f;

		vg_flags_info(i, &f);
		vg_row_begin(q);
		vg_row_text(q, C_NAME, f.name);
		vg_row_text(q, C_TYPE, f.type_name);
		vg_row_text(q, C_DESCRIPTION, f.description);
		vg_row_text(q, C_DEFAULT_VALUE, f.default_value);
		vg_row_text(q, C_VALUE, f.value);
		vg_row_int(q, C_SHELL_ONLY, (f.scope & VG_FLAG_SHELL) != 0);
		vg_row_end(q);
	}
	return 0;
}

const struct vg_table vg_table_osquery_flags = {
	.name = "osquery_flags",
	.description = "Configurable flags that modify vigil's behavior",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 50,
	.generate = osquery_flags_generate,
};
