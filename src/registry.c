// SPDX-License-Identifier: Apache-2.0
/*
 * registry.c - the list of every SQL table (src/tables/list.h), in name
 * order. The shell, the daemon and the tests all register tables from here:
 * there is no second list.
 */
#include "vigil/table.h"

#include <string.h>

#define VG_TABLE(name) extern const struct vg_table vg_table_##name;
#include "tables/list.h"
#undef VG_TABLE

static const struct vg_table *const tables[] = {
#define VG_TABLE(name) &vg_table_##name,
#include "tables/list.h"
#undef VG_TABLE
};

const struct vg_table *const *vg_registry_tables(size_t *n)
{
	*n = VG_ARRAY_SIZE(tables);
	return tables;
}

const struct vg_table *vg_registry_find(const char *name)
{
	for (size_t i = 0; i < VG_ARRAY_SIZE(tables); i++)
		if (!strcmp(tables[i]->name, name))
			return tables[i];
	return NULL;
}
