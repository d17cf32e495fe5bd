#!/usr/bin/env bash
# `nasd mount` (FUSE) beside a plain directory on the same disk, alternating,
# in the same run, with fio: sequential write (1 MiB blocks, fsync at the end)
# and sequential read of one SIZE_MIB file; the page cache is dropped before
# every phase, for both sides. Prints every measurement, then medians and the
# ratio nasd/plain. Every buffer fio writes is fresh random data
# (refill_buffers), so nasd's content-addressed store cannot deduplicate it.
# Usage: bench/fuse.sh BUILD_DIR   (uses BUILD_DIR/nasd; run as root)
# env: SIZE_MIB=1024  ROUNDS=3
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SIZE_MIB=${SIZE_MIB:-1024} ROUNDS=${ROUNDS:-3}
NASD=$BUILD/nasd
die() { echo "fuse.sh: $*" >&2; exit 1; }
[ -x "$NASD" ] || die "no $NASD: build it first"
command -v fio >/dev/null || die "fio is missing"
[ -w /proc/sys/vm/drop_caches ] || die "run as root"

WORK=$(mktemp -d "$BUILD/bench-fuse-XXXXXX")
MNT=$WORK/mnt PLAIN=$WORK/plain
mkdir -p "$MNT" "$PLAIN"
SERVER="" DAEMON=""
source "$(dirname "$0")/lib.sh"
cleanup() {
  grep -q " $MNT fuse" /proc/mounts && fusermount3 -u -z "$MNT" 2>/dev/null || true
  stop_pid "$DAEMON"
  stop_pid "$SERVER"
  rm -rf "$WORK"
}
trap cleanup EXIT

# A volume with share b (the share is created through the API, then the
# server stops: the mount opens the volume itself).
PORT=$(free_port)
CFG=$WORK/config.yaml
"$NASD" --config "$CFG" init --storage-path "$WORK/data" --listen "127.0.0.1:$PORT" >/dev/null
"$NASD" --config "$CFG" --log-level warn serve 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
"$NASD" --config "$CFG" share create b >/dev/null
stop_pid "$SERVER"; SERVER=""
"$NASD" --config "$CFG" --log-level warn mount b "$MNT"
for p in /proc/[0-9]*; do
  { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- " mount b $MNT" && DAEMON=$(basename "$p")
done
[ -n "$DAEMON" ] || die "nasd mount is not running"

# fio PHASE DIR -> MB/s (MiB/s)
run_fio() {
  local rw=$1 dir=$2
  fio --name=seq --filename="$dir/seq.bin" --rw="$rw" --bs=1M --size="${SIZE_MIB}M" \
      --ioengine=psync --end_fsync=1 --refill_buffers=1 --output-format=json 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; k=sys.argv[1]; print("%.1f" % (j[k]["bw_bytes"]/1048576))' \
      "$([ "$rw" = write ] && echo write || echo read)"
}

declare -A RES
for r in $(seq 1 "$ROUNDS"); do
  for side in nasd plain; do
    dir=$([ $side = nasd ] && echo "$MNT" || echo "$PLAIN")
    rm -f "$dir/seq.bin"
    drop_caches
    w=$(run_fio write "$dir")
    drop_caches
    rd=$(run_fio read "$dir")
    echo "round $r $side: write $w MiB/s, read $rd MiB/s"
    RES[$side.write]+="$w "
    RES[$side.read]+="$rd "
  done
done
for phase in write read; do
  n=$(echo "${RES[nasd.$phase]}" | tr ' ' '\n' | grep . | median)
  p=$(echo "${RES[plain.$phase]}" | tr ' ' '\n' | grep . | median)
  echo "fuse seq $phase ${SIZE_MIB} MiB (median of $ROUNDS): nasd mount $n MiB/s, plain dir $p MiB/s, ratio $(python3 -c "print('%.2f' % ($n/$p))")"
done
fusermount3 -u "$MNT"
for _ in $(seq 1 300); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.1; done
