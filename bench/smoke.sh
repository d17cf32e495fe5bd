#!/usr/bin/env bash
# Every benchmark once, at toy sizes, so that `make test` sees one that no
# longer builds or runs (bench_vfs once went a session unbuilt). The figures
# mean nothing here: the check is that each run ends well and prints every
# figure of its summary with both sides and a ratio.
# Usage: bench/smoke.sh BUILD_DIR   (BUILD_DIR built with NASD_BUILD_BENCH=ON;
#   run as root, as the shell benchmarks need)
set -uo pipefail
BUILD=$(realpath "${1:-build}")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "$BUILD/bench-smoke-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0

# run NAME CMD...: runs one benchmark, its output in $WORK/NAME.out.
run() {
  local name=$1; shift
  local t0=$SECONDS
  if "$@" >"$WORK/$name.out" 2>&1; then
    echo "ran  - $name ($((SECONDS - t0)) s)"
  else
    echo "FAIL - $name exited with $? after $((SECONDS - t0)) s; its last lines:"
    tail -20 "$WORK/$name.out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
}
# expect NAME LABEL REGEX: a line of NAME's output starts with LABEL and the
# rest matches REGEX (numbers, not nan or inf).
NUM='[0-9]+(\.[0-9]+)?'
expect() {
  local name=$1 label=$2 rest=$3
  if grep -F -- "$label" "$WORK/$name.out" | grep -qE -- "^[[:space:]]*$(printf '%s' "$label" | sed 's/[][\.*^$()+?{}|]/\\&/g')$rest"; then
    echo "ok   - $name: $label"
  else
    echo "FAIL - $name: no figure '$label' matching /$rest/"
    failures=$((failures + 1))
  fi
}
ratio3="[[:space:]]+$NUM[[:space:]]+$NUM[[:space:]]+$NUM[[:space:]]*$"  # nasd, baseline, ratio

run chunkstore "$BUILD/bench/bench_chunkstore" --dir "$WORK/chunkstore" --mib 2 --rounds 1 \
  --sizes-kib 4,1024 --threads 1
for c in "4 KiB put 1T fresh store" "4 KiB get 1T" "1 MiB put 1T warm dirs" "1 MiB get 1T"; do
  expect chunkstore "$c" "$ratio3"
done

run vfs "$BUILD/bench/bench_vfs" --dir "$WORK/vfs" --files 50 --mib 4 --rounds 1
for c in "4 KiB create+write+fsync, 4 thr" "stat (cold cache)" "sequential write 4 MiB + fsync" \
  "sequential read 4 MiB (cold)"; do
  expect vfs "$c" "[[:space:]]+nasd[[:space:]]+$NUM .*baseline[[:space:]]+$NUM .*ratio $NUM$"
done

run snapshot "$BUILD/bench/bench_snapshot" --dir "$WORK/snapshot" --rounds 1 --overwrites 10
expect snapshot "snapshot create, 10000 files" "[[:space:]]+$NUM ms[[:space:]]+$NUM ms[[:space:]]+$NUM$"
expect snapshot "4 KiB durable overwrites, 10 snaps" "[[:space:]]+$NUM /s[[:space:]]+$NUM /s[[:space:]]+$NUM$"

run http env SIZE_MIB=8 ROUNDS=2 DURATION=1 bash "$HERE/http.sh" "$BUILD"
for c in "PUT 8 MiB (MiB/s)" "GET 8 MiB cold (MiB/s), verified" "GET 4 KiB x32 (req/s)" \
  "PUT 4 KiB x32 (req/s)" "Range 64 KiB x32 (req/s), unverified"; do
  expect http "$c" "$ratio3"
done

run smb env SIZE_MIB=4 FILES=20 ROUNDS=1 bash "$HERE/smb.sh" "$BUILD"
for c in "put MiB/s" "get MiB/s" "small put files/s" "small get files/s"; do
  expect smb "$c" "[[:space:]]+nasd[[:space:]]+$NUM[[:space:]]+plain[[:space:]]+$NUM[[:space:]]+ratio $NUM$"
done

run fuse env SIZE_MIB=8 ROUNDS=1 bash "$HERE/fuse.sh" "$BUILD"
expect fuse "fuse seq write 8 MiB" ".*nasd mount $NUM MiB/s, plain dir $NUM MiB/s, ratio $NUM$"
expect fuse "fuse seq read 8 MiB" ".*nasd mount $NUM MiB/s, plain dir $NUM MiB/s, ratio $NUM$"

run nfs env SIZE_MIB=8 FILES=50 ROUNDS=1 bash "$HERE/nfs.sh" "$BUILD"
for c in "write MiB/s" "read MiB/s" "files/s"; do
  expect nfs "$c" "[[:space:]]+nasd[[:space:]]+$NUM[[:space:]]+ganesha[[:space:]]+$NUM[[:space:]]+ratio $NUM$"
done

run s3 env MIB=8 CHUNK_MIB=1 THREADS=2 ROUNDS=1 bash "$HERE/s3.sh" "$BUILD"
expect s3 "chunk puts" "[[:space:]]+nasd[[:space:]]+$NUM MiB/s[[:space:]]+curl[[:space:]]+$NUM MiB/s[[:space:]]+ratio $NUM$"
expect s3 "chunk gets" "[[:space:]]+nasd[[:space:]]+$NUM MiB/s[[:space:]]+curl[[:space:]]+$NUM MiB/s[[:space:]]+ratio $NUM$"

if [ "$failures" -ne 0 ]; then
  echo "$failures benchmark check(s) failed"
  exit 1
fi
echo "every benchmark ran and printed its figures"
