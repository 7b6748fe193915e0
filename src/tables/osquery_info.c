// SPDX-License-Identifier: Apache-2.0
/*
 * osquery_info.c - the `osquery_info` table: this vigil process, one row,
 * with osquery's columns so fleet managers' host-detail queries work.
 */
#include "vigil/table.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util.h"
#include "vigil/config.h"
#include "vigil/strbuf.h"

enum {
	C_PID,
	C_UUID,
	C_INSTANCE_ID,
	C_VERSION,
	C_CONFIG_HASH,
	C_CONFIG_VALID,
	C_EXTENSIONS,
	C_BUILD_PLATFORM,
	C_BUILD_DISTRO,
	C_START_TIME,
	C_WATCHER,
	C_PLATFORM_MASK,
};

static const struct vg_column columns[] = {
	[C_PID] = { "pid", VG_TYPE_INTEGER, 0, "Process (or thread/handle) ID" },
	[C_UUID] = { "uuid", VG_TYPE_TEXT, 0, "Unique ID provided by the system" },
	[C_INSTANCE_ID] = { "instance_id", VG_TYPE_TEXT, 0, "Unique, long-lived ID per instance" },
	[C_VERSION] = { "version", VG_TYPE_TEXT, 0, "vigil version" },
	[C_CONFIG_HASH] = { "config_hash", VG_TYPE_TEXT, 0, "Hash of the working configuration" },
	[C_CONFIG_VALID] = { "config_valid", VG_TYPE_INTEGER, 0, "1 if the config was loaded" },
	[C_EXTENSIONS] = { "extensions", VG_TYPE_TEXT, 0, "Extension status (inactive)" },
	[C_BUILD_PLATFORM] = { "build_platform", VG_TYPE_TEXT, 0, "Build platform" },
	[C_BUILD_DISTRO] = { "build_distro", VG_TYPE_TEXT, 0, "Build distribution" },
	[C_START_TIME] = { "start_time", VG_TYPE_INTEGER, 0, "UNIX time the process started" },
	[C_WATCHER] = { "watcher", VG_TYPE_INTEGER, 0, "Process ID of the watcher, -1 if none" },
	[C_PLATFORM_MASK] = { "platform_mask", VG_TYPE_INTEGER, 0, "The osquery platform bitmask" },
};

static char instance_id[37];
static pthread_once_t instance_once = PTHREAD_ONCE_INIT;

/* A random (version 4) UUID for this process's lifetime. */
static void make_instance_id(void)
{
	unsigned char b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		uint64_t x = (uint64_t)vg_now_ns() ^ (uint64_t)getpid();

		memcpy(b, &x, sizeof(x));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(instance_id, sizeof(instance_id),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

/* Host UUID: the DMI product UUID, else /etc/machine-id as a UUID. */
static void host_uuid(struct vg_strbuf *out)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;

	if (!vg_read_file("/sys/class/dmi/id/product_uuid", 256, false, &sb)) {
		vg_strbuf_rtrim(&sb);
		if (sb.len == 36) {
			for (size_t i = 0; i < sb.len; i++)
				vg_strbuf_addch(out, (char)(sb.buf[i] >= 'a' && sb.buf[i] <= 'f'
								? sb.buf[i] - 32
								: sb.buf[i]));
			goto out;
		}
	}
	vg_strbuf_reset(&sb);
	if (!vg_read_file("/etc/machine-id", 256, false, &sb)) {
		vg_strbuf_rtrim(&sb);
		if (sb.len == 32)
			vg_strbuf_addf(out, "%.8s-%.4s-%.4s-%.4s-%.12s", sb.buf, sb.buf + 8,
				       sb.buf + 12, sb.buf + 16, sb.buf + 20);
	}
out:
	vg_strbuf_release(&sb);
}

/* UNIX start time of this process, from /proc (boot time + start ticks). */
static int64_t start_time(void)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	long long ticks = -1, btime = -1;
	const char *p;
	int64_t res = -1;

	if (!vg_read_file("/proc/self/stat", 4096, false, &sb) && (p = strrchr(sb.buf, ')'))) {
		/* Field 22 (starttime) is the 20th after the ")" that ends comm. */
		for (int field = 2; field < 22 && p; field++)
			p = strchr(p + 1, ' ');
		if (p)
			ticks = strtoll(p + 1, NULL, 10);
	}
	vg_strbuf_reset(&sb);
	if (!vg_read_file("/proc/stat", 1 << 20, false, &sb) && (p = strstr(sb.buf, "\nbtime ")))
		btime = strtoll(p + 7, NULL, 10);
	if (ticks >= 0 && btime > 0)
		res = btime + ticks / sysconf(_SC_CLK_TCK);
	vg_strbuf_release(&sb);
	return res;
}

static int osquery_info_generate(struct vg_query *q)
{
	const struct vg_config *cfg = vg_config_current();
	struct vg_strbuf uuid = VG_STRBUF_INIT;
	struct utsname u;

	pthread_once(&instance_once, make_instance_id);
	if (vg_query_col_used(q, C_UUID))
		host_uuid(&uuid);
	vg_row_begin(q);
	vg_row_int(q, C_PID, getpid());
	vg_row_text(q, C_UUID, uuid.buf);
	vg_row_text(q, C_INSTANCE_ID, instance_id);
	vg_row_text(q, C_VERSION, VIGIL_VERSION);
	vg_row_text(q, C_CONFIG_HASH, cfg ? vg_config_hash(cfg) : "");
	vg_row_int(q, C_CONFIG_VALID, cfg != NULL);
	vg_row_text(q, C_EXTENSIONS, "inactive");
	vg_row_text(q, C_BUILD_PLATFORM, uname(&u) == 0 ? u.sysname : "Linux");
	vg_row_text(q, C_BUILD_DISTRO, "debian");
	if (vg_query_col_used(q, C_START_TIME))
		vg_row_int(q, C_START_TIME, start_time());
	vg_row_int(q, C_WATCHER, -1);
	vg_row_int(q, C_PLATFORM_MASK, 9);
	vg_row_end(q);
	vg_strbuf_release(&uuid);
	return 0;
}

const struct vg_table vg_table_osquery_info = {
	.name = "osquery_info",
	.description = "Top level information about the running vigil instance",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1,
	.generate = osquery_info_generate,
};
