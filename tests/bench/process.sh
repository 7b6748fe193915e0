# bench: exec storm (fork+exec /bin/true): rows captured, CPU per exec, slowdown; vs bpftrace
source "$(dirname "$0")/lib.sh"
for p in bpftrace bc; do
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
trap 'pkill -f "vigil-bench-proc" 2>/dev/null; rm -rf "$scratch"' EXIT
hz=$(getconf CLK_TCK)
cpu_s() { awk -v hz="$hz" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"; }

# run LABEL SPAWNERS CMD...: the storm under monitor CMD (none if empty);
# prints "label seconds cpu lines".
run() {
	local label=$1 w=$2 out="$scratch/$1-$2.out" pid="" secs cpu=0 lines=0
	shift 2
	if [ $# -gt 0 ]; then
		"$@" >"$out" 2>"$scratch/$label.err" &
		pid=$!
		sleep 2
	fi
	secs=$("$storm" "$n" "$w" | sed -n 's/^seconds: //p')
	if [ -n "$pid" ]; then
		sleep 1
		cpu=$(cpu_s "$pid")
		kill -INT "$pid" 2>/dev/null || true # bpftrace ends on SIGINT, vigil too
		sleep 0.5
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		lines=$(grep -c '/bin/true' "$out" 2>/dev/null || true)
		lines=${lines:-0}
	fi
	echo "$label $secs $cpu $lines"
}

for w in 1 2; do
	execs=$((n * w))
	base=$(run none "$w")
	b_s=$(echo "$base" | cut -d' ' -f2)
	echo "storm_${w}s_execs_per_s_unmonitored: $(echo "scale=0; $execs / $b_s" | bc) execs/s"
	results=("$(run vigil "$w" "$VIGIL" --enable_bpf_events --events_max 0 --follow --json \
		"SELECT pid, path, cmdline, parent FROM process_events")")
	command -v bpftrace >/dev/null &&
		results+=("$(run bpftrace "$w" bpftrace -e 'tracepoint:sched:sched_process_exec { printf("%d %s\n", pid, str(args->filename)); }')")
	for r in "${results[@]}"; do
		read -r label s cpu lines <<<"$r"
		echo "storm_${w}s_${label}_slowdown: $(echo "scale=3; $s / $b_s" | bc) x"
		echo "storm_${w}s_${label}_captured: $lines of $execs execs"
		echo "storm_${w}s_${label}_loss: $(echo "scale=2; 100 * ($execs - $lines) / $execs" | bc) %"
		[ "$lines" -gt 0 ] &&
			echo "storm_${w}s_${label}_cpu_per_exec: $(echo "scale=1; 1000000 * $cpu / $lines" | bc) us"
	done
done
