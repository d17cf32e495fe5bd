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
check "server starts again" start_server
check "snapshot readable after a restart" bash -c "curl -sf ${A[*]} '$DAV/.snapshots/first/big.bin' | cmp -s - '$WORK/big.bin'"
expect_code 0 "snapshot delete" "${N[@]}" snapshot delete s first
check "a deleted snapshot is gone" test "$(code "$DAV/.snapshots/first/a.txt" "${A[@]}")" = 404
expect_code 1 "deleting it again fails" "${N[@]}" snapshot delete s first
expect_code 0 "schedule snapshots" "${N[@]}" snapshot schedule s hourly:1h:24 daily:1d:7
expect_code 0 "show the schedules" "${N[@]}" snapshot schedule s
check "schedules are listed" grep -q "daily:1d:7" "$WORK/last.out"
expect_code 2 "a bad schedule is refused" "${N[@]}" snapshot schedule s hourly:1s:1
expect_code 0 "gc --dry-run" "${N[@]}" gc --dry-run
check "gc --dry-run explains" grep -q "would delete" "$WORK/last.out"
expect_code 0 "gc" "${N[@]}" gc
check "metrics count the collector's passes" bash -c "curl -s '$BASE/metrics' | grep -q '^nasd_gc_passes_total [1-9]'"
check "live data intact after gc" bash -c "curl -sf ${A[*]} '$DAV/big.bin' | cmp -s - '$WORK/big.bin'"
check "server stops cleanly" stop_server
expect_code 0 "fsck --verify-data is clean" "${N[@]}" fsck --verify-data
check "fsck walked the snapshot views" grep -q "clean" "$WORK/last.out"
finish
