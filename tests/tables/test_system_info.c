// SPDX-License-Identifier: Apache-2.0
/*
 * The `system_info` table: hostname as `hostname -f`, computer_name as
 * `hostname`, logical cores as `nproc --all`, physical_memory within 1% of
 * MemTotal, and cpu_brand as /proc/cpuinfo's "model name".
 */
#include <stdlib.h>

#include "vt.h"

VT_TEST(system_info_columns)
{
	VT_ASSERT_COLUMNS(
	    "system_info",
	    "hostname TEXT, uuid TEXT, cpu_type TEXT, cpu_subtype TEXT, cpu_brand TEXT, "
	    "cpu_physical_cores INTEGER, cpu_logical_cores INTEGER, cpu_sockets INTEGER, "
	    "cpu_microcode TEXT, physical_memory BIGINT, hardware_vendor TEXT, "
	    "hardware_model TEXT, hardware_version TEXT, hardware_serial TEXT, "
	    "board_vendor TEXT, board_model TEXT, board_version TEXT, board_serial TEXT, "
	    "computer_name TEXT, local_hostname TEXT, emulated_cpu_type TEXT");
}

VT_TEST(system_info_row)
{
	char *fqdn = vt_shell_output("hostname -f 2>/dev/null || hostname");
	char *host = vt_shell_output("hostname");
	char *nproc = vt_shell_output("nproc --all");
	char *mem = vt_shell_output("awk '/^MemTotal:/ { print $2 }' /proc/meminfo");
	char *brand = vt_shell_output("sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | "
				      "head -n1 | sed 's/[[:space:]]*$//'");
	struct vt_rows *r = vt_query("SELECT * FROM system_info", NULL);
	double got, want;

	VT_ASSERT(fqdn && host && nproc && mem && brand && r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "hostname"), fqdn);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "computer_name"), host);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "cpu_logical_cores"), nproc);
	got = atof(vt_cell(r, 0, "physical_memory"));
	want = atof(mem) * 1024;
	VT_ASSERT(want > 0 && got > want * 0.99 && got < want * 1.01);
	if (*brand)
		VT_ASSERT_STR_EQ(vt_cell(r, 0, "cpu_brand"), brand);
	VT_ASSERT(atoi(vt_cell(r, 0, "cpu_physical_cores")) >= 1);
	VT_ASSERT(atoi(vt_cell(r, 0, "cpu_physical_cores")) <= atoi(nproc));
	VT_ASSERT(atoi(vt_cell(r, 0, "cpu_sockets")) >= 1);
	vt_rows_free(r);
	free(fqdn);
	free(host);
	free(nproc);
	free(mem);
	free(brand);
}
