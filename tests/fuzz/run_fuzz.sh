#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan, UBSan) and runs it.
#
#   tests/fuzz/run_fuzz.sh TARGET OUT_DIR [SECONDS]     (default 10 s)
#   e.g. tests/fuzz/run_fuzz.sh dav_parsers_fuzz build/fuzz 600
#
# TARGET names tests/*/fuzz/TARGET.cc and its spec, TARGET.sh, which sets
#   SRCS     the nasd .cc files the target needs (relative to the repo root)
#   LIBS     link flags (e.g. -lfmt -lexpat)
#   MAX_LEN  the longest input tried
# and defines seeds DIR, which writes a few valid inputs into DIR. A libFuzzer
# dictionary TARGET.dict next to them is used when present.
# The binary and its corpus live in OUT_DIR/TARGET/ (kept between runs, so a
# longer run grows the corpus the 10 s ctest runs then replay). Only the
# given .cc files are compiled, no CMake target; the binary is rebuilt when
# any of them, any header under src/ or the spec is newer.
# Fails when clang is missing (scripts/install-deps.sh installs it).
set -euo pipefail
TARGET=${1:?usage: run_fuzz.sh TARGET OUT_DIR [SECONDS]}
OUT=${2:?usage: run_fuzz.sh TARGET OUT_DIR [SECONDS]}/$TARGET
SECS=${3:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v clang++ >/dev/null || { echo "clang++ is missing: run scripts/install-deps.sh" >&2; exit 1; }
shopt -s nullglob
specs=("$ROOT"/tests/*/fuzz/"$TARGET".sh)
[ ${#specs[@]} = 1 ] || { echo "no single tests/*/fuzz/$TARGET.sh" >&2; exit 1; }
SPEC=${specs[0]}
SRCS=() LIBS=() MAX_LEN=4096
# shellcheck source=/dev/null
source "$SPEC"
SRCS=("${SRCS[@]/#/$ROOT/}" "${SPEC%.sh}.cc")
# The old NFS-only runner kept its binary at OUT_DIR/TARGET, where this one
# keeps a folder: a build folder from before gets that file removed.
[ -e "$OUT" ] && [ ! -d "$OUT" ] && rm -f "$OUT"
mkdir -p "$OUT/corpus"
BIN="$OUT/$TARGET"
stale=0
[ -x "$BIN" ] || stale=1
for s in "${SRCS[@]}" "$SPEC" "$0" "$ROOT"/src/*/*.h "$ROOT"/tests/fuzz/*.h; do [ "$s" -nt "$BIN" ] && stale=1; done
if [ "$stale" = 1 ]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$ROOT/src" -I"$ROOT/tests" "${SRCS[@]}" "${LIBS[@]}" -o "$BIN.tmp"
  mv "$BIN.tmp" "$BIN"
fi
seeds "$OUT/corpus"
# The whole log stays in OUT_DIR/TARGET/fuzz.log; shown: its end (a crash
# report or the final stats), without libFuzzer's dictionary suggestions.
dict=()
[ -f "${SPEC%.sh}.dict" ] && dict=(-dict="${SPEC%.sh}.dict")
# A smaller ASan quarantine than the default 256 MiB: with it a long run of
# config_fuzz grew past 1 GiB (freed blocks kept in size classes) towards
# libFuzzer's 2 GiB rss limit; with 64 MiB it stays well under.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=64
rc=0
"$BIN" "${dict[@]}" -max_total_time="$SECS" -max_len="$MAX_LEN" -print_final_stats=1 -artifact_prefix="$OUT/" \
  "$OUT/corpus" >"$OUT/fuzz.log" 2>&1 || rc=$?
sed '/Recommended dictionary/,/End of recommended dictionary/d' "$OUT/fuzz.log" | tail -40
exit "$rc"
