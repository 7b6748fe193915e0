# bench: SELECT * FROM processes, against ps reading the same fields
source "$(dirname "$0")/lib.sh"
command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null; }
bench_build
n=$((long ? 100 : 20))
q="SELECT * FROM processes"
fields=pid,ppid,pgid,uid,euid,suid,gid,egid,sgid,nice,nlwp,stat,rss,vsz,time,lstart,comm,exe,args,cgroup
rows=$("$VIGIL" --list --header=false "SELECT count(*) FROM processes")
psrows=$(ps -e --no-headers -o pid | wc -l)
v=$(times_ms "$n" "$VIGIL" --csv "$q" | stats)
p=$(times_ms "$n" ps -eww -o "$fields" | stats)
report processes_select_all ms "$v"
report ps_same_fields ms "$p"
echo "processes_rows: $rows rows (ps: $psrows)"
echo "processes_ratio_vs_ps: $(ratio "${v%% *}" "${p%% *}") x"
v1=$(times_ms "$n" "$VIGIL" --csv "SELECT pid, name FROM processes" | stats)
report processes_pid_name ms "$v1"
