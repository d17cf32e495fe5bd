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
# client_dir NEED_BYTES: a new folder for the client's own files (the files
# it sends, the copies it reads back) in tmpfs when /dev/shm has room for
# twice NEED_BYTES, else under $WORK. In tmpfs the client's reads and writes
# do not share the disk with the server measured. On this virtual disk a
# file just written is read at 0.6-1.5 GB/s the first time and ~2 GB/s
# after, and the side measured first after a source was written had the
# slower big upload in 11 of 12 rounds of bench/http.sh. The caller removes
# the folder (rm -rf) at exit.
client_dir() {
  local avail
  avail=$(df -P -B1 /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')
  if [ -n "$avail" ] && [ "$avail" -gt $(($1 * 2)) ]; then
    mktemp -d /dev/shm/nasd-bench-XXXXXX
  else
    mktemp -d "$WORK/client-XXXXXX"
  fi
}
# fresh_source FILE BYTES: new random bytes for every round. nasd's chunks are
# content-addressed: a chunk it already holds is not committed again (no
# fsync of the chunk file or its folder, ChunkStore::Put), so an upload of
# the same bytes twice does less work the second time.
fresh_source() {
  head -c "$2" /dev/urandom >"$1"
  case "$1" in /dev/shm/*) ;; *) sync; cat "$1" >/dev/null ;; esac
}
# free_port: a TCP port on 127.0.0.1 nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
# durable_copy_rate SRC DIR: MiB/s of a plain durable copy of SRC into DIR
# (dd: 4 MiB writes with O_DIRECT, fsync before it ends), page cache dropped
# first. The least a durable upload of SRC must wait for on that disk: the
# reference for servers that answer only once the bytes are stored (nasd),
# beside baselines that answer from the page cache (nginx, a plain Samba).
durable_copy_rate() {
  local bytes t0 t1
  bytes=$(stat -c %s "$1")
  drop_caches
  t0=$(now)
  dd if="$1" of="$2/durable-copy.bin" bs=4M oflag=direct conv=fsync status=none
  t1=$(now)
  rm -f "$2/durable-copy.bin"
  awk -v b="$bytes" -v a="$t0" -v z="$t1" 'BEGIN {printf "%.1f", b / 1048576 / (z - a)}'
}
