# Shared helpers for integration tests: temp dirs, free ports, process
# cleanup by PID, assertions. Source it; it sets `set -euo pipefail`.
set -euo pipefail

WORK=$(mktemp -d /tmp/nasd-it-XXXXXX)
PIDS=()
FAILS=0
PASSES=0

cleanup() {
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pass() { PASSES=$((PASSES+1)); echo "ok   - $*"; }
fail() { FAILS=$((FAILS+1)); echo "FAIL - $*"; }

# check "description" command...  (passes when the command succeeds)
check() {
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_code N "description" command...  (passes when the command exits with N)
expect_code() {
  local want=$1 what=$2; shift 2
  local rc=0
  "$@" >"$WORK/last.out" 2>"$WORK/last.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then pass "$what"; else
    fail "$what (exit $rc, want $want)"; sed 's/^/    /' "$WORK/last.out" "$WORK/last.err"; fi
}

# http_code URL [curl args...] -> prints the status code
http_code() { local url=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "$url"; }

# wait_http URL: waits up to 20 s for a 200
wait_http() {
  for _ in $(seq 1 200); do
    [ "$(http_code "$1")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

# wait_exit PID SECONDS: sets EXIT_STATUS to the exit status of PID (a child
# of this shell, so not callable from a subshell), or "timeout".
wait_exit() {
  local pid=$1 secs=$2
  for _ in $(seq 1 $((secs*10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then EXIT_STATUS=timeout; return 0; fi
  EXIT_STATUS=0
  wait "$pid" || EXIT_STATUS=$?
}

finish() {
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
