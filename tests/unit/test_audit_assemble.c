// SPDX-License-Identifier: Apache-2.0
/*
 * The audit record assembler, fed real record texts: each record below was
 * read from the kernel's audit multicast socket on a 6.18 x86_64 host while
 * rules like the publisher's were in place (vigil_exec, vigil_fork) and a
 * shell ran the commands named above each set. Covers the hard argument
 * kinds, a failed exec, the empty argv the kernel turns into "", a relative
 * path, execveat on an fd, forks and a thread, a long argument split into
 * chunks over two records, interleaved events, lost EOEs (timeout and
 * limit), args_max cuts, and malformed records.
 */
#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

#include "audit_assemble.h"
#include "vt.h"

struct rec {
	int type;
	const char *text;
};
/* cd "/tmp/cap/d sp"; /bin/echo plain "with space" "quote\"and'" $'new\nline' $'\xff\xfe' "" */
static const struct rec hard[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836670.264:2058): arch=c000003e syscall=59 success=yes exit=0 a0=56514"
	  "ba0bac0 a1=56514b9fe940 a2=56514ba0b230 a3=94541224e75a0fd8 items=2 ppid=1952 pi"
	  "d=3402 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 t"
	  "ty=(none) ses=4294967295 comm=\"echo\" exe=\"/usr/bin/echo\" key=\"vigil_exec\"" },
	{ AUDIT_BPRM_FCAPS,
	  "audit(1795836670.264:2058): fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff old_pi"
	  "=0 old_pe=000001fffeffffff old_pa=0 pp=000001fffeffffff pi=0 pe=000001fffeffffff"
	  " pa=0 frootid=0" },
	{ AUDIT_EXECVE,
	  "audit(1795836670.264:2058): argc=7 a0=\"/bin/echo\" a1=\"plain\" a2=7769746820737061"
	  "6365 a3=71756F746522616E6427 a4=6E65770A6C696E65 a5=FFFE a6=\"\"" },
	{ AUDIT_CWD, "audit(1795836670.264:2058): cwd=2F746D702F6361702F64207370" },
	{ AUDIT_PATH,
	  "audit(1795836670.264:2058): item=0 name=\"/bin/echo\" inode=247304 dev=fe:00 mode="
	  "0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_"
	  "fver=0 cap_frootid=0" },
	{ AUDIT_PATH,
	  "audit(1795836670.264:2058): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=3323"
	  "83 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_"
	  "fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE,
	  "audit(1795836670.264:2058): proctitle=2F62696E2F6563686F00706C61696E007769746820"
	  "73706163650071756F746522616E6427006E65770A6C696E6500FFFE" },
	{ AUDIT_EOE, "audit(1795836670.264:2058): " },
};

/* /bin/nonexistent-prog: ENOENT */
static const struct rec failed[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836670.268:2061): arch=c000003e syscall=59 success=no exit=-2 a0=56514"
	  "ba16780 a1=56514b9f87d0 a2=56514ba0b230 a3=94541224e75a0fd8 items=1 ppid=1952 pi"
	  "d=3404 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 t"
	  "ty=(none) ses=4294967295 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"vigil_exec\"" },
	{ AUDIT_CWD, "audit(1795836670.268:2061): cwd=2F746D702F6361702F64207370" },
	{ AUDIT_PATH,
	  "audit(1795836670.268:2061): item=0 name=\"/bin/nonexistent-prog\" nametype=UNKNOWN"
	  " cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE, "audit(1795836670.268:2061): proctitle=62617368002F6465762F66642F33" },
	{ AUDIT_EOE, "audit(1795836670.268:2061): " },
};

/* a program that calls execve("/bin/true", {NULL}, {NULL}) */
static const struct rec noargv[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836670.268:2066): arch=c000003e syscall=59 success=yes exit=0 a0=5623b"
	  "5d79004 a1=7fff54bf8ca8 a2=7fff54bf8ca0 a3=7fa7b121ab28 items=2 ppid=1952 pid=34"
	  "06 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=("
	  "none) ses=4294967295 comm=\"true\" exe=\"/usr/bin/true\" key=\"vigil_exec\"" },
	{ AUDIT_BPRM_FCAPS,
	  "audit(1795836670.268:2066): fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff old_pi"
	  "=0 old_pe=000001fffeffffff old_pa=0 pp=000001fffeffffff pi=0 pe=000001fffeffffff"
	  " pa=0 frootid=0" },
	{ AUDIT_EXECVE, "audit(1795836670.268:2066): argc=1 a0=\"\"" },
	{ AUDIT_CWD, "audit(1795836670.268:2066): cwd=2F746D702F6361702F64207370" },
	{ AUDIT_PATH,
	  "audit(1795836670.268:2066): item=0 name=\"/bin/true\" inode=248139 dev=fe:00 mode="
	  "0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_"
	  "fver=0 cap_frootid=0" },
	{ AUDIT_PATH,
	  "audit(1795836670.268:2066): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=3323"
	  "83 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_"
	  "fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE, "audit(1795836670.268:2066): proctitle=\"/tmp/cap/noargv\"" },
	{ AUDIT_EOE, "audit(1795836670.268:2066): " },
};

/* cd /tmp/cap; ../../bin/true rel */
static const struct rec rel[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836670.284:2101): arch=c000003e syscall=59 success=yes exit=0 a0=56514"
	  "ba071d0 a1=56514ba0bb10 a2=56514ba0b230 a3=94541224e75a0fd8 items=2 ppid=1952 pi"
	  "d=3434 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 t"
	  "ty=(none) ses=4294967295 comm=\"true\" exe=\"/usr/bin/true\" key=\"vigil_exec\"" },
	{ AUDIT_BPRM_FCAPS,
	  "audit(1795836670.284:2101): fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff old_pi"
	  "=0 old_pe=000001fffeffffff old_pa=0 pp=000001fffeffffff pi=0 pe=000001fffeffffff"
	  " pa=0 frootid=0" },
	{ AUDIT_EXECVE, "audit(1795836670.284:2101): argc=2 a0=\"../../bin/true\" a1=\"rel\"" },
	{ AUDIT_CWD, "audit(1795836670.284:2101): cwd=\"/tmp/cap\"" },
	{ AUDIT_PATH,
	  "audit(1795836670.284:2101): item=0 name=\"../../bin/true\" inode=248139 dev=fe:00 "
	  "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0"
	  " cap_fver=0 cap_frootid=0" },
	{ AUDIT_PATH,
	  "audit(1795836670.284:2101): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=3323"
	  "83 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_"
	  "fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE,
	  "audit(1795836670.284:2101): proctitle=2E2E2F2E2E2F62696E2F747275650072656C" },
	{ AUDIT_EOE, "audit(1795836670.284:2101): " },
};

/* ./thr: clone(CLONE_THREAD ...), fork() (a clone), vfork() */
static const struct rec fork_recs[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836814.296:5703): arch=c000003e syscall=59 success=yes exit=0 a0=56514"
	  "b9fd7f0 a1=56514ba06cf0 a2=56514ba0b230 a3=94541224e75a0fd8 items=2 ppid=15049 p"
	  "id=15106 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0"
	  " tty=(none) ses=4294967295 comm=\"thr\" exe=\"/tmp/cap/thr\" key=\"vigil_exec\"" },
	{ AUDIT_BPRM_FCAPS,
	  "audit(1795836814.296:5703): fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff old_pi"
	  "=0 old_pe=000001fffeffffff old_pa=0 pp=000001fffeffffff pi=0 pe=000001fffeffffff"
	  " pa=0 frootid=0" },
	{ AUDIT_EXECVE, "audit(1795836814.296:5703): argc=1 a0=\"./thr\"" },
	{ AUDIT_CWD, "audit(1795836814.296:5703): cwd=\"/tmp/cap\"" },
	{ AUDIT_PATH,
	  "audit(1795836814.296:5703): item=0 name=\"./thr\" inode=10961282 dev=fe:00 mode=01"
	  "00755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fv"
	  "er=0 cap_frootid=0" },
	{ AUDIT_PATH,
	  "audit(1795836814.296:5703): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=3323"
	  "83 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_"
	  "fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE, "audit(1795836814.296:5703): proctitle=\"./thr\"" },
	{ AUDIT_EOE, "audit(1795836814.296:5703): " },
	{ AUDIT_SYSCALL,
	  "audit(1795836814.296:5704): arch=c000003e syscall=56 success=yes exit=15107 a0=5"
	  "0f00 a1=557c350e4070 a2=0 a3=7ffe7c8f6148 items=0 ppid=15049 pid=15106 auid=4294"
	  "967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=42"
	  "94967295 comm=\"thr\" exe=\"/tmp/cap/thr\" key=\"vigil_fork\"" },
	{ AUDIT_PROCTITLE, "audit(1795836814.296:5704): proctitle=\"./thr\"" },
	{ AUDIT_EOE, "audit(1795836814.296:5704): " },
	{ AUDIT_SYSCALL,
	  "audit(1795836814.396:5705): arch=c000003e syscall=56 success=yes exit=15108 a0=1"
	  "200011 a1=0 a2=0 a3=7ff9efe46a10 items=0 ppid=15049 pid=15106 auid=4294967295 ui"
	  "d=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
	  "comm=\"thr\" exe=\"/tmp/cap/thr\" key=\"vigil_fork\"" },
	{ AUDIT_PROCTITLE, "audit(1795836814.396:5705): proctitle=\"./thr\"" },
	{ AUDIT_EOE, "audit(1795836814.396:5705): " },
	{ AUDIT_SYSCALL,
	  "audit(1795836814.396:5706): arch=c000003e syscall=58 success=yes exit=15109 a0=5"
	  "57c350d1291 a1=0 a2=0 a3=7ff9efe5c850 items=0 ppid=15049 pid=15106 auid=42949672"
	  "95 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=429496"
	  "7295 comm=\"thr\" exe=\"/tmp/cap/thr\" key=\"vigil_fork\"" },
	{ AUDIT_PROCTITLE, "audit(1795836814.396:5706): proctitle=\"./thr\"" },
	{ AUDIT_EOE, "audit(1795836814.396:5706): " },
};

/* fexecve(open("/bin/echo"), {"echo", "via-fd"}): execveat with AT_EMPTY_PATH */
static const struct rec fexec[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836814.400:5709): arch=c000003e syscall=322 success=yes exit=0 a0=3 a1"
	  "=7f8cbf8c4dd5 a2=7ffe092cd600 a3=7ffe092cd5f8 items=2 ppid=15049 pid=15110 auid="
	  "4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) se"
	  "s=4294967295 comm=\"echo\" exe=\"/usr/bin/echo\" key=\"vigil_exec\"" },
	{ AUDIT_BPRM_FCAPS,
	  "audit(1795836814.400:5709): fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff old_pi"
	  "=0 old_pe=000001fffeffffff old_pa=0 pp=000001fffeffffff pi=0 pe=000001fffeffffff"
	  " pa=0 frootid=0" },
	{ AUDIT_EXECVE, "audit(1795836814.400:5709): argc=2 a0=\"echo\" a1=\"via-fd\"" },
	{ AUDIT_CWD, "audit(1795836814.400:5709): cwd=\"/tmp/cap\"" },
	{ AUDIT_PATH,
	  "audit(1795836814.400:5709): item=0 name=\"\" inode=247304 dev=fe:00 mode=0100755 o"
	  "uid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 ca"
	  "p_frootid=0" },
	{ AUDIT_PATH,
	  "audit(1795836814.400:5709): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=3323"
	  "83 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_"
	  "fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE, "audit(1795836814.400:5709): proctitle=2E2F746872006664" },
	{ AUDIT_EOE, "audit(1795836814.400:5709): " },
};

/* /bin/true "$(printf q%.0s $(seq 1 3800))x y" tail: a1 hex, in two chunks */
static const struct rec longarg[] = {
	{ AUDIT_SYSCALL,
	  "audit(1795836814.404:5714): arch=c000003e syscall=59 success=yes exit=0 a0=56514"
	  "ba08410 a1=56514b9ffa10 a2=56514ba0b230 a3=94541224e75a0fd8 items=2 ppid=15049 p"
	  "id=15113 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0"
	  " tty=(none) ses=4294967295 comm=\"true\" exe=\"/usr/bin/true\" key=\"vigil_exec\"" },
	{ AUDIT_BPRM_FCAPS,
	  "audit(1795836814.404:5714): fver=0 fp=0 fi=0 fe=0 old_pp=000001fffeffffff old_pi"
	  "=0 old_pe=000001fffeffffff old_pa=0 pp=000001fffeffffff pi=0 pe=000001fffeffffff"
	  " pa=0 frootid=0" },
	{ AUDIT_EXECVE,
	  "audit(1795836814.404:5714): argc=3 a0=\"/bin/true\" a1_len=7606 a1[0]=717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171" },
	{ AUDIT_EXECVE,
	  "audit(1795836814.404:5714):  a1[1]=717171717171717171717171717171717171717171717"
	  "17171717171717171717171717171717171717171717171717171717171717171717171717171717"
	  "171717171782079 a2=\"tail\"" },
	{ AUDIT_CWD, "audit(1795836814.404:5714): cwd=\"/tmp/cap\"" },
	{ AUDIT_PATH,
	  "audit(1795836814.404:5714): item=0 name=\"/bin/true\" inode=248139 dev=fe:00 mode="
	  "0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_"
	  "fver=0 cap_frootid=0" },
	{ AUDIT_PATH,
	  "audit(1795836814.404:5714): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=3323"
	  "83 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_"
	  "fi=0 cap_fe=0 cap_fver=0 cap_frootid=0" },
	{ AUDIT_PROCTITLE,
	  "audit(1795836814.404:5714): proctitle=2F62696E2F74727565007171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "71717171717171717171717171717171717171717171717171717171717171717171717171717171"
	  "717171717171717171717171717171717171717171717171717171" },
	{ AUDIT_EOE, "audit(1795836814.404:5714): " },
};

#define N_RECS(a) (sizeof(a) / sizeof((a)[0]))

/* What the callback saw, copied. */
struct got {
	struct vg_audit_event ae;
	char path[256], cwd[256], comm[32], syscall[16];
	char *args;
};

static struct got got[16];
static size_t n_got;

static void on_event(void *ctx, const struct vg_audit_event *ae)
{
	struct got *g;

	(void)ctx;
	if (n_got == N_RECS(got))
		return;
	g = &got[n_got++];
	g->ae = *ae;
	snprintf(g->path, sizeof(g->path), "%.*s", (int)ae->ev.path_len, ae->ev.path);
	snprintf(g->cwd, sizeof(g->cwd), "%.*s", (int)ae->ev.cwd_len,
		 ae->ev.cwd ? ae->ev.cwd : "(none)");
	snprintf(g->comm, sizeof(g->comm), "%s", ae->ev.comm);
	snprintf(g->syscall, sizeof(g->syscall), "%s", ae->ev.syscall);
	g->args = malloc(ae->ev.args_len + 1);
	memcpy(g->args, ae->ev.args, ae->ev.args_len);
	g->args[ae->ev.args_len] = '\0';
}

static void reset_got(void)
{
	for (size_t i = 0; i < n_got; i++)
		free(got[i].args);
	n_got = 0;
}

static struct vg_audit_asm *new_asm(uint32_t args_max, bool forks, uint32_t max_pending)
{
	struct vg_audit_asm_options o = {
		.args_max = args_max,
		.forks = forks,
		.max_pending = max_pending,
		.timeout_ns = 1000,
	};
	struct vg_audit_asm *a = NULL;

	reset_got();
	if (vg_audit_asm_new(&o, on_event, NULL, &a))
		return NULL;
	return a;
}

static void feed(struct vg_audit_asm *a, const struct rec *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vg_audit_asm_feed(a, r[i].type, r[i].text, strlen(r[i].text), 0);
}

VT_TEST(hard_arguments_come_out_byte_exact)
{
	static const char want[] =
	    "/bin/echo\0plain\0with space\0quote\"and'\0new\nline\0\xff\xfe\0";
	struct vg_audit_asm *a = new_asm(8192, false, 0);
	struct vg_audit_asm_stats st;
	const struct vg_process_event *ev;

	VT_ASSERT(a);
	feed(a, hard, N_RECS(hard));
	VT_ASSERT_EQ(n_got, 1);
	ev = &got[0].ae.ev;
	VT_ASSERT_STR_EQ(got[0].path, "/usr/bin/echo"); /* exe: /bin is a symlink */
	VT_ASSERT_STR_EQ(got[0].cwd, "/tmp/cap/d sp");
	VT_ASSERT_STR_EQ(got[0].comm, "echo");
	VT_ASSERT_STR_EQ(got[0].syscall, "execve");
	VT_ASSERT_EQ(ev->argc, 7);
	VT_ASSERT(!ev->args_cut);
	/* the last argument is empty: argv ends with the NUL before it */
	VT_ASSERT_EQ(ev->args_len, sizeof(want) - 1);
	VT_ASSERT(memcmp(got[0].args, want, sizeof(want) - 1) == 0);
	VT_ASSERT_EQ(ev->pid, 3402);
	VT_ASSERT_EQ(ev->tid, 3402);
	VT_ASSERT_EQ(ev->ppid, 1952);
	VT_ASSERT_EQ(ev->uid, 0);
	VT_ASSERT_EQ(ev->egid, 0);
	VT_ASSERT_EQ(ev->auid, -1);
	VT_ASSERT_EQ(ev->time_ns, 1795836670264000000LL);
	VT_ASSERT_EQ(got[0].ae.serial, 2058);
	VT_ASSERT_EQ(got[0].ae.mode, 0100755);
	VT_ASSERT_EQ(got[0].ae.owner_uid, 0);
	VT_ASSERT_EQ(got[0].ae.owner_gid, 0);
	VT_ASSERT(got[0].ae.is_complete);
	VT_ASSERT(ev->env == NULL);
	vg_audit_asm_stats(a, &st);
	VT_ASSERT_EQ(st.records, N_RECS(hard));
	VT_ASSERT_EQ(st.emitted, 1);
	VT_ASSERT_EQ(st.incomplete + st.discarded + st.malformed + st.failed, 0);
	vg_audit_asm_free(a);
	reset_got();
}

VT_TEST(failed_exec_is_not_an_event)
{
	struct vg_audit_asm *a = new_asm(8192, true, 0);
	struct vg_audit_asm_stats st;

	VT_ASSERT(a);
	feed(a, failed, N_RECS(failed));
	vg_audit_asm_flush(a, 1000000000, true);
	VT_ASSERT_EQ(n_got, 0);
	vg_audit_asm_stats(a, &st);
	VT_ASSERT_EQ(st.failed, 1);
	VT_ASSERT_EQ(st.emitted, 0);
	vg_audit_asm_free(a);
}

VT_TEST(empty_argv_relative_path_and_execveat)
{
	struct vg_audit_asm *a = new_asm(8192, false, 0);

	VT_ASSERT(a);
	feed(a, noargv, N_RECS(noargv));
	feed(a, rel, N_RECS(rel));
	feed(a, fexec, N_RECS(fexec));
	VT_ASSERT_EQ(n_got, 3);
	/* the kernel (since 5.18) makes an empty argv a single "" */
	VT_ASSERT_EQ(got[0].ae.ev.argc, 1);
	VT_ASSERT_EQ(got[0].ae.ev.args_len, 0);
	VT_ASSERT(!got[0].ae.ev.args_cut);
	VT_ASSERT_STR_EQ(got[0].path, "/usr/bin/true");
	/* a relative name: the exe is the executable the kernel resolved */
	VT_ASSERT_STR_EQ(got[1].path, "/usr/bin/true");
	VT_ASSERT_EQ(got[1].ae.ev.args_len, 18);
	VT_ASSERT(memcmp(got[1].args, "../../bin/true\0rel", 18) == 0);
	/* execveat on an fd: no name, the exe stands in */
	VT_ASSERT_STR_EQ(got[2].syscall, "execveat");
	VT_ASSERT_STR_EQ(got[2].path, "/usr/bin/echo");
	VT_ASSERT(memcmp(got[2].args, "echo\0via-fd", 12) == 0);
	vg_audit_asm_free(a);
	reset_got();
}

VT_TEST(forks_are_events_threads_are_not)
{
	struct vg_audit_asm *a = new_asm(8192, true, 0);

	VT_ASSERT(a);
	feed(a, fork_recs, N_RECS(fork_recs));
	VT_ASSERT_EQ(n_got, 3); /* the exec of ./thr, its fork (a clone) and its vfork */
	VT_ASSERT_STR_EQ(got[0].syscall, "execve");
	VT_ASSERT_STR_EQ(got[0].path, "/tmp/cap/thr");
	VT_ASSERT_STR_EQ(got[1].syscall, "fork");
	VT_ASSERT_EQ(got[1].ae.ev.pid, 15108);
	VT_ASSERT_EQ(got[1].ae.ev.ppid, 15106);
	VT_ASSERT_EQ(got[1].ae.ev.args_len, 0);
	VT_ASSERT_STR_EQ(got[1].comm, "thr");
	VT_ASSERT_STR_EQ(got[2].syscall, "fork");
	VT_ASSERT_EQ(got[2].ae.ev.pid, 15109);
	vg_audit_asm_free(a);
	/* without forks asked for, only the exec */
	a = new_asm(8192, false, 0);
	VT_ASSERT(a);
	feed(a, fork_recs, N_RECS(fork_recs));
	VT_ASSERT_EQ(n_got, 1);
	vg_audit_asm_free(a);
	reset_got();
}

/* The expected argv of longarg (heap; *@len set). */
static char *longarg_argv(size_t *len)
{
	char *w = malloc(4096 * 2);
	size_t n = 0;

	memcpy(w, "/bin/true", 10);
	n = 10;
	memset(w + n, 'q', 3800);
	n += 3800;
	memcpy(w + n, "x y\0tail", 8);
	*len = n + 8;
	return w;
}

VT_TEST(long_argument_in_chunks_and_args_max)
{
	struct vg_audit_asm *a = new_asm(65536, false, 0);
	size_t len;
	char *want = longarg_argv(&len);

	VT_ASSERT(a);
	feed(a, longarg, N_RECS(longarg));
	VT_ASSERT_EQ(n_got, 1);
	VT_ASSERT_EQ(got[0].ae.ev.argc, 3);
	VT_ASSERT(!got[0].ae.ev.args_cut);
	VT_ASSERT_EQ(got[0].ae.ev.args_len, len);
	VT_ASSERT(memcmp(got[0].args, want, len) == 0);
	vg_audit_asm_free(a);
	/* cut inside the long argument: a byte-exact prefix, marked */
	a = new_asm(1000, false, 0);
	VT_ASSERT(a);
	feed(a, longarg, N_RECS(longarg));
	VT_ASSERT_EQ(n_got, 1);
	VT_ASSERT(got[0].ae.ev.args_cut);
	VT_ASSERT_EQ(got[0].ae.ev.args_len, 1000);
	VT_ASSERT(memcmp(got[0].args, want, 1000) == 0);
	VT_ASSERT_EQ(got[0].ae.ev.argc, 3);
	vg_audit_asm_free(a);
	/* cut exactly at an argument's end: the next one's separator is not kept */
	a = new_asm(9, false, 0);
	VT_ASSERT(a);
	feed(a, longarg, N_RECS(longarg));
	VT_ASSERT(got[0].ae.ev.args_cut);
	VT_ASSERT_EQ(got[0].ae.ev.args_len, 9);
	vg_audit_asm_free(a);
	/* nothing kept at all */
	a = new_asm(0, false, 0);
	VT_ASSERT(a);
	feed(a, hard, N_RECS(hard));
	VT_ASSERT(got[0].ae.ev.args_cut);
	VT_ASSERT_EQ(got[0].ae.ev.args_len, 0);
	vg_audit_asm_free(a);
	free(want);
	reset_got();
}

VT_TEST(interleaved_events_keep_apart)
{
	const struct rec *sets[] = { hard, longarg, rel, failed };
	size_t sizes[] = { N_RECS(hard), N_RECS(longarg), N_RECS(rel), N_RECS(failed) };
	size_t pos[4] = { 0 }, left = 0, len;
	struct vg_audit_asm *a = new_asm(65536, false, 0);
	char *want = longarg_argv(&len);

	VT_ASSERT(a);
	for (size_t i = 0; i < 4; i++)
		left += sizes[i];
	/* one record of each event in turn */
	while (left)
		for (size_t i = 0; i < 4; i++)
			if (pos[i] < sizes[i]) {
				const struct rec *r = &sets[i][pos[i]++];

				vg_audit_asm_feed(a, r->type, r->text, strlen(r->text), 0);
				left--;
			}
	/* in the order of their EOEs: hard and rel (8 records each), then longarg */
	VT_ASSERT_EQ(n_got, 3);
	VT_ASSERT_EQ(got[0].ae.serial, 2058);
	VT_ASSERT_STR_EQ(got[0].comm, "echo");
	VT_ASSERT_EQ(got[0].ae.ev.args_len, 50);
	VT_ASSERT_EQ(got[1].ae.serial, 2101);
	VT_ASSERT_STR_EQ(got[1].cwd, "/tmp/cap");
	VT_ASSERT_EQ(got[2].ae.serial, 5714);
	VT_ASSERT_STR_EQ(got[2].cwd, "/tmp/cap");
	VT_ASSERT_EQ(got[2].ae.ev.args_len, len);
	VT_ASSERT(memcmp(got[2].args, want, len) == 0);
	vg_audit_asm_free(a);
	free(want);
	reset_got();
}

VT_TEST(lost_eoe_flushed_by_timeout_and_limit)
{
	struct vg_audit_asm *a = new_asm(8192, false, 2);
	struct vg_audit_asm_stats st;

	VT_ASSERT(a);
	/* everything but the EOE */
	for (size_t i = 0; i + 1 < N_RECS(hard); i++)
		vg_audit_asm_feed(a, hard[i].type, hard[i].text, strlen(hard[i].text), 0);
	vg_audit_asm_flush(a, 999, false);
	VT_ASSERT_EQ(n_got, 0);
	vg_audit_asm_flush(a, 1000, false);
	VT_ASSERT_EQ(n_got, 1);
	VT_ASSERT(!got[0].ae.is_complete);
	VT_ASSERT_STR_EQ(got[0].cwd, "/tmp/cap/d sp");
	/* a late EOE for it is ignored */
	vg_audit_asm_feed(a, hard[N_RECS(hard) - 1].type, hard[N_RECS(hard) - 1].text,
			  strlen(hard[N_RECS(hard) - 1].text), 0);
	VT_ASSERT_EQ(n_got, 1);
	/* three events without EOE in two slots: the oldest goes first */
	for (size_t i = 0; i + 1 < N_RECS(noargv); i++)
		vg_audit_asm_feed(a, noargv[i].type, noargv[i].text, strlen(noargv[i].text), 0);
	for (size_t i = 0; i + 1 < N_RECS(rel); i++)
		vg_audit_asm_feed(a, rel[i].type, rel[i].text, strlen(rel[i].text), 0);
	VT_ASSERT_EQ(n_got, 1);
	for (size_t i = 0; i + 1 < N_RECS(fexec); i++)
		vg_audit_asm_feed(a, fexec[i].type, fexec[i].text, strlen(fexec[i].text), 0);
	VT_ASSERT_EQ(n_got, 2);
	VT_ASSERT_EQ(got[1].ae.serial, 2066);
	vg_audit_asm_flush(a, 0, true);
	VT_ASSERT_EQ(n_got, 4);
	vg_audit_asm_stats(a, &st);
	VT_ASSERT_EQ(st.incomplete, 4);
	vg_audit_asm_free(a);
	reset_got();
}

VT_TEST(malformed_records_are_counted)
{
	static const char *const bad[] = {
		"",
		"audit(",
		"audit(1.2:3)",
		"audit(x.2:3): argc=1",
		"audit(1795836670.264:2058 argc=1",
		"audit(99999999999999999999.1:2): argc=1",
	};
	static const char gap[] = "audit(1795836670.264:2058): argc=3 a0=\"x\" a2=\"z\"";
	struct vg_audit_asm *a = new_asm(8192, false, 0);
	struct vg_audit_asm_stats st;

	VT_ASSERT(a);
	for (size_t i = 0; i < N_RECS(bad); i++)
		vg_audit_asm_feed(a, AUDIT_EXECVE, bad[i], strlen(bad[i]), 0);
	/* an EXECVE whose arguments skip one: what is kept stops at the gap */
	feed(a, hard, 2);
	vg_audit_asm_feed(a, AUDIT_EXECVE, gap, strlen(gap), 0);
	feed(a, hard + 3, N_RECS(hard) - 3);
	vg_audit_asm_stats(a, &st);
	VT_ASSERT_EQ(st.malformed, N_RECS(bad));
	VT_ASSERT_EQ(n_got, 1);
	VT_ASSERT(got[0].ae.ev.args_cut);
	VT_ASSERT_STR_EQ(got[0].args, "x");
	/* records of other types are ignored, even unreadable ones */
	vg_audit_asm_feed(a, AUDIT_USER, "garbage", 7, 0);
	vg_audit_asm_stats(a, &st);
	VT_ASSERT_EQ(st.malformed, N_RECS(bad));
	vg_audit_asm_free(a);
	reset_got();
}
