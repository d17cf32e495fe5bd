#!/usr/bin/env bash
# nasd on the S3 backend against a real s3rver, as a user runs it:
# init probes the bucket (and refuses unknown buckets, bad access keys,
# missing credentials and unreachable endpoints before writing anything) ->
# serve -> /readyz 200 -> status shows s3 -> a tree uploaded over WebDAV reads
# back and its chunks are objects in the bucket -> SIGTERM -> restart -> the
# tree reads back again -> stopping s3rver makes /readyz 503 (chunk store
# degraded, with the reason), writes fail within the deadline, files read
# before stay readable (read cache), also after a restart of nasd while s3rver
# is still down (the cache survives restarts) -> starting s3rver again makes /readyz 200
# and every acknowledged file is intact -> killing s3rver mid-upload fails
# that upload and loses nothing acknowledged.
# Usage: s3_test.sh NASD_BINARY SOURCE_DIR (SOURCE_DIR holds node_modules/s3rver).
NASD=$(realpath "$1")
S3RVER="$(realpath "$2")/node_modules/s3rver/bin/s3rver.js"
source "$(dirname "$0")/lib.sh"
cd "$WORK"

if [ ! -f "$S3RVER" ]; then
  echo "FAIL - $S3RVER is missing: run scripts/install-deps.sh"
  exit 1
fi

S3PORT=$(free_port)
S3="http://127.0.0.1:$S3PORT"
mkdir -p "$WORK/s3data"
start_s3rver() {
  NODE_OPTIONS=--openssl-legacy-provider node "$S3RVER" -d "$WORK/s3data" -a 127.0.0.1 -p "$S3PORT" \
    --no-vhost-buckets -s >>"$WORK/s3rver.log" 2>&1 &
  S3PID=$!
  PIDS+=("$S3PID")
  for _ in $(seq 1 300); do
    curl -s -o /dev/null "$S3/" && return 0
    sleep 0.1
  done
  return 1
}
stop_s3rver() {
  kill -TERM "$S3PID"
  wait_exit "$S3PID" 10
}

check "s3rver starts" start_s3rver
check "bucket created" test "$(http_code "$S3/chunks" -X PUT)" = 200

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
CFG="$WORK/config.yaml"
S3ARGS=(--backend s3 --endpoint "$S3" --path-style --prefix vol1)
# No credentials anywhere unless a step gives them.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE
export HOME="$WORK/home"

expect_code 2 "s3 without --bucket is a usage error" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  --backend s3 --endpoint "$S3"
check "the error names --bucket" grep -q -- "--bucket" "$WORK/last.err"
expect_code 2 "--bucket without --backend s3 is a usage error" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  --bucket chunks
expect_code 2 "an endpoint with a path is a usage error" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  --backend s3 --endpoint "$S3/somewhere" --bucket chunks --access-key S3RVER --secret-key S3RVER
check "the error names the endpoint" grep -q "endpoint" "$WORK/last.err"
expect_code 1 "init without credentials fails" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  "${S3ARGS[@]}" --bucket chunks
check "the error names where credentials are looked for" grep -q "AWS_ACCESS_KEY_ID" "$WORK/last.err"
expect_code 1 "init with an unknown bucket fails" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  "${S3ARGS[@]}" --bucket no-such-bucket --access-key S3RVER --secret-key S3RVER
check "the error names the unknown bucket" grep -q "bucket 'no-such-bucket' does not exist" "$WORK/last.err"
expect_code 1 "init with an unknown access key fails" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  "${S3ARGS[@]}" --bucket chunks --access-key WRONGKEY --secret-key hush-hush-secret
check "the error says bad credentials" grep -q "bad credentials" "$WORK/last.err"
check "the secret is not printed" bash -c "! grep -q hush-hush-secret '$WORK/last.err' '$WORK/last.out'"
DOWN=$(free_port)
START=$(date +%s)
expect_code 1 "init with an unreachable endpoint fails" "$NASD" --config "$CFG" init --storage-path "$WORK/data" \
  --backend s3 --endpoint "http://127.0.0.1:$DOWN" --path-style --bucket chunks --access-key S3RVER --secret-key S3RVER
check "within the probe deadline" test $(( $(date +%s) - START )) -le 30
check "the error says the network failed" grep -q "network_error" "$WORK/last.err"
check "nothing was written by the failed inits" test ! -e "$CFG" -a ! -e "$WORK/data"

expect_code 0 "init with credentials from the environment" env AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
  "$NASD" --config "$WORK/env.yaml" init --storage-path "$WORK/envdata" "${S3ARGS[@]}" --bucket chunks
check "env credentials are not copied into the config" bash -c "! grep -q secret_key '$WORK/env.yaml'"

expect_code 0 "init with --backend s3" "$NASD" --config "$CFG" init --storage-path "$WORK/data" --listen "127.0.0.1:$PORT" \
  "${S3ARGS[@]}" --bucket chunks --access-key S3RVER --secret-key S3RVER
check "init reports the probe" grep -q "answered a write, read and delete" "$WORK/last.out"
check "config is mode 0600" test "$(stat -c %a "$CFG")" = 600
check "config names the s3 backend" grep -q "^  backend: s3" "$CFG"
check "config has the bucket" grep -q '^    bucket: "chunks"' "$CFG"
check "the probe object is gone" bash -c "! find '$WORK/s3data' -name '*nasd-probe*' | grep -q ."
# Short timeouts so that a stopped s3rver shows in /readyz within seconds.
sed -i -e 's/^    timeout: .*/    timeout: 1s/' -e 's/^    deadline: .*/    deadline: 3s/' \
  -e 's/^    read_cache: .*/    read_cache: 64MiB/' "$CFG"

start_server() {
  "$NASD" --config "$CFG" --log-format json serve >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_http "$BASE/healthz"
}

check "server starts on s3" start_server
check "readyz 200" test "$(http_code "$BASE/readyz")" = 200
check "the read cache folder exists" test -d "$WORK/data/s3-cache"
expect_code 0 "status" "$NASD" --config "$CFG" status
check "status shows backend s3" grep -qE "^storage: .*\(s3" "$WORK/last.out"
expect_code 0 "share create docs" "$NASD" --config "$CFG" share create docs
check "the secret is not in the server log" bash -c "! grep -q S3RVER '$WORK/serve.log'"
check "the secret is not in status" bash -c "! grep -q S3RVER '$WORK/last.out'"
check "the secret is not in /metrics" bash -c "! curl -sf '$BASE/metrics' | grep -q S3RVER"

# A tree over WebDAV: files of 0 bytes to several 4 MiB blocks.
TOKEN=$(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$CFG")
AUTH=(-H "Authorization: Bearer $TOKEN")
DAV="$BASE/dav/docs"
mkdir -p "$WORK/tree/sub/deeper"
head -c $((9 * 1024 * 1024 + 12345)) /dev/urandom > "$WORK/tree/big.bin"
head -c 5000000 /dev/urandom > "$WORK/tree/sub/mid.bin"
seq 1 3000 > "$WORK/tree/sub/deeper/nums.txt"
: > "$WORK/tree/empty"
head -c 6000000 /dev/urandom > "$WORK/tree/sub/unread.bin"  # not read (so not cached) until s3rver is back
FILES=(big.bin sub/mid.bin sub/deeper/nums.txt empty sub/unread.bin)
upload_tree() {
  for d in sub sub/deeper; do [ "$(http_code "$DAV/$d" "${AUTH[@]}" -X MKCOL)" = 201 ] || return 1; done
  for f in "${FILES[@]}"; do [ "$(http_code "$DAV/$f" "${AUTH[@]}" -T "$WORK/tree/$f")" = 201 ] || return 1; done
}
same_file() { curl -sf "${AUTH[@]}" "$DAV/$1" -o "$WORK/got" && cmp -s "$WORK/got" "$WORK/tree/$1"; }
tree_reads_back() {
  local f
  for f in "$@"; do same_file "$f" || { echo "differs: $f"; return 1; }; done
}
check "a tree uploads over WebDAV" upload_tree
check "the tree reads back" tree_reads_back big.bin sub/mid.bin sub/deeper/nums.txt empty
# Chunks are objects named by their SHA-256 under the prefix (listed with
# s3rver's unsigned access).
bucket_chunks() {
  curl -sf "$S3/chunks?list-type=2&prefix=vol1/" | grep -oE '<Key>vol1/[0-9a-f]{64}</Key>' | sort -u | wc -l
}
# big.bin is 3 blocks, mid.bin and unread.bin 2 each; nums.txt may be inline.
check "the chunks are objects in the bucket" test "$(bucket_chunks)" -ge 7
check "nothing is stored outside the prefix" bash -c \
  "! curl -sf '$S3/chunks?list-type=2' | grep -oE '<Key>[^<]*</Key>' | grep -v '<Key>vol1/' | grep -q ."

kill -TERM "$SERVER"
wait_exit "$SERVER" 30
check "SIGTERM exits 0" test "$EXIT_STATUS" = 0
check "server restarts" start_server
check "readyz 200 after restart" test "$(http_code "$BASE/readyz")" = 200
expect_code 0 "share list after restart" "$NASD" --config "$CFG" share list
check "the share survived" grep -q "^docs " "$WORK/last.out"
check "the tree reads back after the restart" tree_reads_back big.bin sub/mid.bin sub/deeper/nums.txt empty

check "s3rver stops" stop_s3rver
# A successful probe is reused for 1 s; wait that out so the next one runs.
sleep 1.2
START=$(date +%s)
CODE=$(curl -s -m 20 -o "$WORK/readyz.json" -w '%{http_code}' "$BASE/readyz")
check "readyz 503 while s3 is down" test "$CODE" = 503
check "readyz answers within the deadline" test $(( $(date +%s) - START )) -le 10
check "readyz names the chunk store" grep -q "chunk store" "$WORK/readyz.json"
check "readyz gives the network reason" grep -qE "network_error|timeout" "$WORK/readyz.json"
check "readyz reports the chunk store degraded" grep -q '"chunk_store":"degraded"' "$WORK/readyz.json"
check "healthz stays 200" test "$(http_code "$BASE/healthz")" = 200
check "files read before stay readable (read cache)" tree_reads_back big.bin sub/mid.bin
# New bytes (not chunks the bucket already holds, which a put would only find).
head -c 3000000 /dev/urandom > "$WORK/new.bin"
START=$(date +%s)
CODE=$(http_code "$DAV/new.bin" "${AUTH[@]}" -m 30 -T "$WORK/new.bin")
check "a write while s3 is down fails (HTTP $CODE)" test "${CODE:0:1}" = 5
check "the write fails within the deadline" test $(( $(date +%s) - START )) -le 15
check "the failed write left no file" test "$(http_code "$DAV/new.bin" "${AUTH[@]}")" = 404
unread_is_served() { curl -sf -m 30 "${AUTH[@]}" "$DAV/sub/unread.bin" | cmp -s - "$WORK/tree/sub/unread.bin"; }
unread_fails() { ! unread_is_served; }
check "a file never read (never cached) is not served" unread_fails

# A restart while the bucket is unreachable: serve starts (opening the S3
# backend sends no request) and the on-disk read cache, kept across
# restarts, still serves what was read before; never-read files still fail.
kill -TERM "$SERVER"
wait_exit "$SERVER" 30
check "SIGTERM exits 0 while s3 is down" test "$EXIT_STATUS" = 0
check "the read cache kept its files" test "$(find "$WORK/data/s3-cache" -type f | wc -l)" -ge 4
check "server restarts while s3 is down" start_server
check "readyz 503 after that restart" test "$(http_code "$BASE/readyz")" = 503
check "files read before the restart are served from the read cache" tree_reads_back big.bin sub/mid.bin
check "a file never read is still not served after the restart" unread_fails
counting() { # the bucket cannot be listed: status and /metrics say the chunk figures are partial
  # Whole bodies into files first: `curl | grep -q` under pipefail fails at
  # random when grep stops reading before curl has written everything.
  curl -sf "${AUTH[@]}" "$BASE/api/v1/status" -o "$WORK/status.json" &&
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["storage"]["chunks_counted"] is not False)' \
      "$WORK/status.json" &&
    curl -sf "$BASE/metrics" -o "$WORK/metrics.txt" && grep -q '^nasd_chunk_store_usage_counted 0$' "$WORK/metrics.txt"
}
check "status and /metrics say the chunk count is not complete" counting

check "s3rver starts again" start_s3rver
check "readyz 200 once s3 is back" test "$(http_code "$BASE/readyz")" = 200
check "every acknowledged file is intact" tree_reads_back "${FILES[@]}"
check "writes work again" test "$(http_code "$DAV/new.bin" "${AUTH[@]}" -T "$WORK/new.bin")" = 201
new_reads_back() { curl -sf "${AUTH[@]}" "$DAV/new.bin" | cmp -s - "$WORK/new.bin"; }
check "and read back" new_reads_back

# s3rver killed in the middle of an upload: the PUT is not acknowledged, and
# no file (and no old content replaced by part of the new) appears.
# Three whole 4 MiB blocks: each is stored in the background while the body
# streams in (no partial block is left for the final flush to store).
head -c $((3 * 4 * 1024 * 1024)) /dev/urandom > "$WORK/midway.bin"
curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" --limit-rate 3M -T "$WORK/midway.bin" "$DAV/midway.bin" \
  > "$WORK/midway.code" &
UPLOAD=$!
sleep 1.5
kill -KILL "$S3PID"
wait "$S3PID" 2>/dev/null || true
START=$(date +%s)
wait "$UPLOAD" || true
MIDWAY=$(cat "$WORK/midway.code")
check "an upload cut off by the store failing is not acknowledged (HTTP $MIDWAY)" test "${MIDWAY:0:1}" = 5
check "it fails within the deadline" test $(( $(date +%s) - START )) -le 20
check "s3rver starts after the kill" start_s3rver
check "the cut-off upload left no file" test "$(http_code "$DAV/midway.bin" "${AUTH[@]}")" = 404
check "acknowledged files are intact after the kill" tree_reads_back "${FILES[@]}"

kill -TERM "$SERVER"
wait_exit "$SERVER" 30
check "SIGTERM exits 0 at the end" test "$EXIT_STATUS" = 0
stop_s3rver
finish
