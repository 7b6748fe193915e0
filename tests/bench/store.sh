# bench: event store: append rate, bytes per row, recent-time count over 10M rows, 1M-row scan, reopen
source "$(dirname "$0")/lib.sh"
bench_build
cmake --build "$root/build-bench" --target bench_store -j"$(nproc)" >/dev/null
scratch=$(mktemp -d /var/tmp/vigil-bench-store.XXXXXX)
chmod 700 "$scratch"
trap 'rm -rf "$scratch"' EXIT
if ((long)); then
	"$root/build-bench/bench_store" "$scratch" --rows 10000000 --big 20000000
else
	"$root/build-bench/bench_store" "$scratch" --rows 2000000 --big 10000000
fi
