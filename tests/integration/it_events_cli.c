// SPDX-License-Identifier: Apache-2.0
/*
 * The event store as the shell user meets it: --disable_events=false with
 * and without --database_path, rows surviving a restart, a second process
 * on the same database, and a database directory others could write to.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "vigil/events.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vt.h"

VT_TEST(events_off_by_default_in_the_shell)
{
	const char *const argv[] = { "--list", "--header=false",
				     "SELECT active FROM osquery_events WHERE name = 'file_events'",
				     NULL };
	const char *const on[] = { "--disable_events=false", "--list", "--header=false",
				   "SELECT active, persistent FROM osquery_events WHERE name = "
				   "'file_events'",
				   NULL };
	char *out = NULL, *err = NULL;

	VT_ASSERT_EQ(vt_run_vigil(argv, NULL, &out, &err), 0);
	VT_ASSERT_STR_EQ(out, "0\n");
	free(out);
	free(err);
	VT_ASSERT_EQ(vt_run_vigil(on, NULL, &out, &err), 0);
	VT_ASSERT_STR_EQ(out, "1|0\n"); /* in memory unless --database_path is given */
	free(out);
	free(err);
}

VT_TEST(rows_persist_and_the_database_is_locked)
{
	char *dir = vt_tmpdir(), arg[600];
	struct vg_events_options o = { .database_path = dir };
	const struct vg_table *t = vg_registry_find("file_events");
	struct vg_value v[32] = { 0 };
	const char *argv[] = { "--disable_events=false",
			       arg,
			       "--list",
			       "--header=false",
			       "SELECT count(*), max(target_path) FROM file_events",
			       NULL };
	char *out = NULL, *err = NULL;

	snprintf(arg, sizeof(arg), "--database_path=%s/db", dir);
	{
		char db[600];

		snprintf(db, sizeof(db), "%s/db", dir);
		o.database_path = db;
		VT_ASSERT_OK(vg_events_open(&o));
		v[0] = (struct vg_value){ .type = VG_VAL_TEXT, .len = 6, .v.s = "/etc/x" };
		for (int i = 0; i < 3; i++)
			VT_ASSERT_OK(vg_store_append(vg_events_store("file_events"), i, v,
						     vg_events_payload_columns(t), NULL));
		/* While this process holds the database, the shell cannot open it. */
		VT_ASSERT_EQ(vt_run_vigil(argv, NULL, &out, &err), 1);
		VT_ASSERT_CONTAINS(err, "is in use by another process");
		free(out);
		free(err);
		vg_events_close();
	}
	VT_ASSERT_EQ(vt_run_vigil(argv, NULL, &out, &err), 0);
	VT_ASSERT_STR_EQ(out, "3|/etc/x\n");
	free(out);
	free(err);
	/* A database directory others can write to is refused. */
	snprintf(arg, sizeof(arg), "%s/db", dir);
	VT_ASSERT(chmod(arg, 0777) == 0);
	snprintf(arg, sizeof(arg), "--database_path=%s/db", dir);
	VT_ASSERT_EQ(vt_run_vigil(argv, NULL, &out, &err), 1);
	VT_ASSERT_CONTAINS(err, "refusing --database_path");
	free(out);
	free(err);
	vt_rmtree(dir);
	free(dir);
}
