// SPDX-License-Identifier: Apache-2.0
/*
 * registry.c - the list of every SQL table: the point-in-time tables of
 * src/tables/list.h and the event tables of subscribers/list.h, in name
 * order (sorted once, on first use). The shell, the daemon and the tests
 * all register tables from here: there is no second list.
 */
#include "vigil/table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define VG_TABLE(name) extern const struct vg_table vg_table_##name;
#include "../subscribers/list.h"
#include "tables/list.h"
#undef VG_TABLE

static const struct vg_table *tables[] = {
#define VG_TABLE(name) &vg_table_##name,
#include "../subscribers/list.h"
#include "tables/list.h"
#undef VG_TABLE
};

static pthread_once_t sorted = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
	const struct vg_table *x = *(const struct vg_table *const *)a;
	const struct vg_table *y = *(const struct vg_table *const *)b;

	return strcmp(x->name, y->name);
}

static void sort_tables(void)
{
	qsort(tables, VG_ARRAY_SIZE(tables), sizeof(tables[0]), by_name);
}

const struct vg_table *const *vg_registry_tables(size_t *n)
{
	pthread_once(&sorted, sort_tables);
	*n = VG_ARRAY_SIZE(tables);
	return tables;
}

const struct vg_table *vg_registry_find(const char *name)
{
	const struct vg_table *const *t;
	size_t n;

	t = vg_registry_tables(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i]->name, name))
			return t[i];
	return NULL;
}
