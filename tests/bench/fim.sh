# bench: FIM: create/write/rename/unlink workload; loss, CPU per event and per 100k operations, slowdown, SQL latency; vs fatrace, inotifywait and a bare fanotify reader (the kernel's floor)
# (vigil's rows carry names, pid and hashes; fanotify merges a write with its close)
source "$(dirname "$0")/lib.sh"
for p in fatrace inotify-tools bc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
bench_build
cmake --build "$root/build-bench" --target fim_workload fan_floor bench_latency -j"$(nproc)" >/dev/null
work="$root/build-bench/fim_workload"
n=$((long ? 100000 : 16000))
scratch=$(mktemp -d /var/tmp/vigil-bench-fim.XXXXXX)
chmod 700 "$scratch"
tmpfs="$scratch/tmpfs"
mkdir -p "$tmpfs"
mount -t tmpfs -o size=512m vigil-bench "$tmpfs"
cleanup() {
	pkill -f "vigil-bench-fim" 2>/dev/null || true
	umount -l "$tmpfs" 2>/dev/null || true
	rm -rf "$scratch"
}
trap cleanup EXIT
hz=$(getconf CLK_TCK)

cpu_s() { # utime + stime of pid $1, in seconds
	awk -v hz="$hz" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

# wait_quiet FILE: until FILE stops growing for 1 s (max 60 s).
wait_quiet() {
	local last=-1 cur i
	for ((i = 0; i < 120; i++)); do
		cur=$(wc -l <"$1")
		[ "$cur" = "$last" ] && return 0
		last=$cur
		sleep 0.5
	done
}

# one FS WRITERS LABEL CMD...: runs the workload under monitor CMD (or none).
one() {
	local dir=$1 writers=$2 label=$3
	shift 3
	local out="$scratch/$label.out" pid="" secs cpu c0 lines ops
	mkdir -p "$dir/w"
	rm -f "$dir"/w/*
	if [ $# -gt 0 ]; then
		"$@" >"$out" 2>"$scratch/$label.err" &
		pid=$!
		sleep 1
		c0=$(cpu_s "$pid") # the workload's share only, not start-up
	fi
	sync # the last run's deletions are not this run's journal work
	"$work" "$dir/w" "$n" "$writers" >"$scratch/work.out"
	secs=$(sed -n 's/^seconds: //p' "$scratch/work.out")
	ops=$(sed -n 's/^events: //p' "$scratch/work.out")
	if [ -n "$pid" ]; then
		wait_quiet "$out"
		cpu=$(echo "$(cpu_s "$pid") - $c0" | bc)
		kill -TERM "$pid" 2>/dev/null || true # (SIGINT is ignored in background jobs)
		wait "$pid" 2>/dev/null || true
		lines=$(wc -l <"$out")
		# Every file is deleted once, and no kernel merges a deletion with
		# another event: deletions seen / files made is the capture rate.
		deletes=$(grep -c 'DELETE' "$out" || true)
		echo "$label $secs $cpu $lines $deletes $ops"
	else
		echo "$label $secs 0 0 0 $ops"
	fi
}

report_fs() {
	local fs=$1 dir=$2 writers=$3
	local files=$((n * writers))
	local cfg="$scratch/vigil-$fs.conf"
	printf '{"file_paths": {"bench": ["%s/w/%%%%"]}}\n' "$dir" >"$cfg"
	local base vig fat ino
	base=$(one "$dir" "$writers" none)
	vig=$(one "$dir" "$writers" vigil "$VIGIL" --config_path "$cfg" --disable_events=false \
		--enable_file_events --events_max 0 --follow --json \
		"SELECT action, target_path, pid, sha256 FROM file_events")
	fat=$( (cd "$dir/w" && one "$dir" "$writers" fatrace fatrace -c -t))
	ino=$(one "$dir" "$writers" inotifywait inotifywait -m -r -q \
		-e create,modify,close_write,moved_from,moved_to,delete "$dir/w")
	# The kernel's own share: vigil's fanotify mark, events read and dropped.
	flo=$(one "$dir" "$writers" fanotify_floor "$root/build-bench/fan_floor" "$dir/w")
	local b_s b2
	# Unmonitored twice (before and after the monitors): the faster one, so
	# one stall of the disk does not skew every ratio.
	b2=$(one "$dir" "$writers" none)
	b_s=$(printf '%s\n%s\n' "$(echo "$base" | cut -d' ' -f2)" "$(echo "$b2" | cut -d' ' -f2)" |
		sort -g | head -1)
	echo "${fs}_${writers}w_files_per_s_unmonitored: $(echo "scale=0; $n * $writers / $b_s" | bc) files/s"
	for r in "$vig" "$fat" "$ino" "$flo"; do
		read -r label s cpu lines deletes ops <<<"$r"
		echo "${fs}_${writers}w_${label}_slowdown: $(echo "scale=3; $s / $b_s" | bc) x"
		if [ "$label" = fanotify_floor ]; then
			echo "${fs}_${writers}w_${label}_cpu_per_100k_ops: $(echo "scale=3; 100000 * $cpu / $ops" | bc) s"
			continue
		fi
		echo "${fs}_${writers}w_${label}_events: $lines events ($files files)"
		[ "$label" != fatrace ] &&
			echo "${fs}_${writers}w_${label}_loss: $(echo "scale=2; 100 * ($files - $deletes) / $files" | bc) % (deletions seen: $deletes)"
		[ "$lines" -gt 0 ] &&
			echo "${fs}_${writers}w_${label}_cpu_per_event: $(echo "scale=2; 1000000 * $cpu / $lines" | bc) us"
		# The same workload for every tool: CPU per 100k of its file operations.
		echo "${fs}_${writers}w_${label}_cpu_per_100k_ops: $(echo "scale=3; 100000 * $cpu / $ops" | bc) s"
	done
}

report_fs ext4 "$scratch" 1
report_fs tmpfs "$tmpfs" 2
# Syscall to row visible in SQL, with files made at a steady 2000/s.
mkdir -p "$scratch/lat"
"$root/build-bench/bench_latency" "$scratch/lat" $((long ? 20000 : 5000)) 2000 | sed 's/^/ext4_/'
