# bench: SELECT * FROM file WHERE directory='/usr/bin', against stat(1)
source "$(dirname "$0")/lib.sh"
command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null; }
bench_build
n=$((long ? 100 : 20))
dir=${BENCH_DIR:-/usr/bin}
q="SELECT * FROM file WHERE directory='$dir'"
rows=$("$VIGIL" --list --header=false "SELECT count(*) FROM file WHERE directory='$dir'")
files=$(find "$dir" -mindepth 1 -maxdepth 1 | wc -l)
v=$(times_ms "$n" "$VIGIL" --csv "$q" | stats)
s=$(times_ms "$n" find "$dir" -mindepth 1 -maxdepth 1 -exec stat -c '%n|%i|%u|%g|%a|%d|%s|%B|%X|%Y|%Z|%W|%h|%F|%N' {} + | stats)
report file_directory_select_all ms "$v"
report stat_same_fields ms "$s"
echo "file_rows: $rows rows (entries: $files)"
echo "file_ratio_vs_stat: $(ratio "${v%% *}" "${s%% *}") x"
