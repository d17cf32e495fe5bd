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
# warm_source FILE: a file just written is read from this virtual disk at
# 0.6-1.5 GB/s the first time and ~2 GB/s after (dd, page cache dropped in
# between): the host still holds or flushes it. Read it once, so that the
# side measured first does not pay that alone.
warm_source() { sync; cat "$1" > /dev/null; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
