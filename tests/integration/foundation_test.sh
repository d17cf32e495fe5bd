#!/usr/bin/env bash
# The foundation scenario, as a user runs it: init -> serve -> probes ->
# shares through the CLI -> promtool on /metrics -> auth -> SIGTERM ->
# restart -> shares still there; init refuses to overwrite.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
cd "$WORK"

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
CFG="$WORK/config.yaml"

expect_code 0 "init creates a volume" "$NASD" --config "$CFG" init --storage-path "$WORK/data" --listen "127.0.0.1:$PORT"
check "init prints the generated admin token" grep -q "Admin token: " "$WORK/last.out"
check "init reports the filesystem type" grep -qE "Storage: .* on [a-z0-9]+" "$WORK/last.out"
check "config is mode 0600" test "$(stat -c %a "$CFG")" = 600
check "volume is stamped" test -s "$WORK/data/VOLUME"
TOKEN=$(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$CFG")
check "token is in the config under api.admin_token" test ${#TOKEN} -ge 32

cp "$CFG" "$WORK/config.before"
expect_code 1 "second init refuses to overwrite the config" "$NASD" --config "$CFG" init --storage-path "$WORK/data"
check "refusal names --force" grep -q -- "--force" "$WORK/last.err"
check "config unchanged after refusal" cmp -s "$CFG" "$WORK/config.before"
expect_code 1 "init refuses to adopt an existing volume" "$NASD" --config "$WORK/other.yaml" init --storage-path "$WORK/data"
check "nothing written on refusal" test ! -e "$WORK/other.yaml"
expect_code 2 "bad block size is a usage error" "$NASD" --config "$WORK/x.yaml" init --storage-path "$WORK/d2" --block-size 3MiB
check "usage error names the argument" grep -q -- "--block-size" "$WORK/last.err"
check "nothing created on usage error" test ! -e "$WORK/d2"
expect_code 2 "unknown flag is a usage error" "$NASD" --bogus
printf 'storage:\n  path: /x\n  colour: blue\n' > "$WORK/bad.yaml"
expect_code 2 "unknown config key is exit 2" "$NASD" --config "$WORK/bad.yaml" serve
check "the error names the key" grep -q "storage.colour" "$WORK/last.err"
expect_code 0 "--help on a subcommand" "$NASD" share create --help
expect_code 0 "version" "$NASD" version
check "version prints a version" grep -q "^nasd [0-9]" "$WORK/last.out"

expect_code 1 "share list without a server says so" "$NASD" --config "$CFG" share list
check "the message says the server is not reachable" grep -q "cannot reach nasd" "$WORK/last.err"

start_server() {
  "$NASD" --config "$CFG" --log-format json serve >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_http "$BASE/healthz"
}

check "server starts" start_server
check "healthz 200" test "$(http_code "$BASE/healthz")" = 200
check "readyz 200" test "$(http_code "$BASE/readyz")" = 200
check "versionz has a version" bash -c "curl -sf '$BASE/versionz' | grep -q '\"version\"'"
check "server logs where it listens" grep -q "server.listening" "$WORK/serve.log"

expect_code 0 "share create docs" "$NASD" --config "$CFG" share create docs
expect_code 0 "share create media" "$NASD" --config "$CFG" share create media
expect_code 1 "duplicate share refused" "$NASD" --config "$CFG" share create docs
check "duplicate message says it exists" grep -q "already exists" "$WORK/last.err"
expect_code 2 "invalid share name refused" "$NASD" --config "$CFG" share create .hidden
expect_code 0 "share list" "$NASD" --config "$CFG" share list
check "list shows docs and media" bash -c "grep -q '^docs ' '$WORK/last.out' && grep -q '^media ' '$WORK/last.out'"
expect_code 0 "status" "$NASD" --config "$CFG" status
check "status shows 2 shares" grep -qE "^shares: +2" "$WORK/last.out"

curl -s "$BASE/metrics" > "$WORK/metrics.txt"
check "promtool accepts /metrics" promtool check metrics < "$WORK/metrics.txt"
check "metrics count API requests" grep -q 'nasd_http_requests_total{.*route="/api/v1/shares"' "$WORK/metrics.txt"
check "metrics have KV commit latency" grep -q '^nasd_kv_commit_duration_seconds_bucket' "$WORK/metrics.txt"
check "metrics have process RSS" grep -q '^process_resident_memory_bytes' "$WORK/metrics.txt"

check "401 without token" test "$(http_code "$BASE/api/v1/shares")" = 401
check "401 with a wrong token" test "$(http_code "$BASE/api/v1/shares" -H "Authorization: Bearer wrong-token-wrong-token")" = 401
AUTH=(-H "Authorization: Bearer $TOKEN")
check "200 with the token" test "$(http_code "$BASE/api/v1/shares" "${AUTH[@]}")" = 200
check "malformed JSON is 400" test "$(http_code "$BASE/api/v1/shares" "${AUTH[@]}" -X POST -H 'Content-Type: application/json' -d '{"name":')" = 400
check "wrong type is 400" test "$(http_code "$BASE/api/v1/shares" "${AUTH[@]}" -X POST -H 'Content-Type: application/json' -d '{"name":5}')" = 400
head -c 2000000 /dev/zero | tr '\0' 'a' > "$WORK/big.json"
check "oversized body is 413" test "$(http_code "$BASE/api/v1/shares" "${AUTH[@]}" -X POST -H 'Content-Type: application/json' --data-binary @"$WORK/big.json")" = 413
check "unknown share is 404" test "$(http_code "$BASE/api/v1/shares/nope" "${AUTH[@]}")" = 404
check "X-Request-Id is returned" bash -c "curl -si '$BASE/healthz' | grep -qi '^x-request-id: '"
curl -s -o /dev/null -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' "$BASE/healthz"
sleep 0.2
check "traceparent is echoed into the access log" grep -q "4bf92f3577b34da6a3ce929d0e0e4736" "$WORK/serve.log"

kill -TERM "$SERVER"
wait_exit "$SERVER" 30
check "SIGTERM exits 0" test "$EXIT_STATUS" = 0
check "server logs a clean stop" grep -q "server.stopped" "$WORK/serve.log"
check "log lines are JSON objects" bash -c "grep -v '^{' '$WORK/serve.log' | wc -l | grep -qx 0"

check "server restarts" start_server
expect_code 0 "share list after restart" "$NASD" --config "$CFG" share list
check "shares survived the restart" bash -c "grep -q '^docs ' '$WORK/last.out' && grep -q '^media ' '$WORK/last.out'"
expect_code 0 "share delete media" "$NASD" --config "$CFG" share delete media
expect_code 1 "deleting it again is refused" "$NASD" --config "$CFG" share delete media
kill -INT "$SERVER"
wait_exit "$SERVER" 30
check "SIGINT exits 0" test "$EXIT_STATUS" = 0

finish
