# Helpers shared by the shell benchmarks. Source it after setting PIDS=().
# stop_pid PID: SIGTERM, SIGKILL after 30 s, then reap.
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
# Before every phase, for nasd and the baseline alike (TESTING.md: the ext4
# here has no journal and the host reclaims idle memory).
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
