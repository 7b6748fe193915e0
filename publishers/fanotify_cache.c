// SPDX-License-Identifier: Apache-2.0
/*
 * fanotify_cache.c - the fanotify publisher's directory path cache: the
 * path of a directory handle, so that most events need no
 * open_by_handle_at() and readlink(). Bounded (FAN_CACHE_MAX), the oldest
 * entry evicted first; fanotify.c fixes it up when directories move.
 */
#include "fanotify_internal.h"

#include <stdlib.h>
#include <string.h>

uint32_t vg__fan_hash(const unsigned char *b, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

struct fan_dir *vg__fan_cache_find(struct fan_state *s, const struct fan_key *k, uint32_t h)
{
	struct fan_dir *d = s->buckets[h & (FAN_CACHE_BUCKETS - 1)];

	for (; d; d = d->hnext)
		if (d->hash == h && d->key_len == k->len && !memcmp(d->key, k->b, k->len))
			return d;
	return NULL;
}

static void fan_cache_unlink(struct fan_state *s, struct fan_dir *d)
{
	struct fan_dir **pp = &s->buckets[d->hash & (FAN_CACHE_BUCKETS - 1)];

	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
	if (d->older)
		d->older->newer = d->newer;
	else
		s->oldest = d->newer;
	if (d->newer)
		d->newer->older = d->older;
	else
		s->newest = d->older;
	s->n_dirs--;
	free(d->path);
	free(d);
}

/* Remembers @path for the directory handle @k (replacing what was there). */
void vg__fan_cache_put(struct fan_state *s, const struct fan_key *k, const char *path, size_t len)
{
	uint32_t h = vg__fan_hash(k->b, k->len);
	struct fan_dir *d = vg__fan_cache_find(s, k, h);
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, path, len);
	copy[len] = '\0';
	if (d) {
		free(d->path);
		d->path = copy;
		d->path_len = len;
		return;
	}
	if (s->n_dirs >= FAN_CACHE_MAX)
		fan_cache_unlink(s, s->oldest);
	d = calloc(1, sizeof(*d) + k->len);
	if (!d) {
		free(copy);
		return;
	}
	memcpy(d->key, k->b, k->len);
	d->key_len = (uint32_t)k->len;
	d->hash = h;
	d->path = copy;
	d->path_len = len;
	d->hnext = s->buckets[h & (FAN_CACHE_BUCKETS - 1)];
	s->buckets[h & (FAN_CACHE_BUCKETS - 1)] = d;
	d->older = s->newest;
	if (s->newest)
		s->newest->newer = d;
	else
		s->oldest = d;
	s->newest = d;
	s->n_dirs++;
}

void vg__fan_cache_drop(struct fan_state *s, const struct fan_key *k)
{
	struct fan_dir *d = vg__fan_cache_find(s, k, vg__fan_hash(k->b, k->len));

	if (d)
		fan_cache_unlink(s, d);
}

/* Drops every cached directory at or below @path (it moved or was deleted). */
void vg__fan_cache_drop_tree(struct fan_state *s, const char *path, size_t len)
{
	struct fan_dir *d = s->oldest, *next;

	for (; d; d = next) {
		next = d->newer;
		if (d->path_len >= len && !memcmp(d->path, path, len) &&
		    (d->path_len == len || d->path[len] == '/'))
			fan_cache_unlink(s, d);
	}
}

void vg__fan_cache_clear(struct fan_state *s)
{
	while (s->oldest)
		fan_cache_unlink(s, s->oldest);
}