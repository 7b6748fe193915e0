// SPDX-License-Identifier: Apache-2.0
/*
 * list.h - every point-in-time table, one VG_TABLE(name) line each, for
 * src/registry.c. Table `name` is defined in src/tables/<name>.c as
 * `const struct vg_table vg_table_<name>`. Keep the lines sorted.
 */
VG_TABLE(authorized_keys)
VG_TABLE(crontab)
VG_TABLE(dns_resolvers)
VG_TABLE(etc_hosts)
VG_TABLE(etc_services)
VG_TABLE(file)
VG_TABLE(groups)
VG_TABLE(hash)
VG_TABLE(listening_ports)
VG_TABLE(logged_in_users)
VG_TABLE(mounts)
VG_TABLE(osquery_flags)
VG_TABLE(osquery_info)
VG_TABLE(process_envs)
VG_TABLE(process_open_files)
VG_TABLE(process_open_sockets)
VG_TABLE(processes)
VG_TABLE(shell_history)
VG_TABLE(sudoers)
VG_TABLE(suid_bin)
VG_TABLE(time)
VG_TABLE(users)
