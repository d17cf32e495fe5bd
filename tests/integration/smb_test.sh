#!/usr/bin/env bash
# SMB through `nasd serve --smb-enable` (a supervised smbd over nasd's FUSE
# mount) with Samba's own clients: smbclient -m SMB3 round trips of a tree of
# mixed files, logons (right, wrong, unknown, guest), grants (read-only),
# encryption, cross-protocol with WebDAV and NFS, password change and user delete,
# smbtorture smb2.connect/read/rw, Previous Versions from snapshots, and
# supervision (smbd SIGKILLed and restarted; SIGTERM leaves no smbd, helper
# or mount behind). Needs root (FUSE) and Debian samba, smbclient,
# samba-testsuite, samba-vfs-modules.
NASD=$(realpath "$1")
COMMIT_TOOL=$(realpath "$2")  # raw NFS client: WRITE into an existing file (tests/nfs/nfs_commit_tool.cc)
source "$(dirname "$0")/lib.sh"
cd "$WORK"
chmod 711 "$WORK"  # smbd acts as the user: the mounts below must be reachable

PORT=$(free_port)
SMBPORT=$(free_port)
NFSPORT=$(free_port)  # NFS beside SMB: in-place writes for the cross-protocol checks
BASE="http://127.0.0.1:$PORT"
CFG="$WORK/config.yaml"
N=("$NASD" --config "$CFG")
# Unix accounts are created for these (uids fixed, so reruns find them as made).
A_USER=smbalice A_PW='alice pw/1'
B_USER=smbbob B_PW=bob-pw-2
SMB=(smbclient -p "$SMBPORT" -m SMB3)
smb_as() { local user=$1 pw=$2 share=$3; shift 3; "${SMB[@]}" "//127.0.0.1/$share" -U "$user%$pw" "$@"; }
alice() { smb_as "$A_USER" "$A_PW" s "$@"; }
last_has() { grep -q "$1" "$WORK/last.out" "$WORK/last.err"; }
# A zombie (its parent has not reaped it yet) is gone too: it runs nothing.
gone() { grep -qs '^State:.*Z' "/proc/$1/status" || [ ! -e "/proc/$1" ]; }
readyz_field() { curl -s "$BASE/readyz" | python3 -c "import json,sys; print(json.load(sys.stdin)['services']['smb']['$1'])"; }

start_smb_server() {
  "${N[@]}" serve --smb-enable --smb-share-name s --smb-listen "127.0.0.1:$SMBPORT" \
    --nfs-enable --nfs-listen "127.0.0.1:$NFSPORT" >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
  SERVER=$!
  PIDS+=("$SERVER")
  wait_http "$BASE/healthz" || return 1
}

# /readyz is 200 once smbd accepts and every service is ready (20 s).
wait_ready() {
  for _ in $(seq 1 200); do
    [ "$(http_code "$BASE/readyz")" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}

setup() {
  "${N[@]}" init --storage-path "$WORK/data" --listen "127.0.0.1:$PORT" >/dev/null
  cat >>"$CFG" <<YAML
smb:
  shares:
    - name: pub
      share: pub
      guest_ok: true
      read_only: true
nfs:
  exports:
    - share: s
      networks: [127.0.0.0/8]
      squash: no_root_squash
YAML
  start_smb_server || return 1
  "${N[@]}" share create s >/dev/null
  "${N[@]}" share create pub >/dev/null
  printf '%s\n' "$A_PW" | "${N[@]}" user add "$A_USER" --uid 61001 >/dev/null
  printf '%s\n' "$B_PW" | "${N[@]}" user add "$B_USER" --uid 61002 >/dev/null
  "${N[@]}" share grant s "$A_USER" >/dev/null
  "${N[@]}" share grant --read-only s "$B_USER" >/dev/null
  wait_ready
}
check "server starts with --smb-enable, shares, users and grants" setup
TOKEN=$(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$CFG")
check "status shows smbd running and the share mounted" bash -c \
  "'$NASD' --config '$CFG' status | grep -q 'smbd running' && '$NASD' --config '$CFG' status | grep -q '\[s\] share s: mounted'"
check "the share is a FUSE mount under the state directory" grep -q " $WORK/data/smb/mnt/s fuse" /proc/mounts
check "smb.conf keeps Samba's state under storage.path/smb" bash -c \
  "grep -q 'private dir = $WORK/data/smb/private' '$WORK/data/smb/smb.conf' && grep -q 'smb ports = $SMBPORT' '$WORK/data/smb/smb.conf'"
check "the passdb is private (0600) and holds no password" bash -c \
  "[ \"\$(stat -c %a '$WORK/data/smb/private/smbpasswd')\" = 600 ] && ! grep -q 'alice pw' '$WORK/data/smb/private/smbpasswd'"
check "no password reached the log" bash -c "! grep -q -e 'alice pw/1' -e '$B_PW' '$WORK/serve.log'"

# --- a tree of mixed files, byte-identical both ways
mkdir -p src/"dir with spaces"/deeper src/empty-dir src/ünïcode
: > src/empty.txt
printf 'hello smb\n' > src/hello.txt
head -c 65536 /dev/urandom > src/inline-limit.bin
head -c 1000000 /dev/urandom > "src/dir with spaces/one-mb.bin"
head -c 9000000 /dev/urandom > src/dir\ with\ spaces/deeper/nine-mb.bin  # spans 4 MiB blocks
seq 1 20000 > src/ünïcode/numbers.txt
for i in $(seq 1 30); do printf 'small %d\n' "$i" > "src/dir with spaces/s$i.txt"; done
check "mput of the tree" alice -c "mkdir tree; cd tree; lcd $WORK/src; recurse ON; prompt OFF; mput *"
mkdir back
check "mget of the tree" alice -c "cd tree; lcd $WORK/back; recurse ON; prompt OFF; mget *"
check "the tree came back byte-identical" diff -r src back
alice -c 'ls tree/*' >"$WORK/ls1.out" 2>&1 || true
check "ls lists the tree" bash -c "grep -q 'dir with spaces' '$WORK/ls1.out' && grep -q hello.txt '$WORK/ls1.out'"
check "rename and del" alice -c "rename tree/hello.txt tree/renamed.txt; del tree/empty.txt; mkdir tree/made"
check "the renamed file has the old bytes" bash -c \
  "$(declare -p SMB); $(declare -f smb_as alice); A_USER=$A_USER A_PW='$A_PW'; \
   alice -c 'get tree/renamed.txt $WORK/renamed.txt' && cmp -s $WORK/renamed.txt src/hello.txt"
alice -c 'ls tree/*' >"$WORK/ls2.out" 2>&1 || true
check "after rename/del the listing shows renamed.txt, not hello.txt or empty.txt" bash -c \
  "grep -q renamed.txt '$WORK/ls2.out' && ! grep -q -e hello.txt -e empty.txt '$WORK/ls2.out'"
check "rmdir removes an empty folder" alice -c "rmdir tree/made"

# --- logons and access
expect_code 1 "a wrong password is refused" smb_as "$A_USER" wrong-password s -c ls
check "... with NT_STATUS_LOGON_FAILURE" last_has NT_STATUS_LOGON_FAILURE
# With a guest share configured (pub), Samba maps unknown names to the guest
# ("map to guest = Bad User"), which has no access to s.
expect_code 1 "an unknown user is refused" smb_as nosuchuser whatever s -c ls
check "... as a logon failure or as a guest without access" last_has 'NT_STATUS_LOGON_FAILURE\|NT_STATUS_ACCESS_DENIED'
expect_code 1 "a guest is refused on s (guest_ok off)" "${SMB[@]}" //127.0.0.1/s -N -c ls
check "... with an access or logon error" last_has 'NT_STATUS_ACCESS_DENIED\|NT_STATUS_LOGON_FAILURE'
printf 'public\n' > "$WORK/pub.txt"
check "the admin puts a file into pub over WebDAV" \
  test "$(http_code "$BASE/dav/pub/pub.txt" -H "Authorization: Bearer $TOKEN" -T "$WORK/pub.txt")" = 201
check "a guest reads pub (guest_ok on)" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/pub -N -c 'get pub.txt $WORK/pub-back.txt' && cmp -s $WORK/pub.txt $WORK/pub-back.txt"
expect_code 1 "a guest cannot write to the read-only pub" "${SMB[@]}" //127.0.0.1/pub -N -c "put $WORK/pub.txt x.txt"
check "the read-only user reads" smb_as "$B_USER" "$B_PW" s -c "get tree/renamed.txt $WORK/bob.txt"
expect_code 1 "the read-only user cannot write" smb_as "$B_USER" "$B_PW" s -c "put $WORK/pub.txt bob.txt"
check "... NT_STATUS_ACCESS_DENIED" last_has NT_STATUS_ACCESS_DENIED
check "alice cannot use pub (no grant, not a guest)" bash -c \
  "! smbclient -p $SMBPORT -m SMB3 //127.0.0.1/pub -U '$A_USER%$A_PW' -c ls >/dev/null 2>&1"

# --- encryption
check "--client-protection=encrypt put and get" bash -c \
  "smbclient -p $SMBPORT -m SMB3 --client-protection=encrypt //127.0.0.1/s -U '$A_USER%$A_PW' \
     -c 'put src/inline-limit.bin enc.bin; get enc.bin $WORK/enc-back.bin' && cmp -s src/inline-limit.bin $WORK/enc-back.bin"

# --- cross-protocol with WebDAV
check "written over SMB, read over WebDAV" bash -c \
  "curl -sf -u '$A_USER:$A_PW' '$BASE/dav/s/tree/dir%20with%20spaces/deeper/nine-mb.bin' | cmp -s - 'src/dir with spaces/deeper/nine-mb.bin'"
head -c 5000000 /dev/urandom > "$WORK/dav.bin"
check "written over WebDAV" test "$(http_code "$BASE/dav/s/from-dav.bin" -u "$A_USER:$A_PW" -T "$WORK/dav.bin")" = 201
check "read over SMB byte-identical" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'get from-dav.bin $WORK/dav-back.bin' && cmp -s $WORK/dav.bin $WORK/dav-back.bin"
# A WebDAV PUT over an existing file makes a new inode; the FUSE mount drops
# the old name from the kernel's cache before the PUT is answered.
check "overwritten over WebDAV, SMB sees the new bytes at once" bash -c \
  "curl -sf -u '$A_USER:$A_PW' -T src/hello.txt '$BASE/dav/s/from-dav.bin' && \
   smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'get from-dav.bin $WORK/dav-back2.bin' && cmp -s src/hello.txt $WORK/dav-back2.bin"
# An NFS write changes the same inode in place: SMB reads the new size and
# bytes at once. (What makes the kernel under smbd drop its cached size and
# pages is checked directly in fuse_test: WritesBesideTheMountShowAtOnce.)
NFS_DATA=$(seq 1 1000 | tr '\n' ' ')  # longer than the file it overwrites
printf '%s' "$NFS_DATA" > "$WORK/nfs.txt"
# One smbclient session reading commands from the pipe: the NFS write runs
# once the first get has arrived, and the second get follows within the
# kernel's 1 s attribute cache.
get_nfs_write_get() {
  {
    echo "get from-dav.bin $WORK/nfs-before.txt"
    for _ in $(seq 1 200); do [ -s "$WORK/nfs-before.txt" ] && break; sleep 0.05; done
    "$COMMIT_TOOL" "$NFSPORT" s from-dav.bin commit "$NFS_DATA" >/dev/null
    echo "get from-dav.bin $WORK/nfs-back.txt"
  } | alice >/dev/null && cmp -s "$WORK/nfs.txt" "$WORK/nfs-back.txt"
}
check "rewritten in place over NFS, SMB sees the new size and bytes at once" get_nfs_write_get

# --- users: one set for WebDAV and SMB
printf 'new-alice-pw\n' | "${N[@]}" user passwd "$A_USER" >/dev/null
check "after passwd the new password works over SMB" smb_as "$A_USER" new-alice-pw s -c ls
expect_code 1 "after passwd the old password is refused" smb_as "$A_USER" "$A_PW" s -c ls
A_PW=new-alice-pw
printf 'carol-pw\n' | "${N[@]}" user add smbcarol --uid 61003 >/dev/null
"${N[@]}" share grant s smbcarol >/dev/null
check "a new user logs on at once" smb_as smbcarol carol-pw s -c ls
check "the Unix account was made with the nasd uid" test "$(id -u smbcarol)" = 61003
"${N[@]}" share revoke s smbcarol >/dev/null
expect_code 1 "a revoked user cannot connect" smb_as smbcarol carol-pw s -c ls
"${N[@]}" user delete smbcarol >/dev/null
expect_code 1 "a deleted user cannot log on" smb_as smbcarol carol-pw s -c ls
check "... as a logon failure or as a guest without access" last_has 'NT_STATUS_LOGON_FAILURE\|NT_STATUS_ACCESS_DENIED'

# --- smbtorture
check "smbtorture smb2.connect smb2.read smb2.rw" bash -c \
  "smbtorture //127.0.0.1/s -p $SMBPORT -U '$A_USER%$A_PW' --target=samba3 smb2.connect smb2.read smb2.rw \
     >'$WORK/torture.out' 2>&1 || { tail -40 '$WORK/torture.out'; false; }"

# --- Previous Versions: scheduler-style snapshot names become @GMT tokens
printf 'version one\n' > "$WORK/v1.txt"
printf 'version two, longer\n' > "$WORK/v2.txt"
check "put v1" alice -c "put $WORK/v1.txt versioned.txt"
expect_code 0 "snapshot with a scheduler-style name" "${N[@]}" snapshot create s hourly-2026-01-02T03:00:00Z
expect_code 0 "snapshot with a manual name" "${N[@]}" snapshot create s before-change
check "put v2" alice -c "put $WORK/v2.txt versioned.txt"
check "allinfo lists the scheduled snapshot as a previous version" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'allinfo versioned.txt' | tee $WORK/allinfo.out | grep -q '@GMT-2026.01.02-03.00.00'"
check "a manual name is not a previous version" test "$(grep -c '@GMT-' "$WORK/allinfo.out")" = 1
check "the @GMT path reads the old bytes" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'get @GMT-2026.01.02-03.00.00/versioned.txt $WORK/old.txt' && cmp -s $WORK/v1.txt $WORK/old.txt"
check "the live file has the new bytes" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'get versioned.txt $WORK/new.txt' && cmp -s $WORK/v2.txt $WORK/new.txt"

# --- supervision: SIGKILL smbd, nasd restarts it
SMBD1=$(readyz_field pid)
check "smbd runs in its own process group, not nasd's" \
  test "$(ps -o pgid= -p "$SMBD1" | tr -d ' ')" != "$(ps -o pgid= -p "$SERVER" | tr -d ' ')"
kill -KILL "$SMBD1"
restarted() {
  for _ in $(seq 1 200); do
    [ "$(http_code "$BASE/readyz")" = 200 ] && [ "$(readyz_field pid)" != "$SMBD1" ] &&
      [ "$(readyz_field restarts)" = 1 ] && return 0
    sleep 0.1
  done
  return 1
}
check "nasd restarts smbd after SIGKILL (/readyz: new pid, 1 restart)" restarted
check "the restart is logged with the signal" grep -q 'smb.child_exited.*signal 9' "$WORK/serve.log"
check "the share works again" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'get versioned.txt $WORK/again.txt' && cmp -s $WORK/v2.txt $WORK/again.txt"

# --- deleting a served share unmounts it; the SMB share goes with it
expect_code 0 "share delete --force of the served pub" "${N[@]}" share delete pub --force
check "pub is no longer mounted" bash -c "! grep -q ' $WORK/data/smb/mnt/pub ' /proc/mounts"
check "status names pub's problem" bash -c "'$NASD' --config '$CFG' status | grep -q \"\[pub\] share pub: nasd share 'pub' does not exist\""
expect_code 1 "a guest no longer reaches pub" "${SMB[@]}" //127.0.0.1/pub -N -c ls
check "s still serves" alice -c ls

# --- the mount under smbd unmounted from outside: nasd mounts it again
umount -l "$WORK/data/smb/mnt/s"
remounted() {
  for _ in $(seq 1 100); do
    grep -q " $WORK/data/smb/mnt/s fuse" /proc/mounts &&
      smbclient -p "$SMBPORT" -m SMB3 //127.0.0.1/s -U "$A_USER%$A_PW" -c "get versioned.txt $WORK/remounted.txt" \
        >/dev/null 2>&1 && cmp -s "$WORK/v2.txt" "$WORK/remounted.txt" && return 0
    sleep 0.1
  done
  return 1
}
check "a mount unmounted from outside comes back and serves" remounted
check "... and the loss is logged" grep -q 'smb.mount_lost share=s' "$WORK/serve.log"

# --- SIGKILL nasd: the next start clears what the killed one left (its smbd,
# which runs in a session of its own, and a dead FUSE mount)
SMBD_ORPHAN=$(readyz_field pid)
kill -KILL "$SERVER"
wait_exit "$SERVER" 10
check "after SIGKILL of nasd the FUSE mount is dead" bash -c "grep -q ' $WORK/data/smb/mnt/s ' /proc/mounts && ! ls '$WORK/data/smb/mnt/s' >/dev/null 2>&1"
check "nasd starts again over the leftovers" start_smb_server
check "... and is ready" wait_ready
check "the orphaned smbd was stopped (verified by its config path)" gone "$SMBD_ORPHAN"
check "the share works after the restart" bash -c \
  "smbclient -p $SMBPORT -m SMB3 //127.0.0.1/s -U '$A_USER%$A_PW' -c 'get versioned.txt $WORK/after-kill.txt' && cmp -s $WORK/v2.txt $WORK/after-kill.txt"
check "one live FUSE mount of s, not two" test "$(grep -c " $WORK/data/smb/mnt/s " /proc/mounts)" = 1

# --- SIGTERM nasd: smbd, its helpers and the mount are gone
smbclient -p "$SMBPORT" -L 127.0.0.1 -U "$A_USER%$A_PW" >/dev/null 2>&1 || true  # starts samba-dcerpcd
SMBD2=$(readyz_field pid)
DCERPCD=$(cat "$WORK/data/smb/pid/samba-dcerpcd.pid" 2>/dev/null || echo 0)
check "samba-dcerpcd runs with nasd's smb.conf" grep -q -- "--configfile=$WORK/data/smb/smb.conf" "/proc/$DCERPCD/cmdline"
kill -TERM "$SERVER"
wait_exit "$SERVER" 60
check "nasd exits 0 on SIGTERM" test "$EXIT_STATUS" = 0
check "smbd is gone" gone "$SMBD2"
check "samba-dcerpcd is gone" gone "$DCERPCD"
# Every live process whose command line names nasd's smb.conf.
running_with_conf() {
  local f p
  for f in /proc/[0-9]*/cmdline; do
    p=${f#/proc/}; p=${p%/cmdline}
    { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q -- "$WORK/data/smb/smb.conf" && ! gone "$p" && echo "$p"
  done
  return 0
}
check "no process runs with nasd's smb.conf" test -z "$(running_with_conf)"
check "the FUSE mount is gone" bash -c "! grep -q ' $WORK/data/smb/mnt/' /proc/mounts"

# --- bad flags
expect_code 2 "--smb-port out of range" "${N[@]}" serve --smb-enable --smb-port 70000
expect_code 2 "--smb-share-name with a space" "${N[@]}" serve --smb-enable --smb-share-name "a b"
check "... the message names the flag" grep -q -- "--smb-share-name" "$WORK/last.err"

finish
