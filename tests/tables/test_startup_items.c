// SPDX-License-Identifier: Apache-2.0
/*
 * The `startup_items` table: a unit file the test writes to
 * /etc/systemd/system appears with its name, path, ExecStart args and User,
 * "disabled" until the test links it from multi-user.target.wants, then
 * "enabled"; /etc/init.d and /etc/xdg/autostart list as many items as the
 * shell sees. Both files
 * are removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(startup_items_columns)
{
	VT_ASSERT_COLUMNS("startup_items", "name TEXT, path TEXT, args TEXT, type TEXT, "
					   "source TEXT, status TEXT, username TEXT");
}

static const char unit_text[] = "[Unit]\n"
				"Description=vigil test unit\n"
				"\n"
				"[Service]\n"
				"User=nobody\n"
				"ExecStart=-/usr/bin/sleep 1000 \\\n"
				"   --vigil-flag\n"
				"ExecStart=/bin/false\n"
				"\n"
				"[Install]\n"
				"WantedBy=multi-user.target\n";

VT_TEST(startup_items_unit)
{
	char name[64], path[128], wants[192], status_disabled[64], status_enabled[64];
	struct vt_rows *r;
	bool linked, wrote;

	if (access("/etc/systemd/system", W_OK))
		vt_skip("/etc/systemd/system is not writable");
	snprintf(name, sizeof(name), "vigil-test-%d.service", (int)getpid());
	snprintf(path, sizeof(path), "/etc/systemd/system/%s", name);
	snprintf(wants, sizeof(wants), "/etc/systemd/system/multi-user.target.wants/%s", name);
	wrote = vt_write_file(path, unit_text, sizeof(unit_text) - 1) == 0;
	r = wrote ? vt_query("SELECT * FROM startup_items WHERE name LIKE 'vigil-test-%'", NULL)
		  : NULL;
	snprintf(status_disabled, sizeof(status_disabled), "%s",
		 vt_scalar("SELECT status FROM startup_items WHERE name = '%s'", name));
	mkdir("/etc/systemd/system/multi-user.target.wants", 0755);
	linked = symlink(path, wants) == 0;
	snprintf(status_enabled, sizeof(status_enabled), "%s",
		 vt_scalar("SELECT status FROM startup_items WHERE name = '%s'", name));
	unlink(wants);
	unlink(path);
	VT_ASSERT(wrote && linked && r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "name"), name);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "path"), path);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "args"), "/usr/bin/sleep 1000 --vigil-flag");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "systemd unit");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "source"), "/etc/systemd/system");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "username"), "nobody");
	vt_rows_free(r);
	VT_ASSERT_STR_EQ(status_disabled, "disabled");
	VT_ASSERT_STR_EQ(status_enabled, "enabled");
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM startup_items WHERE name = '%s'", name),
			 "0");
}

VT_TEST(startup_items_initd)
{
	char *n = vt_shell_output("find /etc/init.d -mindepth 1 -maxdepth 1 -type f "
				  "! -name '.*' 2>/dev/null | wc -l");
	char *xdg = vt_shell_output("find /etc/xdg/autostart -mindepth 1 -maxdepth 1 -type f "
				    "-name '?*.desktop' ! -name '.*' 2>/dev/null | wc -l");

	VT_ASSERT(n && xdg);
	VT_ASSERT_STR_EQ(vt_scalar("SELECT count(*) FROM startup_items WHERE source = "
				   "'/etc/xdg/autostart/'"),
			 xdg);
	free(xdg);
	VT_ASSERT_STR_EQ(
	    vt_scalar("SELECT count(*) FROM startup_items WHERE source = "
		      "'/etc/init.d/' AND type = 'Startup Item' AND status = 'enabled'"),
	    n);
	free(n);
}
