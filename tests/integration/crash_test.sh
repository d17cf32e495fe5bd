#!/usr/bin/env bash
# Crash safety: a mixed workload (PUT, overwrite, DELETE, MKCOL, MOVE, snapshot
# create and delete) against `nasd serve`, killed with SIGKILL at a random
# moment, 20 times. After each kill the volume must pass fsck, and every
# acknowledged operation must be visible: a file holds the content of its last
# acknowledged PUT, or of the one in flight when the server died (never a
# mix), and an acknowledged DELETE stays deleted unless a PUT followed.
NASD=$(realpath "$1")
ITERATIONS=${2:-20}
SEED=${SEED:-$RANDOM}
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"
echo "seed $SEED"
RANDOM=$SEED

check "server starts with share and users" dav_setup
A=("${ALICE[@]}")
N=("$NASD" --config "$CFG")
mkdir -p "$WORK/acked" "$WORK/inflight"
# Big files span blocks (4 MiB); small ones are inline.
payload() { # payload NAME SERIAL -> writes the content to stdout
  local size=$(( (RANDOM % 3 == 0) ? 5000000 : 100 + RANDOM % 3000 ))
  head -c "$size" /dev/zero | tr '\0' "$(printf "\\$(printf '%03o' $((65 + $2 % 26)))")"
  echo "$1 $2"
}

workload() { # runs until the server dies; records what was acknowledged
  set +e  # requests fail once the server is dead; that is the point
  # A request without an answer (curl's 000) may or may not have been applied
  # before the server died: its in-flight record must stay as it is for
  # verify, so the workload ends there rather than reuse the name.
  local serial=$1
  while true; do
    serial=$((serial + 1))
    local f="f$((RANDOM % 8))"
    case $((RANDOM % 10)) in
      0)
        rm -f "$WORK/inflight/$f"; touch "$WORK/inflight/$f.deleting"
        local deleted
        deleted=$(http_code "$DAV/$f" "${A[@]}" -X DELETE)
        [ "$deleted" = 000 ] && return 0
        if [ "$deleted" = 204 ]; then
          rm -f "$WORK/acked/$f"; touch "$WORK/acked/$f.deleted"
        fi
        rm -f "$WORK/inflight/$f.deleting" ;;
      1)
        "${N[@]}" snapshot create s "c$serial" >/dev/null 2>&1 || true ;;
      2)
        local victim
        victim=$("${N[@]}" snapshot list s 2>/dev/null | awk 'NR>1 && $1 != "live" {print $1}' | shuf -n1 --random-source=<(yes "$serial") || true)
        [ -n "$victim" ] && { "${N[@]}" snapshot delete s "$victim" >/dev/null 2>&1 || true; } ;;
      *)
        payload "$f" "$serial" > "$WORK/inflight/$f"
        local code
        code=$(http_code "$DAV/$f" "${A[@]}" -T "$WORK/inflight/$f")
        [ "$code" = 000 ] && return 0
        if [ "$code" = 201 ] || [ "$code" = 204 ]; then
          mv "$WORK/inflight/$f" "$WORK/acked/$f"; rm -f "$WORK/acked/$f.deleted"
        fi ;;
    esac
  done
}

verify() {
  local bad=0
  for i in $(seq 0 7); do
    local f="f$i" got="$WORK/got"
    local code
    code=$(curl -s "${A[@]}" -o "$got" -w '%{http_code}' "$DAV/$f")
    if [ -f "$WORK/acked/$f" ]; then
      if [ "$code" = 200 ] && cmp -s "$got" "$WORK/acked/$f"; then continue; fi
      if [ -f "$WORK/inflight/$f" ] && [ "$code" = 200 ] && cmp -s "$got" "$WORK/inflight/$f"; then
        mv "$WORK/inflight/$f" "$WORK/acked/$f"; continue
      fi
      [ -f "$WORK/inflight/$f.deleting" ] && [ "$code" = 404 ] && { rm -f "$WORK/acked/$f"; continue; }
      echo "    $f: acknowledged content lost (HTTP $code)"; bad=1
    elif [ -f "$WORK/acked/$f.deleted" ] || [ ! -e "$WORK/acked/$f" ]; then
      if [ "$code" = 404 ]; then continue; fi
      if [ -f "$WORK/inflight/$f" ] && cmp -s "$got" "$WORK/inflight/$f"; then
        mv "$WORK/inflight/$f" "$WORK/acked/$f"; continue
      fi
      echo "    $f: should be absent or the in-flight content (HTTP $code)"; bad=1
    fi
  done
  rm -f "$WORK"/inflight/*
  return $bad
}

kill_tree() { # kill_tree PID: SIGKILL to PID and every process below it
  kill -STOP "$1" 2>/dev/null || true  # forks no more while its children go
  local child
  for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
  kill -KILL "$1" 2>/dev/null || true
}

for it in $(seq 1 "$ITERATIONS"); do
  workload $((it * 100000)) &
  LOAD=$!
  sleep "0.$((2 + RANDOM % 8))"
  kill -KILL "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  # The workload and whatever it started: a request it forked just before it
  # died must not reach the restarted server unrecorded.
  kill_tree "$LOAD"
  wait "$LOAD" 2>/dev/null || true
  sleep 0.2  # let a curl of the workload notice the dead server
  expect_code 0 "iteration $it: fsck is clean after SIGKILL" "${N[@]}" fsck
  start_server || { fail "iteration $it: server restarts"; break; }
  check "iteration $it: every acknowledged operation survived" verify
done
ACKED=$(ls "$WORK/acked" | grep -vc deleted || true)
check "the workload got operations acknowledged ($ACKED files hold acknowledged content)" test "$ACKED" -gt 0
check "server stops cleanly" stop_server
expect_code 0 "final fsck --verify-data" "${N[@]}" fsck --verify-data
finish
