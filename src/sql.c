// SPDX-License-Identifier: Apache-2.0
/*
 * sql.c - opens the SQL engine: an in-memory SQLite database on which every
 * declared table is an eponymous virtual table (src/vtab.c) and vigil's SQL
 * functions exist (src/sql_functions.c).
 */
#include "sql.h"

#include <errno.h>
#include <sqlite3.h>

#include "vigil/log.h"
#include "vigil/table.h"
#include "vtab.h"

int vg_sql_open(sqlite3 **out)
{
	const struct vg_table *const *tables;
	sqlite3 *db = NULL;
	size_t n;
	int rc;

	rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		vg_log(VG_LOG_ERROR, "sql: cannot open database: %s", sqlite3_errstr(rc));
		goto fail;
	}
	tables = vg_registry_tables(&n);
	for (size_t i = 0; i < n; i++) {
		rc = vg_vtab_register(db, tables[i]);
		if (rc != SQLITE_OK) {
			vg_log(VG_LOG_ERROR, "sql: cannot register table %s: %s", tables[i]->name,
			       sqlite3_errmsg(db));
			goto fail;
		}
	}
	rc = vg_sql_functions_register(db);
	if (rc != SQLITE_OK) {
		vg_log(VG_LOG_ERROR, "sql: cannot register functions: %s", sqlite3_errmsg(db));
		goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return rc == SQLITE_NOMEM ? -ENOMEM : -EINVAL;
}
