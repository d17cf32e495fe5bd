#!/usr/bin/env bash
# nasd's WebDAV/HTTP file access (/dav/SHARE/PATH) beside nginx serving a plain
# directory (sendfile, dav module) on the same disk, alternating, in the same
# run; prints every measurement, then medians and the ratio nasd/nginx:
#   PUT and cold GET of one big file (curl), GET of a 4 KiB file, PUT of 4 KiB
#   files and 64 KiB Range GETs of the big file (wrk, 32 keep-alive clients);
#   the cold GET and the Range GETs once in each webdav.sendfile mode of nasd
#   (SENDFILE_MODES below: checksums verified before sendfile, or not). Each
#   round also copies the big file durably with dd (lib.sh:
#   durable_copy_rate): the disk's own speed, which bounds a durable PUT.
# Usage: bench/http.sh BUILD_DIR   (uses BUILD_DIR/nasd; run as root: the page
#   cache is dropped before every phase, for both servers)
# env: SIZE_MIB=1024 (big file)  ROUNDS=4  DURATION=10 (seconds a wrk run)
#   ROUNDS is best even: the order alternates by round (the server measured
#   first in a round had the slower big PUT in 11 of 12 rounds here while the
#   source file was on the servers' disk; it is in tmpfs now, lib.sh:
#   client_dir)
#   CONNS=32  THREADS=2 (wrk)
#   ALIGN=4096: Range offsets are random multiples of this; with ALIGN=1,
#     nginx (sendfile + tcp_nopush) stalls about 40 ms on every range that
#     does not start on a page boundary
#   NASD_IO_THREADS, NASD_WORKER_THREADS: override http.io_threads and
#     http.worker_threads (default: what nasd init writes)
#   SENDFILE_MODES="verified unverified": nasd's webdav.sendfile modes the
#     cold GET and the Range GETs are measured in (nasd restarts between
#     them, same data); the first is the one every other phase runs in.
#     verified checks each chunk segment's crc32c before sendfile;
#     unverified leaves corruption to scrubbing. Rows of a mode other than
#     the first are named after it.
#   SIDES="nasd nginx"; SIDES=nginx measures the baseline alone
# nasd runs with --log-level warn (nginx has access_log off) and
# http.body_timeout 10m; the data of both lives in BUILD_DIR/bench-http-*,
# removed at exit. Needs nginx, libnginx-mod-http-dav-ext, wrk, curl
# (scripts/install-deps.sh).
set -euo pipefail
shopt -s inherit_errexit
BUILD=$(realpath "${1:-build}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-1024} ROUNDS=${ROUNDS:-4} DURATION=${DURATION:-10}
CONNS=${CONNS:-32} THREADS=${THREADS:-2} ALIGN=${ALIGN:-4096} SIDES=${SIDES:-nasd nginx}
SENDFILE_MODES=${SENDFILE_MODES:-verified unverified}
NASD=$BUILD/nasd
LUA=$ROOT/bench/http.lua
DAV_MOD=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
NGINX_WORKERS=2
SIZE=$((SIZE_MIB << 20))

die() { echo "http.sh: $*" >&2; exit 1; }
has() { case " $SIDES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
for s in $SIDES; do case $s in nasd | nginx) ;; *) die "SIDES: unknown side $s" ;; esac; done
has nasd || has nginx || die "SIDES must name nasd, nginx or both"
for m in $SENDFILE_MODES; do case $m in verified | unverified | copy) ;; *) die "SENDFILE_MODES: unknown mode $m" ;; esac; done
[ -n "$SENDFILE_MODES" ] || die "SENDFILE_MODES must name at least one mode"
FIRST_MODE=${SENDFILE_MODES%% *}
! has nasd || [ -x "$NASD" ] || die "no $NASD: build it first (make build)"
for c in nginx wrk curl sha256sum; do
  command -v "$c" >/dev/null || die "$c is missing: run scripts/install-deps.sh"
done
[ -f "$DAV_MOD" ] || die "$DAV_MOD is missing: install libnginx-mod-http-dav-ext (scripts/install-deps.sh)"
[ -w /proc/sys/vm/drop_caches ] || die "cannot write /proc/sys/vm/drop_caches: run as root"
if [ "$SIZE_MIB" -lt 1 ] || [ "$ROUNDS" -lt 1 ] || [ "$DURATION" -lt 1 ] || [ "$ALIGN" -lt 1 ]; then
  die "SIZE_MIB, ROUNDS, DURATION and ALIGN must be >= 1"
fi

# Both servers keep their data under one directory on the build's disk.
WORK=$(mktemp -d "$BUILD/bench-http-XXXXXX")
NASD_PID='' NGINX_PID='' CLIENT=''
source "$(dirname "$0")/lib.sh"  # stop_pid, drop_caches, client_dir, fresh_source, median, free_port
cleanup() {
  stop_pid "$NASD_PID"
  stop_pid "$NGINX_PID"
  rm -rf "$WORK" "$CLIENT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_mib=$((SIZE_MIB * (2 * ROUNDS + 1) + 512))
avail_mib=$(df -P -m "$WORK" | awk 'NR==2 {print $4}')
[ "$avail_mib" -ge "$need_mib" ] || die "$WORK has $avail_mib MiB free, the run needs about $need_mib MiB"
FS=$(df -P -T "$WORK" | awk 'NR==2 {print $2 " " $1 " at " $7}')

# ---- nginx -------------------------------------------------------------------
NG=$WORK/nginx NGINX_PORT='' NGINX_URL=''
start_nginx() {
  NGINX_PORT=$(free_port)
  mkdir -p "$NG/root/dav/bench" "$NG/body" "$NG/tmp"
  cat > "$NG/nginx.conf" <<EOF
load_module $DAV_MOD;
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
user root root;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 75s;
  default_type application/octet-stream;
  client_max_body_size 0;
  client_body_temp_path $NG/body;
  proxy_temp_path $NG/tmp;
  fastcgi_temp_path $NG/tmp;
  uwsgi_temp_path $NG/tmp;
  scgi_temp_path $NG/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $NG/root;
    location /dav/ {
      dav_methods PUT DELETE MKCOL COPY MOVE;
      dav_ext_methods PROPFIND OPTIONS;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
EOF
  nginx -t -q -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" 2>"$NG/test.log" ||
    die "nginx rejects its config: $(cat "$NG/test.log")"
  nginx -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" >"$NG/stdout.log" 2>&1 &
  NGINX_PID=$!
  NGINX_URL=http://127.0.0.1:$NGINX_PORT
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$NGINX_URL/" && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  curl -s -o /dev/null "$NGINX_URL/" || die "nginx did not start: $(tail -5 "$NG/error.log" "$NG/stdout.log")"
}

# ---- nasd --------------------------------------------------------------------
CFG=$WORK/nasd/config.yaml NASD_PORT='' NASD_URL='' TOKEN='' NASD_THREADS='' NASD_MODE=''
set_key() { # KEY VALUE: sets "  KEY:" (under http: or webdav:) in the config nasd init wrote
  [ "$(grep -c "^  $1:" "$CFG")" = 1 ] || die "not exactly one key $1 in the config nasd init wrote"
  sed -i "s/^\(  $1:\).*/\1 $2/" "$CFG"
}
start_nasd() {
  NASD_PORT=$(free_port)
  [ "$NASD_PORT" != "$NGINX_PORT" ] || NASD_PORT=$(free_port)
  TOKEN=bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  mkdir -p "$WORK/nasd"
  "$NASD" --config "$CFG" init --storage-path "$WORK/nasd/data" --listen "127.0.0.1:$NASD_PORT" \
    --admin-token "$TOKEN" >"$WORK/nasd/init.log" 2>&1 || die "nasd init failed: $(cat "$WORK/nasd/init.log")"
  # A slow 1 GiB upload must not hit the default 1 minute body timeout.
  set_key body_timeout 10m
  [ -z "${NASD_IO_THREADS:-}" ] || set_key io_threads "$NASD_IO_THREADS"
  [ -z "${NASD_WORKER_THREADS:-}" ] || set_key worker_threads "$NASD_WORKER_THREADS"
  NASD_THREADS=$(awk '/^  (io_threads|worker_threads|body_timeout):/ {sub(":", "="); printf "%s%s", s, $1 $2; s=" "}' "$CFG")
  NASD_URL=http://127.0.0.1:$NASD_PORT
  serve_nasd "$FIRST_MODE"
  "$NASD" --config "$CFG" share create bench >"$WORK/nasd/share.log" 2>&1 ||
    die "nasd share create bench failed: $(cat "$WORK/nasd/share.log")"
}
# serve_nasd MODE: (re)starts nasd serve with webdav.sendfile MODE, same data.
serve_nasd() {
  [ "$1" != "$NASD_MODE" ] || return 0
  stop_pid "$NASD_PID"
  set_key sendfile "$1"
  # warn: no access log line a request (nginx runs with access_log off).
  "$NASD" --config "$CFG" --log-level warn serve >>"$WORK/nasd/serve.log" 2>&1 &
  NASD_PID=$! NASD_MODE=$1
  for _ in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$NASD_URL/readyz")" = 200 ] && break
    kill -0 "$NASD_PID" 2>/dev/null || break
    sleep 0.1
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$NASD_URL/readyz")" = 200 ] ||
    die "nasd serve ($1) is not ready: $(tail -5 "$WORK/nasd/serve.log")"
  # A restart replays and flushes the metadata log: let that disk work end
  # before a phase is timed.
  sync; sleep 2
}

if has nginx; then start_nginx; fi
if has nasd; then start_nasd; fi

# ---- requests ----------------------------------------------------------------
url() { if [ "$1" = nasd ]; then echo "$NASD_URL"; else echo "$NGINX_URL"; fi; }
auth() { if [ "$1" = nasd ]; then echo "Bearer $TOKEN"; fi; }
alive() { # SIDE: dies if the server has exited
  if [ "$1" = nasd ]; then
    kill -0 "$NASD_PID" 2>/dev/null || die "nasd exited: $(tail -20 "$WORK/nasd/serve.log")"
  else
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(tail -20 "$NG/error.log")"
  fi
}

# req SIDE WANT OUT WHAT curl-args... (the last one the path): one request;
# dies unless the status is one of WANT ("201 204"). Prints
# "status time_total size_download size_upload".
req() {
  local side=$1 want=$2 out=$3 what=$4; shift 4
  local args=("$@") path res code
  path=${args[-1]}; unset 'args[-1]'
  if [ "$side" = nasd ]; then args+=(-H "Authorization: $(auth nasd)"); fi
  res=$(curl -sS -o "$out" -w '%{http_code} %{time_total} %{size_download} %{size_upload}' \
    "${args[@]}" "$(url "$side")$path") || { alive "$side"; die "$side: $what: curl failed"; }
  code=${res%% *}
  case " $want " in
    *" $code "*) ;;
    *) local body=""
       [ "$out" != /dev/null ] && body=": $(head -c 400 "$out")"
       die "$side: $what: HTTP $code, want $want$body" ;;
  esac
  echo "$res"
}

# wrk_run SIDE MODE PATH [FILE_BYTES ALIGN]: prints "requests seconds bytes
# p50_us p99_us" (bytes also counts responses cut off by the end of the run); dies on any response with a status >= 400, on connect errors
# and timeouts, or when the server has gone.
wrk_run() {
  local side=$1 mode=$2; shift 2
  local log=$WORK/wrk-$side-$mode.log line
  HTTP_BENCH_AUTH=$(auth "$side") wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 30s \
    -s "$LUA" "$(url "$side")" -- "$mode" "$@" >"$log" 2>&1 || die "$side: wrk $mode failed: $(cat "$log")"
  alive "$side"
  line=$(grep '^WRK ' "$log") || die "$side: wrk $mode printed no summary: $(cat "$log")"
  local -A k
  local kv
  for kv in ${line#WRK }; do k[${kv%%=*}]=${kv#*=}; done
  [ "${k[requests]}" -gt 0 ] || die "$side: wrk $mode made no request: $(cat "$log")"
  # wrk stops early and reports as usual on SIGINT (Ctrl-C): no figure then.
  [ "${k[duration_us]}" -ge $((DURATION * 900000)) ] ||
    die "$side: wrk $mode stopped after ${k[duration_us]} us of ${DURATION} s (interrupted?)"
  [ "${k[status]}" -eq 0 ] || die "$side: wrk $mode: ${k[status]} of ${k[requests]} responses had a status >= 400"
  [ $((k[connect] + k[timeout])) -eq 0 ] ||
    die "$side: wrk $mode: ${k[connect]} connect errors, ${k[timeout]} timeouts (30 s) in ${k[requests]} requests"
  local sock=$((k[read] + k[write]))
  [ "$sock" -eq 0 ] || echo "  note: $side wrk $mode socket errors: connect ${k[connect]} read ${k[read]} write ${k[write]} timeout ${k[timeout]}" >&2
  echo "${k[requests]} $(awk -v d="${k[duration_us]}" 'BEGIN {printf "%.6f", d / 1e6}') ${k[bytes]} ${k[p50_us]} ${k[p99_us]}"
}

# with_modes: ORDER with nasd once per SENDFILE_MODES entry ("nasd:MODE"),
# the modes reversed in even rounds. label ENTRY: the name its figures are
# recorded under ("nasd" in the first mode, "nasd-MODE" in another).
with_modes() {
  local s m modes=$SENDFILE_MODES
  [ $((r % 2)) -eq 1 ] || modes=$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')
  for s in $ORDER; do
    if [ "$s" = nasd ]; then for m in $modes; do echo "nasd:$m"; done; else echo "$s"; fi
  done
}
label() {
  case $1 in
    "nasd:$FIRST_MODE") echo nasd ;;
    nasd:*) echo "nasd-${1#nasd:}" ;;
    *) echo "$1" ;;
  esac
}
# use ENTRY: side becomes ENTRY's server (nasd or nginx); nasd serves in
# ENTRY's mode.
use() {
  side=${1%%:*}
  if [ "$side" = nasd ]; then serve_nasd "${1#nasd:}"; fi
}

RES=$WORK/results.txt
: > "$RES"
record() { echo "$1 $2 $3" >> "$RES"; } # FIGURE SIDE VALUE
show() { printf '  round %d  %-28s %-16s %10.1f %s\n' "$r" "$1" "$2" "$3" "$4"; }

# The 4 KiB file each GET of the small-file phase reads, put once per side.
head -c 4096 /dev/urandom > "$WORK/small"
for side in $SIDES; do
  req "$side" "201 204" "$WORK/resp" "PUT /dav/bench/small" -T "$WORK/small" /dav/bench/small >/dev/null
  req "$side" 200 "$WORK/small.$side" "GET /dav/bench/small" /dav/bench/small >/dev/null
  cmp -s "$WORK/small" "$WORK/small.$side" || die "$side: GET /dav/bench/small returned other bytes than were PUT"
done

echo "== HTTP: nasd /dav vs nginx (worker_processes $NGINX_WORKERS, sendfile, dav) on $FS; sides: $SIDES =="
if has nasd; then echo "   nasd: $NASD_THREADS, log level warn (no access log)"; fi
echo "   big file $SIZE_MIB MiB; wrk -t$THREADS -c$CONNS -d${DURATION}s;" \
  "$ROUNDS rounds; Range offsets multiples of $ALIGN; page cache dropped before every phase"
echo "   nasd's PUT is durable (fsync before the answer); nginx's PUT is not. Dropping the page"
echo "   cache does not empty nasd's own block cache (storage.block_cache)."

CLIENT=$(client_dir "$SIZE")
echo "   the big file is sent from $CLIENT"

for r in $(seq 1 "$ROUNDS"); do
  # Alternate who goes first; fresh random bytes each round (nasd's chunks are
  # content-addressed: the same bytes again would not be written again).
  if [ $((r % 2)) -eq 1 ]; then ORDER="nasd nginx"; else ORDER="nginx nasd"; fi
  ORDER=$(for s in $ORDER; do if has "$s"; then echo "$s"; fi; done)
  SRC=$CLIENT/big-$r.src
  fresh_source "$SRC" "$SIZE"
  big=/dav/bench/big-$r

  for side in $ORDER; do
    drop_caches
    res=$(req "$side" "201 204" "$WORK/resp" "PUT $big" -T "$SRC" "$big")
    read -r _ secs _ up <<<"$res"
    [ "$up" -eq "$SIZE" ] || die "$side: PUT $big sent $up of $SIZE bytes"
    v=$(awk -v b="$SIZE" -v t="$secs" 'BEGIN {printf "%.3f", b / 1048576 / t}')
    record put_big "$side" "$v"; show "PUT $SIZE_MIB MiB" "$side" "$v" MiB/s
  done
  v=$(durable_copy_rate "$SRC" "$WORK")
  record put_big disk "$v"; show "PUT $SIZE_MIB MiB" "disk (dd, fsync)" "$v" MiB/s

  for entry in $(with_modes); do
    use "$entry"
    drop_caches
    res=$(req "$side" 200 /dev/null "GET $big" "$big")
    read -r _ secs down _ <<<"$res"
    [ "$down" -eq "$SIZE" ] || die "$side: GET $big returned $down of $SIZE bytes"
    v=$(awk -v b="$SIZE" -v t="$secs" 'BEGIN {printf "%.3f", b / 1048576 / t}')
    record get_big "$(label "$entry")" "$v"; show "GET $SIZE_MIB MiB (cold)" "$(label "$entry")" "$v" MiB/s
  done
  if has nasd; then serve_nasd "$FIRST_MODE"; fi

  if [ "$r" -eq 1 ]; then # content check, once a side, not timed
    want=$(sha256sum < "$SRC" | cut -d' ' -f1)
    for side in $ORDER; do
      args=(); if [ "$side" = nasd ]; then args=(-H "Authorization: $(auth nasd)"); fi
      got=$(curl -sS -D "$WORK/hdr" "${args[@]}" "$(url "$side")$big" | sha256sum | cut -d' ' -f1) ||
        die "$side: GET $big for sha256: curl failed"
      code=$(awk 'NR==1 {print $2}' "$WORK/hdr")
      [ "$code" = 200 ] || die "$side: GET $big for sha256: HTTP $code"
      [ "$got" = "$want" ] || die "$side: GET $big: sha256 $got, PUT $want"
      printf '  round 1  %-28s %-16s %10s %s\n' "sha256 of GET $SIZE_MIB MiB" "$side" ok "(matches the file PUT)"
    done
  fi

  for side in $ORDER; do
    drop_caches
    res=$(wrk_run "$side" get /dav/bench/small)
    read -r n secs bytes p50 p99 <<<"$res"
    [ "$bytes" -ge $((n * 4096)) ] && [ "$bytes" -le $(((n + CONNS) * (4096 + 2048))) ] ||
      die "$side: GET /dav/bench/small: $bytes bytes for $n responses, not 4 KiB each"
    v=$(awk -v n="$n" -v t="$secs" 'BEGIN {printf "%.3f", n / t}')
    record get_small "$side" "$v"; show "GET 4 KiB x$CONNS" "$side" "$v" "req/s (p50 $p50 us, p99 $p99 us)"
  done

  for side in $ORDER; do
    dir=/dav/bench/put-$r
    req "$side" 201 "$WORK/resp" "MKCOL $dir/" -X MKCOL "$dir/" >/dev/null
    drop_caches
    res=$(wrk_run "$side" put "$dir")
    read -r n secs bytes p50 p99 <<<"$res"
    v=$(awk -v n="$n" -v t="$secs" 'BEGIN {printf "%.3f", n / t}')
    record put_small "$side" "$v"; show "PUT 4 KiB x$CONNS (new files)" "$side" "$v" "req/s (p50 $p50 us, p99 $p99 us)"
    # One of the files, read back: its body starts with its name. (The last
    # thread's first file: wrk calls request() of thread 1 once before the run
    # and drops that request.)
    f=$dir/$THREADS-1; [ "$THREADS" -gt 1 ] || f=$dir/1-2
    req "$side" 200 "$WORK/resp" "GET $f" "$f" >/dev/null
    [ "$(head -n1 "$WORK/resp")" = "$f" ] && [ "$(stat -c %s "$WORK/resp")" -eq 4096 ] ||
      die "$side: GET $f does not return the 4 KiB body wrk PUT there"
  done

  # Range requests compared with the source (one across the 4 MiB mark, where
  # nasd's default blocks meet, when the file is that large), then wrk.
  offs=$(( (SIZE - 65536) / 3 / ALIGN * ALIGN ))
  [ "$SIZE" -lt $((4 << 20 + 65536)) ] || offs="$offs $(( ((4 << 20) - 32768) / ALIGN * ALIGN ))"
  for entry in $(with_modes); do
    use "$entry"
    for off in $offs; do
      dd if="$SRC" of="$WORK/range.want" iflag=skip_bytes,count_bytes skip="$off" count=65536 status=none
      req "$side" 206 "$WORK/range.got" "GET $big Range" -H "Range: bytes=$off-$((off + 65535))" "$big" >/dev/null
      cmp -s "$WORK/range.want" "$WORK/range.got" ||
        die "$side: GET $big Range bytes=$off-$((off + 65535)): other bytes than the file's"
    done
    drop_caches
    res=$(wrk_run "$side" range "$big" "$SIZE" "$ALIGN")
    read -r n secs bytes p50 p99 <<<"$res"
    [ "$bytes" -ge $((n * 65536)) ] && [ "$bytes" -le $(((n + CONNS) * (65536 + 2048))) ] ||
      die "$side: Range GETs: $bytes bytes for $n responses, not 64 KiB each"
    v=$(awk -v n="$n" -v t="$secs" 'BEGIN {printf "%.3f", n / t}')
    m=$(awk -v n="$n" -v t="$secs" 'BEGIN {printf "%.3f", n * 65536 / 1048576 / t}')
    record range_rps "$(label "$entry")" "$v"; record range_mib "$(label "$entry")" "$m"
    show "GET 64 KiB Range x$CONNS" "$(label "$entry")" "$v" "req/s = $(printf '%.1f' "$m") MiB/s (p50 $p50 us, p99 $p99 us)"
  done
  if has nasd; then serve_nasd "$FIRST_MODE"; fi
  rm -f "$SRC"
done

echo "== HTTP summary: medians of $ROUNDS rounds (ratio > 1: nasd is faster) =="
printf '%-44s %12s %12s %7s\n' figure nasd nginx ratio
for f in "put_big|PUT $SIZE_MIB MiB (MiB/s)" "get_big|GET $SIZE_MIB MiB cold (MiB/s)|modes" \
  "get_small|GET 4 KiB x$CONNS (req/s)" "put_small|PUT 4 KiB x$CONNS (req/s)" \
  "range_rps|Range 64 KiB x$CONNS (req/s)|modes" "range_mib|Range 64 KiB x$CONNS (MiB/s)|modes"; do
  IFS='|' read -r key name per_mode <<<"$f"
  rows=nasd; [ -z "$per_mode" ] || rows=$SENDFILE_MODES
  g=$(awk -v k="$key" '$1 == k && $2 == "nginx" {print $3}' "$RES" | median)
  for m in $rows; do
    who=nasd row=$name
    if [ -n "$per_mode" ]; then
      [ "$m" = "$FIRST_MODE" ] || who=nasd-$m
      [ "$SENDFILE_MODES" = "$FIRST_MODE" ] || row="$name, $m"
    fi
    n=$(awk -v k="$key" -v w="$who" '$1 == k && $2 == w {print $3}' "$RES" | median)
    awk -v name="$row" -v n="$n" -v g="$g" 'BEGIN {
      printf "%-44s %12s %12s %7s\n", name, n == "" ? "-" : sprintf("%.1f", n),
        g == "" ? "-" : sprintf("%.1f", g), n == "" || g == "" ? "-" : sprintf("%.2f", n / g) }'
  done
done
d=$(awk '$1 == "put_big" && $2 == "disk" {print $3}' "$RES" | median)
n=$(awk '$1 == "put_big" && $2 == "nasd" {print $3}' "$RES" | median)
g=$(awk '$1 == "put_big" && $2 == "nginx" {print $3}' "$RES" | median)
awk -v d="$d" -v n="$n" -v g="$g" -v mib="$SIZE_MIB" 'BEGIN {
  printf "The disk: a durable copy of the same %d MiB file (dd, O_DIRECT, fsync) ran at %.1f MiB/s;\n", mib, d
  printf "  PUT %d MiB against it: nasd %s, nginx %s (nginx answers before its bytes are on the disk)\n", mib,
    n == "" ? "-" : sprintf("%.2f", n / d), g == "" ? "-" : sprintf("%.2f", g / d) }'
