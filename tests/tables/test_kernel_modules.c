// SPDX-License-Identifier: Apache-2.0
/*
 * The `kernel_modules` table: one row per line of /proc/modules (none when
 * the kernel has no module support), with the names /proc/modules lists.
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(kernel_modules_columns)
{
	VT_ASSERT_COLUMNS("kernel_modules", "name TEXT, size BIGINT, used_by TEXT, status TEXT, "
					    "address TEXT");
}

VT_TEST(kernel_modules_rows)
{
	char *lines = vt_shell_output("cat /proc/modules 2>/dev/null | wc -l");
	char *first = vt_shell_output("head -n1 /proc/modules 2>/dev/null | cut -d' ' -f1,2");
	struct vt_rows *r = vt_query("SELECT name || ' ' || size AS ns FROM kernel_modules", NULL);
	bool found = false;

	VT_ASSERT(lines && first && r);
	VT_ASSERT_EQ(r->n_rows, atoll(lines));
	for (size_t i = 0; i < r->n_rows; i++)
		found |= !strcmp(vt_cell(r, i, "ns"), first);
	VT_ASSERT(r->n_rows == 0 || found);
	vt_rows_free(r);
	free(lines);
	free(first);
}
