# bench: hash throughput on a 1 GiB file (page cache warm), against sha256sum/md5sum/sha1sum
source "$(dirname "$0")/lib.sh"
command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null; }
bench_build
mib=$((long ? 4096 : 1024))
n=$((long ? 5 : 3))
f=$(mktemp /var/tmp/vigil-bench-hash.XXXXXX)
trap 'rm -f "$f"' EXIT
head -c "$((mib * 1048576))" /dev/urandom >"$f"
cat "$f" >/dev/null
mbs() { # "median min max" ms -> "median min max" MB/s (min time = max speed)
	read -r med min max <<<"$1"
	printf '%s %s %s\n' "$(echo "scale=1; $mib * 1000 / $med" | bc)" \
		"$(echo "scale=1; $mib * 1000 / $max" | bc)" "$(echo "scale=1; $mib * 1000 / $min" | bc)"
}
for algo in sha256 md5 sha1; do
	v=$(times_ms "$n" "$VIGIL" "SELECT $algo FROM hash WHERE path='$f'" | stats)
	c=$(times_ms "$n" "${algo}sum" "$f" | stats)
	report "hash_${algo}_vigil" MB/s "$(mbs "$v")"
	report "hash_${algo}_${algo}sum" MB/s "$(mbs "$c")"
	echo "hash_${algo}_speed_ratio_vs_${algo}sum: $(ratio "${c%% *}" "${v%% *}") x"
done
v=$(times_ms "$n" "$VIGIL" "SELECT md5, sha1, sha256 FROM hash WHERE path='$f'" | stats)
report hash_all_three_one_pass MB/s "$(mbs "$v")"
