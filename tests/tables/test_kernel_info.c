// SPDX-License-Identifier: Apache-2.0
/*
 * The `kernel_info` table: version is `uname -r`; arguments are /proc/cmdline
 * without BOOT_IMAGE= and root= (osquery moves those to path and device).
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(kernel_info_columns)
{
	VT_ASSERT_COLUMNS("kernel_info", "version TEXT, arguments TEXT, path TEXT, device TEXT");
}

VT_TEST(kernel_info_row)
{
	char *release = vt_shell_output("uname -r");
	char *args =
	    vt_shell_output("tr ' ' '\\n' < /proc/cmdline | "
			    "grep -v -e '^BOOT_IMAGE=' -e '^root=' -e '^$' | paste -sd' '");
	char *dev = vt_shell_output("tr ' ' '\\n' < /proc/cmdline | sed -n 's/^root=//p'");
	struct vt_rows *r = vt_query("SELECT * FROM kernel_info", NULL);

	VT_ASSERT(release && args && dev && r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "version"), release);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "arguments"), args);
	if (*dev)
		VT_ASSERT_STR_EQ(vt_cell(r, 0, "device"), dev);
	else
		VT_ASSERT(vt_cell(r, 0, "device") == NULL);
	vt_rows_free(r);
	free(release);
	free(args);
	free(dev);
}
