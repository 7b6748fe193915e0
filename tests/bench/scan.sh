# bench: FIM baseline scan of /usr/bin (--long: /usr) from scratch, files/s and MB/s hashed, vs aide --init
source "$(dirname "$0")/lib.sh"
for p in aide bc; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
bench_build
cmake --build "$root/build-bench" --target bench_scan -j"$(nproc)" >/dev/null
tree=${BENCH_TREE:-$([ "$long" = 1 ] && echo /usr || echo /usr/bin)}
scratch=$(mktemp -d /var/tmp/vigil-bench-scan.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# aide with the same attributes vigil keeps: permissions, inode, links, owner,
# size, mtime, ctime, SHA-256.
cat >"$scratch/aide.conf" <<CONF
database_out=file:$scratch/aide.db.new
gzip_dbout=no
Vigil = p+i+n+u+g+s+m+c+sha256
$tree Vigil
CONF
cat "$tree" >/dev/null 2>&1 || true
find "$tree" -type f -exec cat {} + >/dev/null 2>&1 # warm the page cache for both
runs=$((long ? 3 : 2))
vs=() as=()
for ((i = 0; i < runs; i++)); do
	rm -rf "$scratch/v"
	mkdir -p "$scratch/v"
	out=$("$root/build-bench/bench_scan" "$tree" "$scratch/v")
	files=$(echo "$out" | sed -n 's/^scan_files: \([0-9]*\).*/\1/p')
	mb=$(echo "$out" | sed -n 's/^scan_mb: \([0-9.]*\).*/\1/p')
	vs+=("$(echo "$out" | sed -n 's/^scan_seconds: \([0-9.]*\).*/\1/p')")
	rm -f "$scratch/aide.db.new"
	t0=$(date +%s%N)
	aide --init -c "$scratch/aide.conf" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	as+=("$(echo "scale=3; ($t1 - $t0) / 1000000000" | bc)")
done
v=$(printf '%s\n' "${vs[@]}" | stats)
a=$(printf '%s\n' "${as[@]}" | stats)
echo "scan_tree: $tree ($files files, $mb MB)"
report vigil_scan_seconds s "$v"
report aide_init_seconds s "$a"
echo "vigil_scan_files_per_s: $(echo "scale=0; $files / ${v%% *}" | bc) files/s"
echo "vigil_scan_mb_per_s: $(echo "scale=1; $mb / ${v%% *}" | bc) MB/s"
echo "aide_init_mb_per_s: $(echo "scale=1; $mb / ${a%% *}" | bc) MB/s"
echo "scan_speed_ratio_vs_aide: $(ratio "${a%% *}" "${v%% *}") x"
