// SPDX-License-Identifier: Apache-2.0
/*
 * scan.c - snapshot scans of an event store (see include/vigil/store.h).
 *
 * HOW IT WORKS: opening a scan copies, under the store mutex, the segments
 * whose eid and time ranges can match the bounds (taking a reference on
 * each) and the head's committed length: that is the snapshot, and nothing
 * appended later is seen. Segments outside the bounds are never read.
 * Iteration walks a raw segment record by record (row-major, each record
 * decoded only as far as the column asked for), and a sealed one by
 * decompressing and decoding its time stream to test the bounds, and a
 * payload column's stream only when a value of it is first asked for.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "vigil/log.h"

struct snap_seg {
	struct seg *g;
	size_t used; /* raw: committed bytes at snapshot time */
};

struct vg_store_scan {
	struct vg_store *store;
	struct vg_store_bounds b;
	uint64_t snapshot_eid;
	struct snap_seg *segs;
	size_t n_segs, i;
	bool in_seg; /* positioned inside segs[i] */
	uint64_t examined;
	uint64_t eid;
	int64_t time_ns;
	/* raw segment position */
	size_t off, rec_off;
	/* sealed segment state */
	struct vg_segdata *data;
	int64_t *times;
	struct vg_value **cols; /* decoded columns, NULL until asked for */
	uint32_t row;
};

static bool seg_may_match(const struct seg *g, const struct vg_store_bounds *b, uint64_t floor)
{
	if (!g->n_rows || g->last_eid < floor)
		return false;
	return g->last_eid >= b->min_eid && g->first_eid <= b->max_eid &&
	       g->max_time >= b->min_time_ns && g->min_time <= b->max_time_ns;
}

int vg_store_scan_open(struct vg_store *s, const struct vg_store_bounds *b,
		       struct vg_store_scan **out)
{
	struct vg_store_scan *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return -ENOMEM;
	sc->store = s;
	sc->b = *b;
	pthread_mutex_lock(&s->lock);
	if (sc->b.min_eid < s->floor_eid)
		sc->b.min_eid = s->floor_eid;
	sc->snapshot_eid = s->next_eid - 1;
	if (sc->b.max_eid > sc->snapshot_eid)
		sc->b.max_eid = sc->snapshot_eid;
	sc->cols = calloc(s->n_cols + 1, sizeof(*sc->cols));
	sc->segs = calloc(s->n_segs + 1, sizeof(*sc->segs));
	if (!sc->segs || !sc->cols) {
		pthread_mutex_unlock(&s->lock);
		vg_store_scan_close(sc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_segs; i++) {
		struct seg *g = s->segs[i];

		if (!seg_may_match(g, &sc->b, sc->b.min_eid))
			continue;
		vg__seg_ref(g);
		sc->segs[sc->n_segs].g = g;
		sc->segs[sc->n_segs].used = g->raw_used;
		sc->n_segs++;
	}
	pthread_mutex_unlock(&s->lock);
	*out = sc;
	return 0;
}

/* Frees the decoded state of the current sealed segment. */
static void leave_seg(struct vg_store_scan *sc)
{
	for (size_t c = 0; c < sc->store->n_cols; c++) {
		free(sc->cols[c]);
		sc->cols[c] = NULL;
	}
	vg__seg_data_free(sc->data);
	free(sc->times);
	sc->data = NULL;
	sc->times = NULL;
	sc->in_seg = false;
}

/*
 * Opens sealed segment @g for iteration: only its time stream is decoded
 * (eids within a segment are consecutive, so they need no stream).
 */
static int enter_sealed(struct vg_store_scan *sc, struct seg *g)
{
	const uint8_t *p;
	size_t len;
	int err = vg__seg_data_open(sc->store, g, &sc->data);

	if (!err)
		err = vg__seg_data_stream(sc->data, 1, &p, &len);
	if (err)
		return err;
	sc->times = malloc(g->n_rows * sizeof(*sc->times));
	if (!sc->times)
		return -ENOMEM;
	if (!vg__colstream_decode_deltas(p, p + len, g->n_rows, sc->times))
		return -EBADMSG;
	/* Start at the first wanted eid. */
	sc->row = 0;
	if (sc->b.min_eid > g->first_eid)
		sc->row = (uint32_t)(sc->b.min_eid - g->first_eid < g->n_rows
					 ? sc->b.min_eid - g->first_eid
					 : g->n_rows);
	return 0;
}

static bool in_bounds(const struct vg_store_scan *sc, uint64_t eid, int64_t t)
{
	return eid >= sc->b.min_eid && eid <= sc->b.max_eid && t >= sc->b.min_time_ns &&
	       t <= sc->b.max_time_ns;
}

/* Next matching row within the current segment: 1, 0 at its end. */
static int next_in_seg(struct vg_store_scan *sc)
{
	struct snap_seg *ss = &sc->segs[sc->i];
	struct seg *g = ss->g;

	if (g->kind == SEG_SEALED && sc->data) {
		while (sc->row < g->n_rows) {
			uint32_t r = sc->row++;
			uint64_t eid = g->first_eid + r;

			sc->examined++;
			if (in_bounds(sc, eid, sc->times[r])) {
				sc->eid = eid;
				sc->time_ns = sc->times[r];
				return 1;
			}
			if (eid > sc->b.max_eid)
				break;
		}
		return 0;
	}
	while (sc->off < ss->used) {
		uint64_t eid;
		int64_t t;
		size_t n = vg__record_check(g->raw + sc->off, ss->used - sc->off, &eid, &t);

		if (!n)
			return -EBADMSG;
		sc->rec_off = sc->off;
		sc->off += n;
		sc->examined++;
		if (in_bounds(sc, eid, t)) {
			sc->eid = eid;
			sc->time_ns = t;
			return 1;
		}
		if (eid > sc->b.max_eid)
			break;
	}
	return 0;
}

int vg_store_scan_next(struct vg_store_scan *sc)
{
	while (sc->i < sc->n_segs) {
		struct seg *g = sc->segs[sc->i].g;
		int rc;

		if (!sc->in_seg) {
			sc->off = 0;
			sc->in_seg = true;
			if (g->kind == SEG_SEALED) {
				rc = enter_sealed(sc, g);
				if (rc) {
					vg_log(
					    VG_LOG_ERROR,
					    "store: %s: cannot read segment of eids %llu-%llu: %s",
					    sc->store->name, (unsigned long long)g->first_eid,
					    (unsigned long long)g->last_eid, strerror(-rc));
					leave_seg(sc);
					sc->i++;
					continue; /* the rest of the store is still readable */
				}
			}
		}
		rc = next_in_seg(sc);
		if (rc)
			return rc;
		leave_seg(sc);
		sc->i++;
	}
	return 0;
}

uint64_t vg_store_scan_eid(const struct vg_store_scan *sc)
{
	return sc->eid;
}

int64_t vg_store_scan_time_ns(const struct vg_store_scan *sc)
{
	return sc->time_ns;
}

int vg_store_scan_value(struct vg_store_scan *sc, size_t col, struct vg_value *out)
{
	struct seg *g;

	if (!sc->in_seg || sc->i >= sc->n_segs || col >= sc->store->n_cols)
		return -EINVAL;
	g = sc->segs[sc->i].g;
	if (g->kind == SEG_RAW || !sc->data)
		return vg__record_value(g->raw + sc->rec_off, sc->store->n_cols, col, out)
			   ? 0
			   : -EBADMSG;
	if (!sc->cols[col]) {
		const uint8_t *p;
		size_t len;
		int err = vg__seg_data_stream(sc->data, col + 2, &p, &len);

		if (err)
			return err;
		sc->cols[col] = malloc(g->n_rows * sizeof(struct vg_value));
		if (!sc->cols[col])
			return -ENOMEM;
		if (!vg__colstream_decode(p, p + len, g->n_rows, sc->cols[col])) {
			free(sc->cols[col]);
			sc->cols[col] = NULL;
			return -EBADMSG;
		}
	}
	*out = sc->cols[col][sc->row - 1];
	return 0;
}

uint64_t vg_store_scan_snapshot_eid(const struct vg_store_scan *sc)
{
	return sc->snapshot_eid;
}

uint64_t vg_store_scan_examined(const struct vg_store_scan *sc)
{
	return sc->examined;
}

void vg_store_scan_close(struct vg_store_scan *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->store->lock);
	sc->store->scanned += sc->examined;
	pthread_mutex_unlock(&sc->store->lock);
	if (sc->cols)
		leave_seg(sc);
	for (size_t i = 0; i < sc->n_segs; i++)
		vg__seg_unref(sc->segs[i].g);
	free(sc->segs);
	free(sc->cols);
	free(sc);
}
