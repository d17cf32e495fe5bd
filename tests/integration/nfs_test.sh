#!/usr/bin/env bash
# NFSv3 with the real nasd binary and libnfs's command-line clients (nfs-ls,
# nfs-cp, nfs-cat): byte-identical round trips, cross-protocol with WebDAV,
# exports (read-only, refused networks), durability across restarts
# (SIGTERM and SIGKILL), and config errors.
NASD=$(realpath "$1")
COMMIT_TOOL=$(realpath "$2")  # raw UNSTABLE WRITE / COMMIT client (tests/nfs/nfs_commit_tool.cc)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"

NFSPORT=$(free_port)
nfsurl() { echo "nfs://127.0.0.1/$1?version=3&nfsport=$NFSPORT&mountport=$NFSPORT"; }

start_nfs_server() {
  "$NASD" --config "$CFG" serve --nfs-enable --nfs-listen "127.0.0.1:$NFSPORT" \
    >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_http "$BASE/healthz" || return 1
  for _ in $(seq 1 100); do
    nfs-ls "$(nfsurl s)" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

setup() {
  dav_setup || return 1
  "$NASD" --config "$CFG" share create ro >/dev/null
  "$NASD" --config "$CFG" share create far >/dev/null
  stop_server || return 1
  cat >>"$CFG" <<YAML
nfs:
  exports:
    - share: s
      networks: [127.0.0.0/8]
      access: read-write
      squash: no_root_squash
    - share: ro
      networks: [127.0.0.1/32]
      access: read-only
    - share: far
      networks: [10.0.0.0/8]
YAML
  start_nfs_server
}

check "server starts with NFS and three exports" setup

# --- round trips
head -c 3000000 /dev/urandom > "$WORK/big.bin"
seq 1 50000 > "$WORK/nums.txt"
check "nfs-cp uploads a 3 MB file" nfs-cp "$WORK/big.bin" "$(nfsurl s/big.bin)"
check "nfs-cp uploads a text file" nfs-cp "$WORK/nums.txt" "$(nfsurl s/nums.txt)"
check "nfs-cat returns the bytes" bash -c "nfs-cat '$(nfsurl s/big.bin)' | cmp -s - '$WORK/big.bin'"
check "nfs-cp downloads byte-identical" bash -c "nfs-cp '$(nfsurl s/nums.txt)' '$WORK/back.txt' && cmp -s '$WORK/back.txt' '$WORK/nums.txt'"
check "nfs-ls lists both files" bash -c "nfs-ls '$(nfsurl s)' | grep -q 'big.bin' && nfs-ls '$(nfsurl s)' | grep -q 'nums.txt'"
check "nfs-cp refuses to overwrite (NFS3ERR_EXIST)" bash -c "
  ! nfs-cp '$WORK/nums.txt' '$(nfsurl s/nums.txt)' >'$WORK/cp.err' 2>&1 && grep -q NFS3ERR_EXIST '$WORK/cp.err'"
check "nfs-cat of a missing file fails" bash -c "! nfs-cat '$(nfsurl s/missing)' >/dev/null 2>&1"

# --- cross-protocol with WebDAV
# nfs-cp creates files 0660 as root: the admin reads them over WebDAV, and
# alice's own files (0644 by WebDAV) are read back over NFS.
A=("${ALICE[@]}")
ADMIN="-H 'Authorization: Bearer $TOKEN'"
check "a file written over NFS reads byte-identical over WebDAV" \
  bash -c "curl -sf $ADMIN '$DAV/big.bin' | cmp -s - '$WORK/big.bin'"
check "its mode bits bind WebDAV users too (0660 root: alice gets 403)" test "$(http_code "$DAV/big.bin" "${A[@]}")" = 403
head -c 200000 /dev/urandom > "$WORK/dav.bin"
check "PUT over WebDAV" test "$(http_code "$DAV/dav.bin" "${A[@]}" -T "$WORK/dav.bin")" = 201
check "a file written over WebDAV reads byte-identical over NFS" \
  bash -c "nfs-cat '$(nfsurl s/dav.bin)' | cmp -s - '$WORK/dav.bin'"
check "MOVE over WebDAV" test "$(http_code "$DAV/dav.bin" "${A[@]}" -X MOVE -H "Destination: $DAV/moved.bin")" = 201
check "the rename is seen over NFS" bash -c "nfs-ls '$(nfsurl s)' | grep -q moved.bin && ! nfs-ls '$(nfsurl s)' | grep -q dav.bin"
check "MKCOL over WebDAV, then nfs-cp into it" bash -c "
  [ \"\$(curl -s -o /dev/null -w '%{http_code}' ${A[*]} -X MKCOL '$DAV/sub/')\" = 201 ] &&
  nfs-cp '$WORK/nums.txt' '$(nfsurl s/sub/n.txt)' &&
  curl -sf $ADMIN '$DAV/sub/n.txt' | cmp -s - '$WORK/nums.txt'"

# --- exports
check "read-only export: nfs-ls works" nfs-ls "$(nfsurl ro)"
check "read-only export: nfs-cp is refused" bash -c "! nfs-cp '$WORK/nums.txt' '$(nfsurl ro/x)' 2>/dev/null"
check "export for another network: mount refused" bash -c "! nfs-ls '$(nfsurl far)' 2>/dev/null"
check "share that is not exported: mount refused" bash -c "! nfs-ls '$(nfsurl nope)' 2>/dev/null"

# --- metrics: every call counted and timed by procedure
curl -s "$BASE/metrics" >"$WORK/metrics.txt"
check "/metrics counts NFS WRITE calls" \
  grep -Eq '^nasd_nfs_calls_total\{program="nfs",procedure="WRITE",result="ok"\} [1-9]' "$WORK/metrics.txt"
check "/metrics counts MOUNT MNT calls" \
  grep -Eq '^nasd_nfs_calls_total\{program="mount",procedure="MNT",result="ok"\} [1-9]' "$WORK/metrics.txt"
check "/metrics times NFS LOOKUP calls" \
  grep -Eq '^nasd_nfs_call_duration_seconds_count\{program="nfs",procedure="LOOKUP"\} [1-9]' "$WORK/metrics.txt"
check "promtool accepts them" bash -c "promtool check metrics <'$WORK/metrics.txt'"

# --- durability: SIGTERM drains and flushes, SIGKILL keeps what was committed
check "SIGTERM stops the server cleanly" stop_server
check "restart" start_nfs_server
check "data survives a clean restart" bash -c "nfs-cat '$(nfsurl s/big.bin)' | cmp -s - '$WORK/big.bin'"
check "nfs-cp after the restart" nfs-cp "$WORK/big.bin" "$(nfsurl s/committed.bin)"
kill -KILL "$SERVER"
wait_exit "$SERVER" 10
check "restart after SIGKILL" start_nfs_server
check "nfs-cp's committed bytes survive SIGKILL" \
  bash -c "nfs-cat '$(nfsurl s/committed.bin)' | cmp -s - '$WORK/big.bin'"

# --- UNSTABLE writes across a crash: committed data survives SIGKILL, and the
# restarted server presents a new write verifier, which tells clients to
# resend what they had not committed.
V1=$("$COMMIT_TOOL" "$NFSPORT" s committed.txt commit "committed bytes")
V1U=$("$COMMIT_TOOL" "$NFSPORT" s pending.txt unstable "never committed")
check "UNSTABLE WRITE and COMMIT answer one verifier" test -n "$V1" -a "$V1" = "$V1U"
check "the verifier is stable while the server runs" \
  test "$("$COMMIT_TOOL" "$NFSPORT" s committed.txt verifier)" = "$V1"
kill -KILL "$SERVER"
wait_exit "$SERVER" 10
check "restart after SIGKILL with an UNSTABLE write pending" start_nfs_server
V2=$("$COMMIT_TOOL" "$NFSPORT" s committed.txt verifier)
check "the restarted server has a new verifier" test -n "$V2" -a "$V2" != "$V1"
check "COMMITted bytes survived SIGKILL" test "$(nfs-cat "$(nfsurl s/committed.txt)")" = "committed bytes"

# --- config errors are clear
stop_server >/dev/null || true
cp "$CFG" "$WORK/bad.yaml"
sed -i 's/squash: no_root_squash/squash: sometimes/' "$WORK/bad.yaml"
expect_code 2 "a bad squash value is a config error" "$NASD" --config "$WORK/bad.yaml" serve --nfs-enable --nfs-listen "127.0.0.1:$NFSPORT"
check "the error names the key" grep -q "nfs.exports\[0\].squash" "$WORK/last.err"
expect_code 2 "a bad --nfs-listen is a usage error" "$NASD" --config "$CFG" serve --nfs-enable --nfs-listen nonsense

# --- portmap: inside a private network namespace (port 111 is fixed), a
# client that knows no ports finds NFS and MOUNT through nasd's portmapper.
cat >"$WORK/portmap.sh" <<SH
set -e
ip link set lo up
"$NASD" --config "$CFG" serve --nfs-enable --nfs-portmap --nfs-listen 127.0.0.1:2049 >>"$WORK/portmap.log" 2>&1 &
pid=\$!
trap 'kill -TERM \$pid; wait \$pid' EXIT
for _ in \$(seq 1 100); do nfs-ls nfs://127.0.0.1/s >/dev/null 2>&1 && break; sleep 0.1; done
nfs-cat nfs://127.0.0.1/s/nums.txt | cmp -s - "$WORK/nums.txt"
SH
check "--nfs-portmap: nfs-cat without port options (private netns)" \
  unshare --net --mount --propagation private --fork bash "$WORK/portmap.sh"

finish
