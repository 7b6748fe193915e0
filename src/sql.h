// SPDX-License-Identifier: Apache-2.0
/*
 * sql.h - vigil's SQL engine: one in-memory SQLite database with every
 * registered table and vigil's extra SQL functions.
 */
#ifndef VIGIL_SQL_H
#define VIGIL_SQL_H

struct sqlite3;

/*
 * Opens a new in-memory database (used by one thread at a time: it is
 * opened without SQLite's per-call mutex) with every table of the registry and the
 * extra functions. Returns 0 and *@out (close with sqlite3_close()), or a
 * negative errno after logging why.
 */
int vg_sql_open(struct sqlite3 **out);

/* Registers vigil's SQL functions on @db (sql_functions.c). Returns a SQLITE_* code. */
int vg_sql_functions_register(struct sqlite3 *db);

#endif
