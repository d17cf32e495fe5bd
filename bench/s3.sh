#!/usr/bin/env bash
# ChunkStore on the S3 backend beside plain parallel curl PUT/GET of the same
# bytes to the same s3rver, alternating, in the same run; prints medians and
# the ratio nasd/curl. Then the effect of the on-disk read cache on a second
# read. Usage: bench/s3.sh BUILD_DIR   (env: MIB=256 CHUNK_MIB=4 THREADS=8 ROUNDS=3;
# MIB=1024 for the issue's 1 GiB). Needs bench_s3 (-DNASD_BUILD_BENCH=ON) and
# node_modules/s3rver (scripts/install-deps.sh).
set -euo pipefail
BUILD=$(realpath "${1:-build}")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIB=${MIB:-256} CHUNK_MIB=${CHUNK_MIB:-4} THREADS=${THREADS:-8} ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d /tmp/nasd-bench-s3-XXXXXX)
S3PID=
cleanup() { [ -n "$S3PID" ] && kill "$S3PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
S3="http://127.0.0.1:$PORT"
mkdir -p "$WORK/s3" "$WORK/files"
NODE_OPTIONS=--openssl-legacy-provider node "$ROOT/node_modules/s3rver/bin/s3rver.js" -d "$WORK/s3" \
  -a 127.0.0.1 -p "$PORT" --no-vhost-buckets -s >"$WORK/s3rver.log" 2>&1 &
S3PID=$!
for _ in $(seq 1 300); do curl -s -o /dev/null "$S3/" && break; sleep 0.1; done

N=$((MIB / CHUNK_MIB))
for i in $(seq 1 "$N"); do head -c $((CHUNK_MIB << 20)) /dev/urandom > "$WORK/files/f$i"; done
echo "== S3: $N objects of $CHUNK_MIB MiB, $THREADS in parallel, $ROUNDS rounds, s3rver at $S3 =="

# curl baseline: prints put and get MiB/s.
curl_round() {
  local bucket=$1 t0 t1 t2
  curl -sf -X PUT "$S3/$bucket" -o /dev/null
  t0=$(date +%s.%N)
  ls "$WORK/files" | xargs -P "$THREADS" -I{} curl -sf -T "$WORK/files/{}" "$S3/$bucket/{}" -o /dev/null
  t1=$(date +%s.%N)
  ls "$WORK/files" | xargs -P "$THREADS" -I{} curl -sf "$S3/$bucket/{}" -o /dev/null
  t2=$(date +%s.%N)
  awk -v m="$MIB" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "put_mib_s %.1f\nget_mib_s %.1f\n", m/(b-a), m/(c-b) }'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$WORK/curl.txt"; : > "$WORK/nasd.txt"
for r in $(seq 1 "$ROUNDS"); do
  curl_round "curl$r" >> "$WORK/curl.txt"
  curl -sf -X PUT "$S3/nasd$r" -o /dev/null
  "$BUILD/bench/bench_s3" --endpoint "$S3" --bucket "nasd$r" --files "$WORK/files" --threads "$THREADS" \
    >> "$WORK/nasd.txt"
done
for phase in put get; do
  c=$(grep "^${phase}_mib_s" "$WORK/curl.txt" | awk '{print $2}' | median)
  n=$(grep "^${phase}_mib_s" "$WORK/nasd.txt" | awk '{print $2}' | median)
  awk -v p="$phase" -v n="$n" -v c="$c" 'BEGIN { printf "%-4s nasd %8.1f MiB/s   curl %8.1f MiB/s   ratio %.2f\n", p, n, c, n/c }'
done

echo "== read cache: cold vs warm read through a $((MIB * 2)) MiB cache =="
curl -sf -X PUT "$S3/cached" -o /dev/null
"$BUILD/bench/bench_s3" --endpoint "$S3" --bucket cached --files "$WORK/files" --threads "$THREADS" \
  --cache-dir "$WORK/cache" --cache-mib $((MIB * 2)) | grep get_mib_s
