// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the config parser: any bytes must give a config or a
 * message, never a crash, a leak or undefined behaviour; a parsed config's
 * options are applied to the flags too (then reset).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "vigil/config.h"
#include "vigil/flags.h"
#include "vigil/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_config *cfg = NULL;
	char *err = NULL;

	vg_log_set_level(VG_LOG_ERROR);
	if (vg_config_parse((const char *)data, size, "fuzz", &cfg, &err) == 0) {
		if (vg_config_apply_options(cfg, &err))
			free(err);
		vg_config_free(cfg);
		vg_flags_reset();
	} else {
		if (!err)
			abort(); /* a failure must say why */
		free(err);
	}
	return 0;
}
