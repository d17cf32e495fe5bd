#!/usr/bin/env bash
# rclone as a WebDAV client: a tree of mixed files (empty, 1 B, around the
# 4 MiB block size, 100 MiB, 2000 small files, Unicode and spaces in names)
# goes up and comes back identical.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"

check "server starts with share and users" dav_setup
SRC="$WORK/src"
mkdir -p "$SRC/small" "$SRC/dir with spaces/ünï cødé ✓" "$SRC/empty dir"
: > "$SRC/empty.bin"
printf 'x' > "$SRC/one.bin"
head -c $((4*1024*1024 - 1)) /dev/urandom > "$SRC/block-1.bin"
head -c $((4*1024*1024)) /dev/urandom > "$SRC/block.bin"
head -c $((4*1024*1024 + 1)) /dev/urandom > "$SRC/block+1.bin"
head -c $((100*1024*1024)) /dev/urandom > "$SRC/dir with spaces/big 100MiB.bin"
echo "grüße" > "$SRC/dir with spaces/ünï cødé ✓/naïve file – ✓.txt"
for i in $(seq 1 2000); do echo "small file $i" > "$SRC/small/f$i.txt"; done

RC=(env -u AWS_CA_BUNDLE rclone --config /dev/null --webdav-url "$DAV/" --webdav-vendor other
    --webdav-user alice --webdav-pass "$(env -u AWS_CA_BUNDLE rclone obscure alice-secret-1)"
    --transfers 4 --checkers 4 --low-level-retries 1 --retries 1)
expect_code 0 "rclone copy up" "${RC[@]}" copy "$SRC" :webdav:tree
check "rclone check agrees" "${RC[@]}" check "$SRC" :webdav:tree
expect_code 0 "rclone copy back" "${RC[@]}" copy :webdav:tree "$WORK/back"
(cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$WORK/src.sums"
(cd "$WORK/back" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$WORK/back.sums"
check "sha256sums of both trees match" cmp -s "$WORK/src.sums" "$WORK/back.sums"
check "2000 small files came back" test "$(find "$WORK/back/small" -type f | wc -l)" = 2000
check "listing shows the Unicode folder" bash -c "${RC[*]@Q} lsf ':webdav:tree/dir with spaces/' | grep -q 'ünï cødé ✓/'"
check "SIGTERM stops the server cleanly" stop_server
finish
