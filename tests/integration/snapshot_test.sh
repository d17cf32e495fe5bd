#!/usr/bin/env bash
# Snapshots through the CLI and WebDAV against the real server: /.snapshots/NAME
# shows the old tree read-only, restore brings it back, delete and gc give
# space back, and everything survives a restart.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"

check "server starts with share and users" dav_setup
code() { http_code "$@"; }
A=("${ALICE[@]}")
N=("$NASD" --config "$CFG")

echo v1 > "$WORK/v1.txt"
echo v2-longer > "$WORK/v2.txt"
head -c 9000000 /dev/urandom > "$WORK/big.bin"  # spans blocks of 4 MiB
check "PUT a.txt" test "$(code "$DAV/a.txt" "${A[@]}" -T "$WORK/v1.txt")" = 201
check "PUT big.bin" test "$(code "$DAV/big.bin" "${A[@]}" -T "$WORK/big.bin")" = 201
expect_code 0 "snapshot create with a name" "${N[@]}" snapshot create s first
expect_code 1 "snapshot create refuses a duplicate" "${N[@]}" snapshot create s first
expect_code 0 "snapshot create without a name" "${N[@]}" snapshot create s
check "PUT a.txt again" test "$(code "$DAV/a.txt" "${A[@]}" -T "$WORK/v2.txt")" = 204
check "DELETE big.bin" test "$(code "$DAV/big.bin" "${A[@]}" -X DELETE)" = 204

check "live a.txt is new" bash -c "curl -sf ${A[*]} '$DAV/a.txt' | cmp -s - '$WORK/v2.txt'"
check "snapshot a.txt is old" bash -c "curl -sf ${A[*]} '$DAV/.snapshots/first/a.txt' | cmp -s - '$WORK/v1.txt'"
check "snapshot keeps the deleted big file" bash -c "curl -sf ${A[*]} '$DAV/.snapshots/first/big.bin' | cmp -s - '$WORK/big.bin'"
check "PUT into a snapshot is 403" test "$(code "$DAV/.snapshots/first/new.txt" "${A[@]}" -T "$WORK/v1.txt")" = 403
check "DELETE in a snapshot is 403" test "$(code "$DAV/.snapshots/first/a.txt" "${A[@]}" -X DELETE)" = 403
check "MKCOL in a snapshot is 403" test "$(code "$DAV/.snapshots/first/d" "${A[@]}" -X MKCOL)" = 403
check "the root listing hides .snapshots" bash -c "! curl -s ${A[*]} -X PROPFIND -H 'Depth: 1' '$DAV/' | grep -q snapshots"
check ".snapshots lists the snapshots" bash -c "curl -s ${A[*]} -X PROPFIND -H 'Depth: 1' '$DAV/.snapshots/' | grep -q first"
check "snapshot list shows it" bash -c "'$NASD' --config '$CFG' snapshot list s | grep -q '^first '"

expect_code 0 "restore to first" "${N[@]}" snapshot restore s first
check "restored a.txt" bash -c "curl -sf ${A[*]} '$DAV/a.txt' | cmp -s - '$WORK/v1.txt'"
check "restored big.bin" bash -c "curl -sf ${A[*]} '$DAV/big.bin' | cmp -s - '$WORK/big.bin'"
SAFETY=$("$NASD" --config "$CFG" snapshot list s | awk '/^pre-restore-/ {print $1}')
check "the safety snapshot holds what was live" bash -c "curl -sf ${A[*]} '$DAV/.snapshots/$SAFETY/a.txt' | cmp -s - '$WORK/v2.txt'"

check "server stops" stop_server
# gc, scrub and snapshot schedules from the config, applied at start.
cat >> "$CFG" <<'YAML'
gc:
  grace: 3s
  interval: 1h
scrub:
  rate: 64MiB
  interval: 1h
snapshots:
  visible: true
  schedules:
    - {share: s, label: hourly, every: 1h, keep: 2}
YAML
check "server starts again" start_server
check "snapshots.visible lists .snapshots in the root" bash -c "curl -s ${A[*]} -X PROPFIND -H 'Depth: 1' '$DAV/' | grep -q '/dav/s/.snapshots/'"
expect_code 0 "show the configured schedules" "${N[@]}" snapshot schedule s
check "the config's schedules replaced the share's" grep -q "hourly:1h:2" "$WORK/last.out"
check "snapshot readable after a restart" bash -c "curl -sf ${A[*]} '$DAV/.snapshots/first/big.bin' | cmp -s - '$WORK/big.bin'"
expect_code 0 "snapshot delete" "${N[@]}" snapshot delete s first
check "a deleted snapshot is gone" test "$(code "$DAV/.snapshots/first/a.txt" "${A[@]}")" = 404
expect_code 1 "deleting it again fails" "${N[@]}" snapshot delete s first
expect_code 0 "schedule snapshots" "${N[@]}" snapshot schedule s hourly:1h:24 daily:1d:7
expect_code 0 "show the schedules" "${N[@]}" snapshot schedule s
check "schedules are listed" grep -q "daily:1d:7" "$WORK/last.out"
expect_code 2 "a bad schedule is refused" "${N[@]}" snapshot schedule s hourly:1s:1
expect_code 0 "gc --dry-run" "${N[@]}" gc --dry-run
check "gc --dry-run explains" grep -q "would free now:" "$WORK/last.out"
expect_code 0 "gc" "${N[@]}" gc
check "metrics count the collector's passes" bash -c "curl -s '$BASE/metrics' | grep -q '^nasd_gc_passes_total [1-9]'"

# Space accounting with exact figures: 8 MiB + 1000 B in blocks of 4 MiB;
# the overwrite changes only the first block, so the snapshot alone holds
# one old block of 4194304 bytes.
"$NASD" --config "$CFG" share create acct >/dev/null
"$NASD" --config "$CFG" share grant acct alice >/dev/null
head -c 8389608 /dev/urandom > "$WORK/acct1.bin"
{ head -c 4194304 /dev/urandom; tail -c +4194305 "$WORK/acct1.bin"; } > "$WORK/acct2.bin"
AUTH=(-H "Authorization: Bearer $TOKEN")
check "PUT acct f.bin" test "$(code "$BASE/dav/acct/f.bin" "${A[@]}" -T "$WORK/acct1.bin")" = 201
expect_code 0 "snapshot acct one" "${N[@]}" snapshot create acct one
check "overwrite f.bin" test "$(code "$BASE/dav/acct/f.bin" "${A[@]}" -T "$WORK/acct2.bin")" = 204
expect_code 0 "snapshot list acct" "${N[@]}" snapshot list acct
check "snapshot one alone holds the old block" grep -Eq "^one +[0-9T:.Z-]+ +4194304 B \(4.0 MiB\)$" "$WORK/last.out"
check "the share's live and snapshot bytes" grep -q "^live data: 8389608 B (8.0 MiB); held only by snapshots: 4194304 B (4.0 MiB)$" "$WORK/last.out"
check "the API's snapshot list" bash -c "curl -s ${AUTH[*]@Q} '$BASE/api/v1/shares/acct/snapshots' | grep -q '\"exclusive_bytes\":4194304'"
check "the API's share detail" bash -c "curl -s ${AUTH[*]@Q} '$BASE/api/v1/shares/acct' | grep -q '\"live_bytes\":8389608,.*\"snapshot_bytes\":4194304'"
expect_code 0 "share list" "${N[@]}" share list
check "share list shows the bytes" grep -Eq "^acct .* 1 +8389608 B \(8.0 MiB\) +4194304 B \(4.0 MiB\)$" "$WORK/last.out"
expect_code 0 "status" "${N[@]}" status
check "status shows the share's bytes" grep -q "acct .* live 8389608 B (8.0 MiB), held only by 1 snapshot(s) 4194304 B (4.0 MiB)" "$WORK/last.out"
expect_code 0 "gc --dry-run names the holder" "${N[@]}" gc --dry-run
check "held by snapshot one" grep -q "snapshot one alone holds 4194304 B (4.0 MiB)" "$WORK/last.out"
check "held by the share's snapshots" grep -q "share acct: 4194304 B (4.0 MiB) only its snapshots hold" "$WORK/last.out"
expect_code 0 "delete snapshot one" "${N[@]}" snapshot delete acct one
expect_code 0 "gc prunes it" "${N[@]}" gc
expect_code 0 "gc --dry-run shows it pending" "${N[@]}" gc --dry-run
check "pending with its due time" grep -Eq "^pending: +[1-9][0-9]* chunk\(s\), [0-9]+ B .* within the grace period \(due from 20" "$WORK/last.out"
check "metrics show pending bytes" bash -c "curl -s '$BASE/metrics' | awk '/^nasd_gc_pending_bytes / {exit !(\$2 >= 4194304)}'"
sleep 3.2
expect_code 0 "gc after the grace period" "${N[@]}" gc
check "gc freed the old block" grep -Eq "^freed: +[1-9][0-9]* chunk\(s\), [0-9]+ B" "$WORK/last.out"
check "metrics count reclaimed bytes" bash -c "curl -s '$BASE/metrics' | awk '/^nasd_gc_reclaimed_bytes_total / {exit !(\$2 >= 4194304)}'"
check "the live file is intact" bash -c "curl -sf ${A[*]} '$BASE/dav/acct/f.bin' | cmp -s - '$WORK/acct2.bin'"
check "live data intact after gc" bash -c "curl -sf ${A[*]} '$DAV/big.bin' | cmp -s - '$WORK/big.bin'"
check "server stops cleanly" stop_server
expect_code 0 "fsck --verify-data is clean" "${N[@]}" fsck --verify-data
check "fsck walked the snapshot views" grep -q "clean" "$WORK/last.out"
finish
