// SPDX-License-Identifier: Apache-2.0
/*
 * sql.c - opens the SQL engine: an in-memory SQLite database on which every
 * declared table is an eponymous virtual table (src/vtab.c) and vigil's SQL
 * functions exist (src/sql_functions.c).
 */
#include "sql.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>

#include "vigil/log.h"
#include "vigil/table.h"
#include "vtab.h"

static pthread_once_t configured = PTHREAD_ONCE_INIT;

/*
 * Process-wide SQLite settings, before its first use: no memory statistics
 * (they take a global mutex on every allocation, a quarter of the time of a
 * large scan). Fails harmlessly if SQLite was initialised already.
 */
static void configure_sqlite(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int vg_sql_open(sqlite3 **out)
{
	const struct vg_table *const *tables;
	sqlite3 *db = NULL;
	size_t n;
	int rc;

	pthread_once(&configured, configure_sqlite);
	/* A connection belongs to one thread at a time: no per-call mutex. */
	rc =
	    sqlite3_open_v2(":memory:", &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
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
