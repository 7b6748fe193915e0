// SPDX-License-Identifier: Apache-2.0
/*
 * SQL across tables as users write it: joins that must drive from the right
 * side, pragma table_info, and the required-constraint error through the
 * shell.
 */
#include <stdlib.h>
#include <unistd.h>

#include "vt.h"

VT_TEST(processes_join_users_looks_users_up)
{
	struct vt_rows *r;
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "SELECT p.pid, p.name, u.username, u.directory FROM processes p "
		 "JOIN users u USING (uid) WHERE p.pid = %d",
		 (int)getpid());
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "username"), getuid() == 0 ? "root" : getenv("USER"));
	vt_rows_free(r);
	/* The plan scans processes and looks each uid up in users (an index). */
	r = vt_query("EXPLAIN QUERY PLAN SELECT * FROM processes JOIN users USING (uid)", NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 2);
	VT_ASSERT_CONTAINS(vt_cell(r, 0, "detail"), "processes");
	VT_ASSERT_CONTAINS(vt_cell(r, 1, "detail"), "users");
	vt_rows_free(r);
	/* The join keeps one row per process whose uid has a user (pids that stay put). */
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM processes JOIN users USING (uid) WHERE pid IN (%d, %d)",
		 (int)getpid(), (int)getppid());
	VT_ASSERT_STR_EQ(vt_scalar("%s", sql), "2");
}

VT_TEST(file_join_hash_on_path)
{
	char *dir = vt_tmpdir(), path[512], *want;
	struct vt_rows *r;
	char sql[1024], cmd[600];

	snprintf(path, sizeof(path), "%s/a.txt", dir);
	VT_ASSERT_OK(vt_write_file(path, "hello\n", 6));
	snprintf(sql, sizeof(sql),
		 "SELECT f.path, f.size, h.sha256 FROM file f JOIN hash h USING (path) "
		 "WHERE f.directory = '%s'",
		 dir);
	r = vt_query(sql, NULL);
	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 1);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "size"), "6");
	snprintf(cmd, sizeof(cmd), "sha256sum '%s' | cut -d' ' -f1", path);
	want = vt_shell_output(cmd);
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "sha256"), want);
	free(want);
	vt_rows_free(r);
	vt_rmtree(dir);
	free(dir);
}

VT_TEST(pragma_table_info)
{
	struct vt_rows *r = vt_query("pragma table_info(processes)", NULL);

	VT_ASSERT(r);
	VT_ASSERT_EQ(r->n_rows, 27); /* osquery's 26 columns and cgroup_path */
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "name"), "pid");
	VT_ASSERT_STR_EQ(vt_cell(r, 0, "type"), "BIGINT");
	vt_rows_free(r);
}

VT_TEST(required_constraint_through_the_shell)
{
	const char *const argv[] = { "SELECT * FROM file", NULL };
	char *out = NULL, *err = NULL;
	int rc = vt_run_vigil(argv, NULL, &out, &err);

	VT_ASSERT_EQ(rc, 1);
	VT_ASSERT_STR_EQ(out, "");
	VT_ASSERT_STR_EQ(err, "Error: file: a path or directory constraint is required\n");
	free(out);
	free(err);
}

VT_TEST(every_table_answers)
{
	/* Each table either returns rows or says which constraint it needs. */
	struct vt_rows *tables = vt_query("SELECT name FROM pragma_module_list", NULL);
	size_t n = 0;

	VT_ASSERT(tables);
	for (size_t i = 0; i < tables->n_rows; i++) {
		const char *t = tables->cells[i];
		struct vt_rows *r;
		char sql[256], *err = NULL;

		if (!strncmp(t, "pragma_", 7) || !strcmp(t, "json_each") ||
		    !strcmp(t, "json_tree") || strstr(t, "fts") || strstr(t, "rtree") ||
		    !strcmp(t, "generate_series") || !strcmp(t, "dbstat") || strstr(t, "geopoly"))
			continue;
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\" LIMIT 5", t);
		r = vt_query(sql, &err);
		if (!r && !strstr(err ? err : "", "constraint is required")) {
			vt_fail(__FILE__, __LINE__, "%s: %s", t, err ? err : "?");
			free(err);
			break;
		}
		free(err);
		vt_rows_free(r);
		n++;
	}
	vt_rows_free(tables);
	VT_ASSERT(n >= 33);
}
