// SPDX-License-Identifier: Apache-2.0
/*
 * event.c - names of normalized events (see include/vigil/event.h).
 */
#include "vigil/event.h"

const char *vg_file_action_name(enum vg_file_action a)
{
	switch (a) {
	case VG_FILE_CREATED:
		return "CREATED";
	case VG_FILE_UPDATED:
		return "UPDATED";
	case VG_FILE_DELETED:
		return "DELETED";
	case VG_FILE_MOVED_FROM:
		return "MOVED_FROM";
	case VG_FILE_MOVED_TO:
		return "MOVED_TO";
	case VG_FILE_ATTRIBUTES_MODIFIED:
		return "ATTRIBUTES_MODIFIED";
	case VG_FILE_OPENED:
		return "OPENED";
	case VG_FILE_ACCESSED:
		return "ACCESSED";
	}
	return "";
}
