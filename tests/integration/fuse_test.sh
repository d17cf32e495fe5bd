#!/usr/bin/env bash
# `nasd mount` with standard tools on the mount: cp -a, tar, rsync, git,
# sqlite3, find and du over a mixed tree; a huge-offset write (EFBIG); a
# read-only mount; how the mount ends (fusermount3 -u, SIGTERM with a file
# still open: no mount left, every write committed, fsck clean; SIGKILL: the
# dead mount is replaced by the next nasd mount); the lock
# error beside a running `nasd serve`; and the bytes over WebDAV afterwards.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"
[ "$(id -u)" = 0 ] || { echo "FAIL - the FUSE integration test needs root (/dev/fuse)"; exit 1; }

MNT="$WORK/mnt"
mkdir -p "$MNT" "$WORK/mnt2"
# Unmount whatever is still mounted before lib.sh removes $WORK (rm -rf must
# never walk into a live mount).
fuse_cleanup() {
  for m in "$MNT" "$WORK/mnt2"; do
    grep -q " $m fuse" /proc/mounts && { fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }
  done
  cleanup
}
trap fuse_cleanup EXIT

mounted() { grep -q " $1 fuse.nasd " /proc/mounts; }
export -f mounted
# The daemon serving mountpoint $1 (its command line names it).
mount_pid() {
  for p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- " mount s $1" && { basename "$p"; return 0; }
  done
  return 1
}
wait_gone() {  # PID SECONDS
  for _ in $(seq 1 $(($2*10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

setup() {
  dav_setup || return 1
  stop_server
}
check "volume with share s" setup

# --- the mixed tree every tool copies
SRC="$WORK/src"
make_tree() {
  mkdir -p "$SRC/dir/sub/deeper" "$SRC/empty" "$SRC/with space/ünïcode"
  head -c 0 /dev/urandom > "$SRC/zero"
  printf 'hello\n' > "$SRC/dir/hello.txt"
  head -c 100000 /dev/urandom > "$SRC/dir/sub/100k.bin"
  head -c 5000000 /dev/urandom > "$SRC/dir/sub/deeper/5m.bin"
  seq 1 20000 > "$SRC/with space/ünïcode/nums.txt"
  for i in $(seq 1 60); do head -c $((i * 37)) /dev/urandom > "$SRC/dir/small$i"; done
  ln -s hello.txt "$SRC/dir/link-to-hello"
  ln -s /nonexistent "$SRC/dangling"
  ln "$SRC/dir/hello.txt" "$SRC/dir/hardlink"
  chmod 0600 "$SRC/dir/sub/100k.bin"
  chmod 0751 "$SRC/dir/sub"
  chmod 4755 "$SRC/zero"
  python3 -c "import os; os.setxattr('$SRC/dir/hello.txt', 'user.note', b'kept')"
  touch -d '2001-02-03 04:05:06.789' "$SRC/dir/small7"
  # rsync -a leaves a symlink's time alone when it matches the source's to
  # the second (it ignores the nanoseconds there): a symlink made in the same
  # second as the copy would keep its creation time. Older times avoid that.
  touch -h -d '2002-03-04 05:06:07.123456789' "$SRC/dir/link-to-hello" "$SRC/dangling"
}
make_tree
# What must survive a copy: path, type, mode, size (but a directory's: 4096
# on ext4, 0 on nasd), link target, mtime (to the nanosecond; MTIME=%Ts for
# whole seconds, as tar keeps them).
MTIME='%T@'
listing() {
  (cd "$1" && find . -mindepth 1 -printf "%P|%y|%m|%s|%l|$MTIME\n" | awk -F'|' -v OFS='|' '$2 == "d" {$4 = "-"} {print}' | LC_ALL=C sort)
}
same_tree() {
  diff <(listing "$1") <(listing "$2") >"$WORK/tree.diff" && diff -r --no-dereference "$1" "$2" >>"$WORK/tree.diff" ||
    { sed 's/^/    /' "$WORK/tree.diff" | head -20; return 1; }
}

check "nasd mount (daemon) exits 0 once mounted" "$NASD" --config "$CFG" mount s "$MNT"
check "the mount is in /proc/mounts as nasd:s" grep -q "^nasd:s $MNT fuse.nasd " /proc/mounts
DAEMON=$(mount_pid "$MNT" || true)
[ -n "$DAEMON" ] && PIDS+=("$DAEMON")
check "the daemon runs" test -n "$DAEMON"
STORAGE=$(awk '/^storage:/ {s = 1} s && /^  path:/ {gsub(/"/, "", $2); print $2; exit}' "$CFG")
check "the daemon logs to STORAGE/logs/mount-s.log" grep -q 'fuse.mounted' "$STORAGE/logs/mount-s.log"

check "cp -a of the mixed tree" cp -a "$SRC" "$MNT/cp"
check "cp -a copy is identical (modes, sizes, links, mtimes, bytes)" same_tree "$SRC" "$MNT/cp"
check "hard links stay links" test "$(stat -c %i "$MNT/cp/dir/hello.txt")" = "$(stat -c %i "$MNT/cp/dir/hardlink")"
check "xattrs survive cp -a" python3 -c "import os,sys; sys.exit(os.getxattr('$MNT/cp/dir/hello.txt','user.note')!=b'kept')"

check "tar creates an archive on the mount" tar -C "$SRC" -cf "$MNT/tree.tar" .
mkdir -p "$MNT/untar" "$WORK/back"
check "tar extracts onto the mount" tar -C "$MNT/untar" -xpf "$MNT/tree.tar"
check "extracted tree is identical (mtimes to the second)" bash -c "MTIME=%Ts; $(declare -f listing same_tree); WORK='$WORK' same_tree '$SRC' '$MNT/untar'"
check "tar of the mount extracts identical elsewhere" bash -c "tar -C '$MNT/untar' -cf - . | tar -C '$WORK/back' -xpf - && diff <(cd '$SRC' && find . | sort) <(cd '$WORK/back' && find . | sort) && diff -r --no-dereference '$SRC' '$WORK/back'"

check "rsync -a onto the mount" rsync -a "$SRC/" "$MNT/rs/"
check "rsync copy is identical" same_tree "$SRC" "$MNT/rs"
check "a second rsync -a copies nothing" test -z "$(rsync -ai "$SRC/" "$MNT/rs/")"

git_repo() {
  mkdir "$MNT/repo" && cd "$MNT/repo" &&
  git init -q && git config user.email t@example.com && git config user.name t &&
  cp -a "$SRC/dir" . && git add -A && git commit -qm first &&
  seq 1 1000 > more.txt && git add more.txt && git commit -qm second &&
  git fsck --full --strict 2>&1 | tee "$WORK/fsck.out" && ! grep -qi error "$WORK/fsck.out" &&
  test "$(git rev-list --count HEAD)" = 2 && git gc -q && git fsck --full 2>/dev/null
  local rc=$?; cd "$WORK"; return $rc
}
check "git init, add, commit, gc and fsck on the mount" git_repo

sqlite_db() {
  sqlite3 "$MNT/db.sqlite" 'CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);' &&
  for i in $(seq 1 20); do
    sqlite3 "$MNT/db.sqlite" "BEGIN; $(for j in $(seq 1 50); do printf "INSERT INTO t(v) VALUES(hex(randomblob(100)));"; done) COMMIT;" || return 1
  done &&
  sqlite3 "$MNT/db.sqlite" 'PRAGMA journal_mode=WAL; INSERT INTO t(v) VALUES("wal");' >/dev/null &&
  test "$(sqlite3 "$MNT/db.sqlite" 'PRAGMA integrity_check;')" = ok &&
  test "$(sqlite3 "$MNT/db.sqlite" 'SELECT count(*) FROM t;')" = 1001
}
check "sqlite3 writes (rollback journal and WAL), integrity ok" sqlite_db

check "find counts the same entries as on disk" test "$(find "$MNT/cp" | wc -l)" = "$(find "$SRC" | wc -l)"
dir_bytes() { find "$1" -type d -printf '%s\n' | awk '{s += $1} END {print s}'; }
check "du -sb counts the same bytes (directories aside)" \
  test "$(( $(du -sb "$MNT/cp" | cut -f1) - $(dir_bytes "$MNT/cp") ))" = "$(( $(du -sb "$SRC" | cut -f1) - $(dir_bytes "$SRC") ))"
check "du -s reports blocks" test "$(du -s "$MNT/cp" | cut -f1)" -gt 5000
check "df shows the mount" bash -c "df '$MNT' | grep -q nasd:s"

huge_write() {
  python3 - "$MNT/huge" <<'PY'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
try:
    os.pwrite(fd, b"x", 1 << 60)
except OSError as e:
    sys.exit(0 if e.errno == errno.EFBIG else 1)
sys.exit(1)
PY
}
check "a write at offset 2^60 fails with EFBIG" huge_write
check "and allocated nothing" test "$(stat -c %s "$MNT/huge")" = 0

cp "$SRC/dir/sub/deeper/5m.bin" "$MNT/cross.bin"
check "fusermount3 -u unmounts" fusermount3 -u "$MNT"
check "the daemon exits after the unmount" wait_gone "$DAEMON" 20
check "and logged why" grep -q 'fuse.stopping' "$STORAGE/logs/mount-s.log"
expect_code 2 "an unwritable --log-file is refused before mounting" \
  "$NASD" --config "$CFG" mount s "$MNT" --log-file "$WORK/no/such/dir/x.log"
check "the error names the log file" grep -q "no/such/dir/x.log" "$WORK/last.err"
check "no mount left" bash -c "! mounted '$MNT'"

# --- beside a running server: the RocksDB lock
start_server
expect_code 1 "mount beside nasd serve fails" "$NASD" --config "$CFG" mount s "$MNT" --foreground
check "the error names nasd serve" grep -q "nasd serve" "$WORK/last.err"
check "nothing mounted" bash -c "! mounted '$MNT'"
check "a file written through the mount reads byte-identical over WebDAV" \
  bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' '$DAV/cross.bin' | cmp -s - '$SRC/dir/sub/deeper/5m.bin'"
check "a tree copied through the mount lists over WebDAV" \
  bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' '$DAV/cp/dir/hello.txt' | grep -qx hello"
stop_server

# --- errors are reported before the command returns
expect_code 1 "no such share" "$NASD" --config "$CFG" mount nosuch "$MNT"
check "the error names the share" grep -q "no share named 'nosuch'" "$WORK/last.err"
expect_code 2 "--threads 11 is a usage error" "$NASD" --config "$CFG" mount s "$MNT" --threads 11
check "the error names --threads" grep -q -- "--threads must be 1..10" "$WORK/last.err"
touch "$WORK/mnt2/occupied"
expect_code 1 "a non-empty mountpoint is refused" "$NASD" --config "$CFG" mount s "$WORK/mnt2"
check "the error says not empty" grep -q "not empty" "$WORK/last.err"
rm "$WORK/mnt2/occupied"

# --- read-only
check "read-only mount" "$NASD" --config "$CFG" mount s "$MNT" --read-only
RO=$(mount_pid "$MNT" || true); [ -n "$RO" ] && PIDS+=("$RO")
check "reads work" cmp -s "$MNT/cross.bin" "$SRC/dir/sub/deeper/5m.bin"
check "writes fail with EROFS" bash -c "! touch '$MNT/new' 2>'$WORK/ro.err' && grep -q 'Read-only file system' '$WORK/ro.err'"
check "umount ends it" bash -c "umount '$MNT' && true"
check "the read-only daemon exits" wait_gone "$RO" 20

# --- SIGTERM with a file still open and its bytes buffered
"$NASD" --config "$CFG" mount s "$MNT" --foreground 2>"$WORK/fg.log" &
FG=$!
PIDS+=("$FG")
for _ in $(seq 1 100); do mounted "$MNT" && break; sleep 0.1; done
head -c 3000000 /dev/urandom > "$WORK/open.bin"
exec 7>"$MNT/open.bin"
cat "$WORK/open.bin" >&7
kill -TERM "$FG"
wait_exit "$FG" 30
check "SIGTERM ends nasd mount with status 0 despite an open file" test "$EXIT_STATUS" = 0
exec 7>&- 2>/dev/null || true
check "SIGTERM leaves no mount in /proc/mounts" bash -c "! mounted '$MNT'"
expect_code 0 "nasd fsck is clean after SIGTERM" "$NASD" --config "$CFG" fsck
check "a second mount" "$NASD" --config "$CFG" mount s "$WORK/mnt2"
M2=$(mount_pid "$WORK/mnt2" || true); [ -n "$M2" ] && PIDS+=("$M2")
check "the open file's bytes were committed at SIGTERM" cmp -s "$WORK/mnt2/open.bin" "$WORK/open.bin"
check "the earlier trees are still there" same_tree "$SRC" "$WORK/mnt2/rs"
check "SIGINT ends the daemon too" bash -c "kill -INT $M2"
check "and it unmounts" bash -c "for i in \$(seq 1 100); do ! grep -q ' $WORK/mnt2 fuse' /proc/mounts && exit 0; sleep 0.1; done; exit 1"
wait_gone "$M2" 20 || true

# --- SIGKILL leaves a dead mount behind; the next nasd mount replaces it
"$NASD" --config "$CFG" mount s "$MNT" --foreground 2>>"$WORK/fg.log" &
K=$!
PIDS+=("$K")
for _ in $(seq 1 100); do mounted "$MNT" && break; sleep 0.1; done
cp "$SRC/dir/sub/100k.bin" "$MNT/before-kill.bin"
kill -KILL "$K"
wait "$K" 2>/dev/null || true
check "after SIGKILL the mount is dead (ENOTCONN)" bash -c "stat '$MNT' 2>&1 | grep -q 'not connected'"
check "nasd mount replaces the dead mount" "$NASD" --config "$CFG" mount s "$MNT"
K2=$(mount_pid "$MNT" || true); [ -n "$K2" ] && PIDS+=("$K2")
check "a file closed before SIGKILL survived" cmp -s "$MNT/before-kill.bin" "$SRC/dir/sub/100k.bin"
check "fusermount3 -u ends it" fusermount3 -u "$MNT"
wait_gone "$K2" 20 || true
expect_code 0 "nasd fsck is clean at the end" "$NASD" --config "$CFG" fsck

finish
