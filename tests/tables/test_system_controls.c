// SPDX-License-Identifier: Apache-2.0
/*
 * The `system_controls` table: kernel.hostname is `hostname`, a `name =`
 * lookup returns one row, a subsystem lists as many controls as find(1)
 * sees, and the sysctl.d precedence rules are checked on files the test
 * writes (through sysctl_conf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sysctl_conf.h"
#include "vt.h"

VT_TEST(system_controls_columns)
{
	VT_ASSERT_COLUMNS("system_controls",
			  "name TEXT, oid TEXT, subsystem TEXT, current_value TEXT, "
			  "config_value TEXT, type TEXT, field_name TEXT");
}

VT_TEST(system_controls_rows)
{
	char *host = vt_shell_output("hostname");
	char *n_fs = vt_shell_output("find /proc/sys/fs -type f | wc -l");
	struct vt_rows *r;

	VT_ASSERT(host && n_fs);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT current_value FROM system_controls "
				   "WHERE name = 'kernel.hostname'"),
			 host);
	r = vt_query("SELECT * FROM system_controls WHERE name = 'kernel.ostype'", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "current_value"), "Linux");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "subsystem"), "kernel");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "string");
	vt_rows_free(r);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM system_controls WHERE subsystem = 'fs'"),
			 n_fs);
	/* The full walk agrees with the pushed-down one. */
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM system_controls "
				   "WHERE subsystem || '' = 'fs'"),
			 n_fs);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM system_controls "
				   "WHERE name = 'kernel..ostype' OR name = 'kernel.//.ostype'"),
			 "0");
	free(host);
	free(n_fs);
}

VT_TEST(system_controls_config)
{
	char *dir = vt_tmpdir(), d1[512], d2[512], path[600];
	const char *dirs[2] = { d1, d2 };
	struct vg_sysctl_conf *conf = NULL;

	VT_ASSERT(dir);
	snprintf(d1, sizeof(d1), "%s/etc", dir);
	snprintf(d2, sizeof(d2), "%s/lib", dir);
	VT_ASSERT_OK(mkdir(d1, 0755));
	VT_ASSERT_OK(mkdir(d2, 0755));
	snprintf(path, sizeof(path), "%s/10-a.conf", d1);
	VT_ASSERT_OK(vt_write_file(path, "a.b = 1\n", 8));
	snprintf(path, sizeof(path), "%s/10-a.conf", d2); /* hidden by etc's 10-a.conf */
	VT_ASSERT_OK(vt_write_file(path, "a.b = 2\nhidden.key = x\n", 23));
	snprintf(path, sizeof(path), "%s/20-b.conf", d2);
	VT_ASSERT_OK(vt_write_file(path,
				   "# comment = no\n; other = no\n  a.b=3  \n"
				   "net/ipv4/conf/eth0.1/rp_filter = 5\n-kernel.foo = bar baz\n"
				   "net.ipv4.conf.*.rp_filter = 2\nno equals sign\n",
				   140));
	snprintf(path, sizeof(path), "%s/sysctl.conf", dir);
	VT_ASSERT_OK(vt_write_file(path, "c.d = 4\nkernel.foo=last\n", 24));
	VT_ASSERT_OK(vg_sysctl_conf_load(dirs, 2, path, &conf));
	VT_ASSERT_STR_EQ(vg_sysctl_conf_get(conf, "a.b"), "3");
	VT_ASSERT(vg_sysctl_conf_get(conf, "hidden.key") == NULL);
	VT_ASSERT_STR_EQ(vg_sysctl_conf_get(conf, "c.d"), "4");
	VT_ASSERT_STR_EQ(vg_sysctl_conf_get(conf, "kernel.foo"), "last");
	VT_ASSERT_STR_EQ(vg_sysctl_conf_get(conf, "net.ipv4.conf.eth0/1.rp_filter"), "5");
	VT_ASSERT_STR_EQ(vg_sysctl_conf_get(conf, "net.ipv4.conf.lo.rp_filter"), "2");
	VT_ASSERT(vg_sysctl_conf_get(conf, "comment") == NULL);
	VT_ASSERT(vg_sysctl_conf_get(conf, "# comment") == NULL);
	vg_sysctl_conf_free(conf);
	vt_rmtree(dir);
	free(dir);
}
