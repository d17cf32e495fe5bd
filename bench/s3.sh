#!/usr/bin/env bash
# nasd on the S3 backend beside plain parallel curl PUT/GET of the same bytes
# to the same s3rver, alternating, in the same run; prints medians and the
# ratio nasd/curl:
#  1. one MIB file through `nasd serve` (WebDAV PUT, then GET after a restart)
#     against curl PUT/GET of the same bytes as CHUNK_MIB objects, THREADS in
#     parallel;
#  2. the read cache: the second GET of the file with storage.s3.read_cache
#     (2*MIB) and without it (restarted with read_cache 0);
#  3. ChunkStore alone (bench_s3: puts and gets of the chunks, THREADS
#     threads), and its cold and warm gets through the read cache.
# Usage: bench/s3.sh BUILD_DIR   (env: MIB=256 CHUNK_MIB=4 THREADS=8 ROUNDS=3;
# MIB=1024 for the issue's 1 GiB). Needs nasd and bench_s3
# (-DNASD_BUILD_BENCH=ON), node_modules/s3rver (scripts/install-deps.sh), root
# for drop_caches.
set -euo pipefail
BUILD=$(realpath "${1:-build}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIB=${MIB:-256} CHUNK_MIB=${CHUNK_MIB:-4} THREADS=${THREADS:-8} ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d /tmp/nasd-bench-s3-XXXXXX)
S3PID= NASDPID=
PIDS=()
source "$ROOT/bench/lib.sh"
cleanup() { [ -n "$NASDPID" ] && stop_pid "$NASDPID"; [ -n "$S3PID" ] && stop_pid "$S3PID"; rm -rf "$WORK"; }
trap cleanup EXIT
[ -w /proc/sys/vm/drop_caches ] || { echo "bench/s3.sh: cannot write /proc/sys/vm/drop_caches: run as root" >&2; exit 1; }

PORT=$(free_port)
S3="http://127.0.0.1:$PORT"
mkdir -p "$WORK/s3" "$WORK/files"
NODE_OPTIONS=--openssl-legacy-provider node "$ROOT/node_modules/s3rver/bin/s3rver.js" -d "$WORK/s3" \
  -a 127.0.0.1 -p "$PORT" --no-vhost-buckets -s >"$WORK/s3rver.log" 2>&1 &
S3PID=$!
for _ in $(seq 1 300); do curl -s -o /dev/null "$S3/" && break; sleep 0.1; done

N=$((MIB / CHUNK_MIB))
for i in $(seq 1 "$N"); do head -c $((CHUNK_MIB << 20)) /dev/urandom > "$WORK/files/f$i"; done
cat "$WORK"/files/* > "$WORK/big.bin"  # the same bytes as one file
echo "== S3: $MIB MiB as one file through nasd vs $N objects of $CHUNK_MIB MiB by curl ($THREADS in parallel)," \
  "$ROUNDS rounds, s3rver at $S3 =="

# curl baseline: prints put and get MiB/s.
curl_round() {
  local bucket=$1 t0 t1 t2
  curl -sf -X PUT "$S3/$bucket" -o /dev/null
  drop_caches
  t0=$(now)
  ls "$WORK/files" | xargs -P "$THREADS" -I{} curl -sf -T "$WORK/files/{}" "$S3/$bucket/{}" -o /dev/null
  t1=$(now)
  drop_caches
  t2=$(now)
  ls "$WORK/files" | xargs -P "$THREADS" -I{} curl -sf "$S3/$bucket/{}" -o /dev/null
  t3=$(now)
  rate put "$t0" "$t1"
  rate get "$t2" "$t3"
}
rate() { awk -v p="$1" -v m="$MIB" -v a="$2" -v b="$3" 'BEGIN { printf "%s_mib_s %.1f\n", p, m/(b-a) }'; }

# nasd serve on a fresh volume in bucket $1 (config $WORK/$1.yaml).
NASD="$BUILD/nasd"
nasd_start() {
  "$NASD" --config "$WORK/$1.yaml" serve >>"$WORK/serve.log" 2>&1 &
  NASDPID=$!
  for _ in $(seq 1 300); do curl -s -o /dev/null "$NASD_BASE/healthz" && return 0; sleep 0.1; done
  echo "bench/s3.sh: nasd did not start (see $WORK/serve.log)" >&2; exit 1
}
nasd_stop() { stop_pid "$NASDPID"; NASDPID=; }
# One file through nasd: prints write, read (cold, after a restart), reread
# (read cache warm), and reread_nocache (restarted with read_cache 0: the
# second of two reads).
nasd_round() {
  local bucket=$1 cfg="$WORK/$1.yaml" port auth t0 t1
  curl -sf -X PUT "$S3/$bucket" -o /dev/null
  port=$(free_port)
  NASD_BASE="http://127.0.0.1:$port"
  "$NASD" --config "$cfg" init --storage-path "$WORK/vol-$bucket" --listen "127.0.0.1:$port" --backend s3 \
    --endpoint "$S3" --path-style --bucket "$bucket" --access-key S3RVER --secret-key S3RVER >/dev/null
  sed -i "s/^    read_cache: .*/    read_cache: $((MIB * 2))MiB/" "$cfg"
  auth="Authorization: Bearer $(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$cfg")"
  nasd_start "$bucket"
  "$NASD" --config "$cfg" share create f >/dev/null
  local dav="$NASD_BASE/dav/f/big.bin"
  drop_caches; t0=$(now)
  curl -sf -H "$auth" -T "$WORK/big.bin" "$dav" -o /dev/null
  t1=$(now); rate write "$t0" "$t1"
  nasd_stop; nasd_start "$bucket"
  drop_caches; t0=$(now); curl -sf -H "$auth" "$dav" -o "$WORK/back.bin"; t1=$(now); rate read "$t0" "$t1"
  cmp -s "$WORK/back.bin" "$WORK/big.bin" || { echo "bench/s3.sh: nasd read back different bytes" >&2; exit 1; }
  rm -f "$WORK/back.bin"
  drop_caches; t0=$(now); curl -sf -H "$auth" "$dav" -o /dev/null; t1=$(now); rate reread "$t0" "$t1"
  nasd_stop
  sed -i "s/^    read_cache: .*/    read_cache: 0/" "$cfg"
  nasd_start "$bucket"
  curl -sf -H "$auth" "$dav" -o /dev/null
  drop_caches; t0=$(now); curl -sf -H "$auth" "$dav" -o /dev/null; t1=$(now); rate reread_nocache "$t0" "$t1"
  nasd_stop
  rm -rf "$WORK/vol-$bucket" "$WORK/s3/$bucket"
}

: > "$WORK/curl.txt"; : > "$WORK/file.txt"; : > "$WORK/nasd.txt"
for r in $(seq 1 "$ROUNDS"); do
  curl_round "curl$r" >> "$WORK/curl.txt"
  rm -rf "$WORK/s3/curl$r"
  nasd_round "file$r" >> "$WORK/file.txt"
done
med() { grep "^${1}_mib_s" "$2" | awk '{print $2}' | median; }
ratio() { awk -v w="$1" -v n="$2" -v c="$3" 'BEGIN { printf "%-26s nasd %8.1f MiB/s   curl %8.1f MiB/s   ratio %.2f\n", w, n, c, n/c }'; }
echo "-- one ${MIB} MiB file through nasd serve (WebDAV) vs parallel curl (medians of $ROUNDS)"
ratio "sequential write" "$(med write "$WORK/file.txt")" "$(med put "$WORK/curl.txt")"
ratio "sequential read (cold)" "$(med read "$WORK/file.txt")" "$(med get "$WORK/curl.txt")"
echo "-- second read of the file (medians of $ROUNDS)"
printf '%-26s %8.1f MiB/s\n' "with the read cache" "$(med reread "$WORK/file.txt")"
printf '%-26s %8.1f MiB/s\n' "without (read_cache 0)" "$(med reread_nocache "$WORK/file.txt")"
echo "-- per round (MiB/s): curl put/get; nasd write/read/reread/reread_nocache"
paste -d' ' <(grep put_ "$WORK/curl.txt" | awk '{print $2}') <(grep get_ "$WORK/curl.txt" | awk '{print $2}') \
  <(grep ^write_ "$WORK/file.txt" | awk '{print $2}') <(grep ^read_ "$WORK/file.txt" | awk '{print $2}') \
  <(grep ^reread_mib "$WORK/file.txt" | awk '{print $2}') <(grep ^reread_nocache "$WORK/file.txt" | awk '{print $2}')

[ "${CHUNKSTORE:-1}" = 1 ] || exit 0
echo "== ChunkStore alone (bench_s3) vs the same curl rounds =="
for r in $(seq 1 "$ROUNDS"); do
  curl -sf -X PUT "$S3/nasd$r" -o /dev/null
  "$BUILD/bench/bench_s3" --endpoint "$S3" --bucket "nasd$r" --files "$WORK/files" --threads "$THREADS" \
    >> "$WORK/nasd.txt"
  rm -rf "$WORK/s3/nasd$r"
done
ratio "chunk puts" "$(med put "$WORK/nasd.txt")" "$(med put "$WORK/curl.txt")"
ratio "chunk gets" "$(med get "$WORK/nasd.txt")" "$(med get "$WORK/curl.txt")"

echo "== read cache: cold vs warm gets through a $((MIB * 2)) MiB cache =="
curl -sf -X PUT "$S3/cached" -o /dev/null
"$BUILD/bench/bench_s3" --endpoint "$S3" --bucket cached --files "$WORK/files" --threads "$THREADS" \
  --cache-dir "$WORK/cache" --cache-mib $((MIB * 2)) | grep get_mib_s
