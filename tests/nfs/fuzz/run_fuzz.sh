#!/usr/bin/env bash
# Builds the RPC/XDR decoder fuzz target with clang (libFuzzer, ASan, UBSan)
# into OUT_DIR and runs it for SECONDS (default 10; longer on demand:
#   tests/nfs/fuzz/run_fuzz.sh build-nfs/fuzz 600).
# Fails when clang is missing (scripts/install-deps.sh installs it).
set -euo pipefail
OUT=${1:?usage: run_fuzz.sh OUT_DIR [SECONDS]}
SECS=${2:-10}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
command -v clang++ >/dev/null || { echo "clang++ is missing: run scripts/install-deps.sh" >&2; exit 1; }
mkdir -p "$OUT/corpus"
BIN="$OUT/rpc_decoder_fuzz"
SRCS=("$ROOT"/src/nfs/{xdr,rpc,record_marking,dispatcher,file_handle,nfs3_xdr}.cc
      "$ROOT"/src/common/{status,logging}.cc "$ROOT/tests/nfs/fuzz/rpc_decoder_fuzz.cc")
stale=0
[ -x "$BIN" ] || stale=1
for s in "${SRCS[@]}" "$ROOT"/src/nfs/*.h; do [ "$s" -nt "$BIN" ] && stale=1; done
if [ "$stale" = 1 ]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$ROOT/src" "${SRCS[@]}" -lfmt -o "$BIN"
fi
# A seed: a well-formed AUTH_SYS call to program 100003, framed.
if [ ! -s "$OUT/corpus/seed" ]; then
  printf '\x80\x00\x00\x44\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa3\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x14\x00\x00\x00\x00\x00\x00\x00\x04host\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    > "$OUT/corpus/seed"
fi
"$BIN" -max_total_time="$SECS" -max_len=4096 -print_final_stats=1 -artifact_prefix="$OUT/" "$OUT/corpus" 2>&1 | tail -40
