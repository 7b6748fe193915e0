# Shared by the benchmarks: build, timing and reporting helpers.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
long=0
for a in "$@"; do [ "$a" = --long ] && long=1; done

# Builds the Release binaries once per source change.
bench_build() {
	cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF >/dev/null
	cmake --build "$root/build-bench" -j"$(nproc)" >/dev/null
	VIGIL="$root/build-bench/vigil"
}

# times_ms N CMD...: runs CMD N times (output discarded), prints each wall time in ms.
times_ms() {
	local n=$1 i t0 t1
	shift
	for ((i = 0; i < n; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo "scale=3; ($t1 - $t0) / 1000000" | bc
	done
}

# stats: reads numbers on stdin, prints "median min max".
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}

# report NAME UNIT "median min max": one metric line with its range.
report() {
	local name=$1 unit=$2
	read -r med min max <<<"$3"
	echo "$name: $med $unit (range $min-$max)"
}

# ratio A B: A / B with 3 decimals.
ratio() {
	echo "scale=3; $1 / $2" | bc
}
