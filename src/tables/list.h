// SPDX-License-Identifier: Apache-2.0
/*
 * list.h - every point-in-time table, one VG_TABLE(name) line each, for
 * src/registry.c. Table `name` is defined in src/tables/<name>.c as
 * `const struct vg_table vg_table_<name>`. Keep the lines sorted.
 */
VG_TABLE(arp_cache)
VG_TABLE(deb_packages)
VG_TABLE(interface_addresses)
VG_TABLE(kernel_info)
VG_TABLE(kernel_modules)
VG_TABLE(os_version)
VG_TABLE(osquery_flags)
VG_TABLE(osquery_info)
VG_TABLE(routes)
VG_TABLE(startup_items)
VG_TABLE(system_controls)
VG_TABLE(system_info)
VG_TABLE(time)
VG_TABLE(uptime)
