# bench: shell start-up: `vigil "select 1"` wall time, against sqlite3
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { apt-get install -y -qq sqlite3 >/dev/null; }
command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null; }
bench_build
n=$((long ? 200 : 40))
v=$(times_ms "$n" "$VIGIL" "select 1" | stats)
s=$(times_ms "$n" sqlite3 :memory: "select 1" | stats)
report shell_startup_select_1 ms "$v"
report sqlite3_startup_select_1 ms "$s"
echo "startup_ratio_vs_sqlite3: $(ratio "${v%% *}" "${s%% *}") x"
