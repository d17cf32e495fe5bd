# Shared setup of the WebDAV integration tests: a volume with share "s",
# user alice (read-write) and bob (read-only). Source after lib.sh; needs
# NASD. Sets PORT, BASE, DAV, CFG, TOKEN, SERVER.
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
DAV="$BASE/dav/s"
CFG="$WORK/config.yaml"
ALICE=(-u alice:alice-secret-1)
BOB=(-u bob:bob-secret-12)

start_server() {
  "$NASD" --config "$CFG" serve >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_http "$BASE/healthz"
}

stop_server() {
  kill -TERM "$SERVER"
  wait_exit "$SERVER" 30
  [ "$EXIT_STATUS" = 0 ]
}

dav_setup() {
  "$NASD" --config "$CFG" init --storage-path "$WORK/data" --listen "127.0.0.1:$PORT" >/dev/null
  TOKEN=$(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$CFG")
  start_server
  "$NASD" --config "$CFG" share create s >/dev/null
  printf 'alice-secret-1\n' | "$NASD" --config "$CFG" user add alice >/dev/null
  printf 'bob-secret-12\n' | "$NASD" --config "$CFG" user add bob >/dev/null
  "$NASD" --config "$CFG" share grant s alice >/dev/null
  "$NASD" --config "$CFG" share grant --read-only s bob >/dev/null
}
