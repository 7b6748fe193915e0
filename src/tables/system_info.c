// SPDX-License-Identifier: Apache-2.0
/*
 * system_info.c - the `system_info` table: host identity, CPU, memory and
 * DMI hardware strings, one row.
 *
 * HOW IT WORKS: hostname and local_hostname are the FQDN (getaddrinfo with
 * AI_CANONNAME on gethostname(), what `hostname -f` prints), computer_name
 * the plain gethostname(). One pass over /proc/cpuinfo gives the brand
 * ("model name"), subtype ("model"), microcode, and the distinct
 * "physical id" / ("physical id", "core id") pairs, counted as sockets and
 * physical cores. Logical cores are the online CPUs and physical_memory is
 * the total RAM (sysconf). The hardware_* and board_* columns come from
 * /sys/class/dmi/id (empty on hosts without DMI); as osquery does, Lenovo's
 * swapped model/version strings are put back in order. uuid is the DMI
 * product UUID, else /etc/machine-id shaped as a UUID (as osquery_info).
 *
 * Limits: the FQDN lookup may consult DNS, so it only runs when a hostname
 * column is read; at most 4096 distinct cores are counted.
 */
#include "vigil/table.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util.h"
#include "vigil/strbuf.h"

enum {
	C_HOSTNAME,
	C_UUID,
	C_CPU_TYPE,
	C_CPU_SUBTYPE,
	C_CPU_BRAND,
	C_CPU_PHYSICAL_CORES,
	C_CPU_LOGICAL_CORES,
	C_CPU_SOCKETS,
	C_CPU_MICROCODE,
	C_PHYSICAL_MEMORY,
	C_HARDWARE_VENDOR,
	C_HARDWARE_MODEL,
	C_HARDWARE_VERSION,
	C_HARDWARE_SERIAL,
	C_BOARD_VENDOR,
	C_BOARD_MODEL,
	C_BOARD_VERSION,
	C_BOARD_SERIAL,
	C_COMPUTER_NAME,
	C_LOCAL_HOSTNAME,
	C_EMULATED_CPU_TYPE,
};

static const struct vg_column columns[] = {
	[C_HOSTNAME] = { "hostname", VG_TYPE_TEXT, 0, "Network hostname including domain" },
	[C_UUID] = { "uuid", VG_TYPE_TEXT, VG_COL_NOCASE, "Unique ID provided by the system" },
	[C_CPU_TYPE] = { "cpu_type", VG_TYPE_TEXT, 0, "CPU type" },
	[C_CPU_SUBTYPE] = { "cpu_subtype", VG_TYPE_TEXT, 0, "CPU subtype" },
	[C_CPU_BRAND] = { "cpu_brand", VG_TYPE_TEXT, 0,
			  "CPU brand string, contains vendor and model" },
	[C_CPU_PHYSICAL_CORES] = { "cpu_physical_cores", VG_TYPE_INTEGER, 0,
				   "Number of physical CPU cores in to the system" },
	[C_CPU_LOGICAL_CORES] = { "cpu_logical_cores", VG_TYPE_INTEGER, 0,
				  "Number of logical CPU cores available to the system" },
	[C_CPU_SOCKETS] = { "cpu_sockets", VG_TYPE_INTEGER, 0,
			    "Number of processor sockets in the system" },
	[C_CPU_MICROCODE] = { "cpu_microcode", VG_TYPE_TEXT, 0, "Microcode version" },
	[C_PHYSICAL_MEMORY] = { "physical_memory", VG_TYPE_BIGINT, 0,
				"Total physical memory in bytes" },
	[C_HARDWARE_VENDOR] = { "hardware_vendor", VG_TYPE_TEXT, 0, "Hardware vendor" },
	[C_HARDWARE_MODEL] = { "hardware_model", VG_TYPE_TEXT, 0, "Hardware model" },
	[C_HARDWARE_VERSION] = { "hardware_version", VG_TYPE_TEXT, 0, "Hardware version" },
	[C_HARDWARE_SERIAL] = { "hardware_serial", VG_TYPE_TEXT, 0, "Device serial number" },
	[C_BOARD_VENDOR] = { "board_vendor", VG_TYPE_TEXT, 0, "Board vendor" },
	[C_BOARD_MODEL] = { "board_model", VG_TYPE_TEXT, 0, "Board model" },
	[C_BOARD_VERSION] = { "board_version", VG_TYPE_TEXT, 0, "Board version" },
	[C_BOARD_SERIAL] = { "board_serial", VG_TYPE_TEXT, 0, "Board serial number" },
	[C_COMPUTER_NAME] = { "computer_name", VG_TYPE_TEXT, 0,
			      "Friendly computer name (optional)" },
	[C_LOCAL_HOSTNAME] = { "local_hostname", VG_TYPE_TEXT, 0, "Local hostname (optional)" },
	[C_EMULATED_CPU_TYPE] = { "emulated_cpu_type", VG_TYPE_TEXT, VG_COL_HIDDEN,
				  "Emulated CPU type (Windows)" },
};

/* DMI attribute files for the hardware_* and board_* columns, in column order. */
static const char *const si_dmi_files[] = {
	"sys_vendor",	"product_name", "product_version", "product_serial",
	"board_vendor", "board_name",	"board_version",   "board_serial",
};

#define SI_MAX_CORES 4096

/* What one pass over /proc/cpuinfo found. */
struct si_cpu {
	struct vg_strbuf brand, subtype, microcode;
	long cores[SI_MAX_CORES][2]; /* distinct (physical id, core id) */
	long sockets[SI_MAX_CORES];  /* distinct physical ids */
	size_t n_cores, n_sockets;
};

/* Adds @v to @set of @n (bounded) unless present. */
static void si_add_socket(struct si_cpu *c, long v)
{
	for (size_t i = 0; i < c->n_sockets; i++)
		if (c->sockets[i] == v)
			return;
	if (c->n_sockets < SI_MAX_CORES)
		c->sockets[c->n_sockets++] = v;
}

static void si_add_core(struct si_cpu *c, long pkg, long core)
{
	for (size_t i = 0; i < c->n_cores; i++)
		if (c->cores[i][0] == pkg && c->cores[i][1] == core)
			return;
	if (c->n_cores < SI_MAX_CORES) {
		c->cores[c->n_cores][0] = pkg;
		c->cores[c->n_cores][1] = core;
		c->n_cores++;
	}
}

/* Sets @sb to the trimmed value after ':' in @line (if @sb is still empty). */
static void si_value(struct vg_strbuf *sb, const char *line)
{
	const char *v = strchr(line, ':');

	if (!v || sb->len)
		return;
	v += 1 + strspn(v + 1, " \t");
	vg_strbuf_addstr(sb, v);
	vg_strbuf_rtrim(sb);
}

static void si_cpuinfo(struct si_cpu *c)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;
	char *save = NULL;
	long pkg = 0;

	vg_read_file("/proc/cpuinfo", 64u << 20, false, &sb);
	for (char *l = strtok_r(sb.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *v = strchr(l, ':');

		if (!v)
			continue;
		if (!strncmp(l, "model name", 10))
			si_value(&c->brand, l);
		else if (!strncmp(l, "model\t", 6))
			si_value(&c->subtype, l);
		else if (!strncmp(l, "microcode", 9))
			si_value(&c->microcode, l);
		else if (!strncmp(l, "physical id", 11))
			si_add_socket(c, pkg = strtol(v + 1, NULL, 10));
		else if (!strncmp(l, "core id", 7))
			si_add_core(c, pkg, strtol(v + 1, NULL, 10));
	}
	vg_strbuf_release(&sb);
}

/* The FQDN of this host into @out, else the plain host name. */
static void si_fqdn(const char *host, struct vg_strbuf *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_flags = AI_CANONNAME };
	struct addrinfo *res = NULL;

	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname)
		vg_strbuf_addstr(out, res->ai_canonname);
	else
		vg_strbuf_addstr(out, host);
	if (res)
		freeaddrinfo(res);
}

/* Reads DMI attribute @name (trimmed) into @out; empty if absent. */
static void si_dmi(const char *name, struct vg_strbuf *out)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/dmi/id/%s", name);
	vg_read_file(path, 4096, true, out);
	vg_strbuf_rtrim(out);
}

/* The host UUID: DMI product_uuid (upper case), else machine-id as a UUID. */
static void si_uuid(struct vg_strbuf *out)
{
	struct vg_strbuf sb = VG_STRBUF_INIT;

	si_dmi("product_uuid", &sb);
	if (sb.len == 36) {
		for (size_t i = 0; i < sb.len; i++)
			vg_strbuf_addch(out, (char)(sb.buf[i] >= 'a' && sb.buf[i] <= 'f'
							? sb.buf[i] - 'a' + 'A'
							: sb.buf[i]));
		goto out;
	}
	vg_strbuf_reset(&sb);
	vg_read_file("/etc/machine-id", 256, false, &sb);
	vg_strbuf_rtrim(&sb);
	if (sb.len == 32)
		vg_strbuf_addf(out, "%.8s-%.4s-%.4s-%.4s-%.12s", sb.buf, sb.buf + 8, sb.buf + 12,
			       sb.buf + 16, sb.buf + 20);
out:
	vg_strbuf_release(&sb);
}

static void si_hardware(struct vg_query *q)
{
	struct vg_strbuf v[VG_ARRAY_SIZE(si_dmi_files)];
	struct vg_strbuf tmp;

	for (size_t i = 0; i < VG_ARRAY_SIZE(v); i++) {
		vg_strbuf_init(&v[i]);
		if (vg_query_col_used(q, C_HARDWARE_VENDOR + (int)i) || i == 0)
			si_dmi(si_dmi_files[i], &v[i]);
	}
	if (!strcasecmp(v[0].buf, "lenovo")) {
		/* Lenovo puts the model in product_version and a SKU in product_name. */
		tmp = v[1];
		v[1] = v[2];
		v[2] = tmp;
	}
	for (size_t i = 0; i < VG_ARRAY_SIZE(v); i++) {
		vg_row_text(q, C_HARDWARE_VENDOR + (int)i, v[i].buf);
		vg_strbuf_release(&v[i]);
	}
}

static int system_info_generate(struct vg_query *q)
{
	struct vg_strbuf fqdn = VG_STRBUF_INIT, uuid = VG_STRBUF_INIT;
	struct si_cpu *cpu = calloc(1, sizeof(*cpu));
	long logical = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
	char host[256] = "";
	struct utsname u;

	if (!cpu)
		return vg_query_error(q, "system_info: out of memory");
	gethostname(host, sizeof(host) - 1);
	if (vg_query_col_used(q, C_HOSTNAME) || vg_query_col_used(q, C_LOCAL_HOSTNAME))
		si_fqdn(host, &fqdn);
	if (vg_query_col_used(q, C_UUID))
		si_uuid(&uuid);
	si_cpuinfo(cpu);
	vg_row_begin(q);
	vg_row_text(q, C_HOSTNAME, fqdn.buf);
	vg_row_text(q, C_UUID, uuid.buf);
	vg_row_text(q, C_CPU_TYPE, uname(&u) == 0 ? u.machine : "");
	vg_row_text(q, C_CPU_SUBTYPE, cpu->subtype.len ? cpu->subtype.buf : "0");
	vg_row_text(q, C_CPU_BRAND, cpu->brand.buf);
	vg_row_int(q, C_CPU_PHYSICAL_CORES, cpu->n_cores ? (int64_t)cpu->n_cores : logical);
	vg_row_int(q, C_CPU_LOGICAL_CORES, logical > 0 ? logical : -1);
	vg_row_int(q, C_CPU_SOCKETS, cpu->n_sockets ? (int64_t)cpu->n_sockets : 1);
	vg_row_text(q, C_CPU_MICROCODE, cpu->microcode.buf);
	vg_row_int(q, C_PHYSICAL_MEMORY,
		   pages > 0 && page_size > 0 ? (int64_t)pages * page_size : -1);
	si_hardware(q);
	vg_row_text(q, C_COMPUTER_NAME, host);
	vg_row_text(q, C_LOCAL_HOSTNAME, fqdn.buf);
	vg_row_end(q);
	vg_strbuf_release(&cpu->brand);
	vg_strbuf_release(&cpu->subtype);
	vg_strbuf_release(&cpu->microcode);
	free(cpu);
	vg_strbuf_release(&fqdn);
	vg_strbuf_release(&uuid);
	return 0;
}

const struct vg_table vg_table_system_info = {
	.name = "system_info",
	.description = "System information for identification",
	.columns = columns,
	.n_columns = VG_ARRAY_SIZE(columns),
	.flags = VG_TABLE_DIRECTONLY,
	.est_rows = 1,
	.generate = system_info_generate,
};
