// SPDX-License-Identifier: Apache-2.0
/*
 * bench_scan - one FIM baseline scan of DIR from an empty baseline (every
 * file hashed, as `aide --init` does), without a rate limit. Prints
 * `scan_files: N files`, `scan_mb: M MB`, `scan_seconds: S s`.
 *
 * Usage: bench_scan DIR SCRATCH
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "fim_baseline.h"
#include "fim_config.h"
#include "util.h"

static void ignore(void *arg, enum vg_file_action action, const char *path, size_t len,
		   size_t category)
{
	(void)arg;
	(void)action;
	(void)path;
	(void)len;
	(void)category;
}

int main(int argc, char **argv)
{
	struct vg_fim_baseline *b = NULL;
	struct vg_fim_config *cfg = NULL;
	struct vg_fim_scan_stats st;
	atomic_bool stop = false;
	char text[1024], db[1024], *err = NULL;
	json_error_t je;
	json_t *root;
	int64_t t0;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_scan DIR SCRATCH\n");
		return 2;
	}
	snprintf(text, sizeof(text), "{\"file_paths\": {\"b\": [\"%s/%%%%\"]}}", argv[1]);
	snprintf(db, sizeof(db), "%s/baseline.db", argv[2]);
	root = json_loads(text, 0, &je);
	if (!root || vg_fim_config_compile(root, &cfg, &err) || vg_fim_baseline_open(db, &b)) {
		fprintf(stderr, "bench_scan: cannot set up: %s\n", err ? err : "?");
		return 1;
	}
	t0 = vg_mono_ns();
	vg_fim_baseline_scan(b, cfg, 0, 0, ignore, NULL, &stop, &st);
	printf("scan_files: %llu files\nscan_mb: %.1f MB\nscan_seconds: %.3f s\n",
	       (unsigned long long)st.files, (double)st.bytes_hashed / 1048576.0,
	       (double)(vg_mono_ns() - t0) / 1e9);
	vg_fim_baseline_close(b);
	vg_fim_config_free(cfg);
	json_decref(root);
	free(err);
	return 0;
}
