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
/* ---- paths a scan reported ---- */

static uint32_t fan_seen_hash(const char *path, size_t len)
{
	return vg__fan_hash((const unsigned char *)path, len);
}

void vg__fan_seen_add(struct fan_state *s, const char *path, size_t len)
{
	struct fan_seen *e;

	if (s->n_seen >= FAN_SEEN_MAX || !(e = malloc(sizeof(*e) + len)))
		return;
	e->hash = fan_seen_hash(path, len);
	e->len = len;
	memcpy(e->path, path, len);
	e->next = s->seen[e->hash & (FAN_SEEN_BUCKETS - 1)];
	s->seen[e->hash & (FAN_SEEN_BUCKETS - 1)] = e;
	s->n_seen++;
}

/* The link that points at the entry for @path, or NULL. */
static struct fan_seen **fan_seen_link(struct fan_state *s, uint32_t h, const char *path,
				       size_t len)
{
	struct fan_seen **pp = &s->seen[h & (FAN_SEEN_BUCKETS - 1)];

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->hash == h && (*pp)->len == len && !memcmp((*pp)->path, path, len))
			return pp;
	return NULL;
}

bool vg__fan_seen_has(struct fan_state *s, const char *path, size_t len)
{
	return s->n_seen && fan_seen_link(s, fan_seen_hash(path, len), path, len);
}

bool vg__fan_seen_take(struct fan_state *s, const char *path, size_t len)
{
	struct fan_seen **pp, *e;

	if (!s->n_seen)
		return false;
	pp = fan_seen_link(s, fan_seen_hash(path, len), path, len);
	if (!pp)
		return false;
	e = *pp;
	*pp = e->next;
	free(e);
	s->n_seen--;
	return true;
}

void vg__fan_seen_clear(struct fan_state *s)
{
	for (size_t b = 0; s->n_seen && b < FAN_SEEN_BUCKETS; b++) {
		while (s->seen[b]) {
			struct fan_seen *e = s->seen[b];

			s->seen[b] = e->next;
			free(e);
			s->n_seen--;
		}
	}
}
