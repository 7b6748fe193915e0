// SPDX-License-Identifier: Apache-2.0
/*
 * vtab.h - registers declared tables (include/vigil/table.h) with SQLite.
 */
#ifndef VIGIL_VTAB_H
#define VIGIL_VTAB_H

struct sqlite3;
struct vg_table;

/* Registers @t as an eponymous virtual table on @db. Returns a SQLITE_* code. */
int vg_vtab_register(struct sqlite3 *db, const struct vg_table *t);

/* Registers event table @t (event_vtab.c): rows streamed from its store. */
int vg__event_vtab_register(struct sqlite3 *db, const struct vg_table *t);

/*
 * The plan letter of a SQLite constraint operator: = > g < l (EQ GT GE LT
 * LE), L (LIKE), G (GLOB); 0 when it is not pushed down.
 */
char vg__vtab_op_letter(unsigned char op);

/* The CREATE TABLE statement for @t (heap; caller frees with free()). */
char *vg_vtab_create_sql(const struct vg_table *t);

#endif
