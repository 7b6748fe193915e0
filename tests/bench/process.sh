# bench: exec storm (fork+exec /bin/true): rows captured, CPU per exec (and with vigil's eBPF time), slowdown; vs bpftrace, auditd
# vigil runs twice, on eBPF and on its audit fallback; the audit fallback is
# compared with auditd logging the same exec rule. CPU of the audit runs
# includes the kernel's kauditd thread, which feeds whichever daemon reads.
source "$(dirname "$0")/lib.sh"
for p in bpftrace bc auditd; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1 || true
done
# bpftrace finds tracepoints through tracefs, which may not be mounted here.
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
bench_build
cmake --build "$root/build-bench" --target exec_storm -j"$(nproc)" >/dev/null
storm="$root/build-bench/exec_storm"
n=$((long ? 20000 : 4000))
scratch=$(mktemp -d /var/tmp/vigil-bench-proc.XXXXXX)
hz=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$hz" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"; }
kauditd=$(pgrep -x kauditd || true)
kaudit_cpu() { if [ -n "$kauditd" ]; then cpu_s "$kauditd"; else echo 0; fi; }
# The audit settings found, put back after each audit run.
audit_enabled=$(auditctl -s 2>/dev/null | sed -n 's/^enabled //p')
audit_backlog=$(auditctl -s 2>/dev/null | sed -n 's/^backlog_limit //p')
audit_restore() {
	[ -n "$audit_enabled" ] && auditctl -e "$audit_enabled" -b "$audit_backlog" >/dev/null 2>&1 || true
}

# Nanoseconds the kernel spent in vigil's eBPF programs (vg_*), with
# kernel.bpf_stats_enabled on: the in-kernel half of the cost per exec.
bpf_ns() {
	bpftool prog show -j 2>/dev/null | tr '{' '\n' |
		awk -F'"run_time_ns":' '/"name":"vg_/ && NF > 1 { split($2, a, ","); s += a[1] } END { print s + 0 }'
}
bpf_stats_was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
trap 'sysctl -qw kernel.bpf_stats_enabled="$bpf_stats_was" 2>/dev/null; pkill -f "vigil-bench-proc" 2>/dev/null; rm -rf "$scratch"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || true

# run LABEL SPAWNERS CMD...: the storm under monitor CMD (none if empty);
# prints "label seconds cpu lines bpf_seconds". cpu is what the monitor
# spent during the storm and its drain (not its start-up).
run() {
	local label=$1 w=$2 out="$scratch/$1-$2.out" pid="" secs cpu=0 lines=0 k0 c0 b0 bpf=0
	shift 2
	if [ $# -gt 0 ]; then
		"$@" >"$out" 2>"$scratch/$label.err" &
		pid=$!
		sleep 2
		c0=$(cpu_s "$pid")
	fi
	k0=$(kaudit_cpu)
	b0=$(bpf_ns)
	secs=$("$storm" "$n" "$w" | sed -n 's/^seconds: //p')
	if [ -n "$pid" ]; then
		sleep 1
		cpu=$(echo "$(cpu_s "$pid") - $c0" | bc)
		[ "$label" = vigil ] && bpf=$(echo "scale=6; ($(bpf_ns) - $b0) / 1000000000" | bc)
		[ "$label" = vigil_audit ] && cpu=$(echo "$cpu + $(kaudit_cpu) - $k0" | bc)
		kill -INT "$pid" 2>/dev/null || true # bpftrace ends on SIGINT, vigil too
		sleep 0.5
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		lines=$(grep -c '/bin/true' "$out" 2>/dev/null || true)
		lines=${lines:-0}
	fi
	echo "$label $secs $cpu $lines $bpf"
}

# run_auditd SPAWNERS: the storm while auditd (started here, logging raw
# records to the scratch dir) has an execve rule; prints "auditd seconds cpu lines".
run_auditd() {
	local w=$1 dir="$scratch/auditd-$1" pid secs cpu k0 c0 lines i
	mkdir -p "$dir/plugins"
	cat >"$dir/auditd.conf" <<-EOF
		local_events = yes
		write_logs = yes
		log_file = $dir/audit.log
		log_format = RAW
		flush = INCREMENTAL_ASYNC
		freq = 50
		max_log_file = 1000
		num_logs = 0
		max_log_file_action = IGNORE
		space_left = 2
		space_left_action = IGNORE
		admin_space_left = 1
		admin_space_left_action = IGNORE
		disk_full_action = IGNORE
		disk_error_action = IGNORE
		plugin_dir = $dir/plugins
		q_depth = 2000
		overflow_action = IGNORE
	EOF
	chmod 600 "$dir/auditd.conf"
	auditd -n -c "$dir" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 50); do
		[ "$(auditctl -s | sed -n 's/^pid //p')" = "$pid" ] && break
		sleep 0.1
	done
	# The same backlog as vigil sets when it is the audit daemon.
	auditctl -b 8192 >/dev/null
	auditctl -a always,exit -F arch=b64 -S execve -k bench >/dev/null
	sleep 1
	k0=$(kaudit_cpu)
	c0=$(cpu_s "$pid")
	secs=$("$storm" "$n" "$w" | sed -n 's/^seconds: //p')
	sleep 2
	cpu=$(echo "$(cpu_s "$pid") - $c0 + $(kaudit_cpu) - $k0" | bc)
	auditctl -d always,exit -F arch=b64 -S execve -k bench >/dev/null
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	audit_restore
	lines=$(grep -c '^type=SYSCALL.*comm="true".*key="bench"' "$dir/audit.log" 2>/dev/null || true)
	echo "auditd $secs $cpu ${lines:-0} 0"
}

for w in 1 2; do
	execs=$((n * w))
	base=$(run none "$w")
	b_s=$(echo "$base" | cut -d' ' -f2)
	echo "storm_${w}s_execs_per_s_unmonitored: $(echo "scale=0; $execs / $b_s" | bc) execs/s"
	results=("$(run vigil "$w" "$VIGIL" --enable_bpf_events --events_max 0 --follow --json \
		"SELECT pid, path, cmdline, parent FROM process_events")")
	results+=("$(run vigil_audit "$w" "$VIGIL" --disable_audit=false \
		--process_events_publisher=audit --events_max 0 --follow --json \
		"SELECT pid, path, cmdline, parent FROM process_events")")
	audit_restore
	[ -x /usr/sbin/auditd ] && [ "$(auditctl -s | sed -n 's/^pid //p')" = 0 ] &&
		results+=("$(run_auditd "$w")")
	command -v bpftrace >/dev/null &&
		results+=("$(run bpftrace "$w" bpftrace -e 'tracepoint:sched:sched_process_exec { printf("%d %s\n", pid, str(args->filename)); }')")
	for r in "${results[@]}"; do
		read -r label s cpu lines bpf <<<"$r"
		echo "storm_${w}s_${label}_slowdown: $(echo "scale=3; $s / $b_s" | bc) x"
		echo "storm_${w}s_${label}_captured: $lines of $execs execs"
		echo "storm_${w}s_${label}_loss: $(echo "scale=2; 100 * ($execs - $lines) / $execs" | bc) %"
		[ "$lines" -gt 0 ] &&
			echo "storm_${w}s_${label}_cpu_per_exec: $(echo "scale=1; 1000000 * $cpu / $lines" | bc) us"
		# End to end: the process's CPU plus its programs' time in the kernel.
		[ "$lines" -gt 0 ] && [ "$label" = vigil ] &&
			echo "storm_${w}s_vigil_cpu_per_exec_with_bpf: $(echo "scale=1; 1000000 * ($cpu + $bpf) / $lines" | bc) us"
	done
done
