// SPDX-License-Identifier: Apache-2.0
/*
 * list.h - every event table, one VG_TABLE(name) line each, for
 * src/registry.c. Table `name` is defined in subscribers/<name>.c as
 * `const struct vg_table vg_table_<name>`.
 */
VG_TABLE(bpf_process_events)
VG_TABLE(file_events)
VG_TABLE(process_events)
