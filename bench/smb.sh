#!/usr/bin/env bash
# SMB: smbd serving nasd's FUSE mount (`nasd serve --smb-enable`) beside smbd
# serving a plain local directory on the same disk, with the very smb.conf
# nasd wrote (only the paths and port differ), alternating, in the same run,
# with the same client (smbclient -m SMB3); prints every measurement, then
# medians and the ratio nasd/plain:
#   put and get of one big file, put and get of many small files (mput/mget).
#   Every round puts a fresh big file (nasd stores a chunk it already holds
#   only once) and the side that goes first alternates; the client's files
#   live in tmpfs when there is room (lib.sh: client_dir). Small files are
#   stored inline in metadata, not as chunks: the same ones serve every round.
#   Each round also copies the big file durably with dd (lib.sh:
#   durable_copy_rate): the disk's own speed, which bounds a durable put.
# Usage: bench/smb.sh BUILD_DIR   (uses BUILD_DIR/nasd; run as root: FUSE, a
#   Unix account for the benchmark user, and the page cache dropped before
#   every phase, for both servers)
# env: SIZE_MIB=1024  FILES=1000  FILE_KIB=4  ROUNDS=4
# Needs samba, samba-vfs-modules, smbclient (Debian).
set -euo pipefail
BUILD=$(realpath "${1:-build}")
SIZE_MIB=${SIZE_MIB:-1024} FILES=${FILES:-1000} FILE_KIB=${FILE_KIB:-4} ROUNDS=${ROUNDS:-4}
NASD=$BUILD/nasd
die() { echo "smb.sh: $*" >&2; exit 1; }
[ -x "$NASD" ] || die "no $NASD: build it first"
for c in smbd smbclient; do command -v "$c" >/dev/null || die "$c is missing"; done
[ -w /proc/sys/vm/drop_caches ] || die "run as root"

WORK=$(mktemp -d "$BUILD/bench-smb-XXXXXX")
chmod 711 "$WORK"  # smbd acts as the benchmark user below this folder
PIDS=() CLIENT=''
source "$(dirname "$0")/lib.sh"
cleanup() {
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  # The plain smbd's samba-dcerpcd, if a client started one (checked by config path).
  local p
  p=$(cat "$WORK/plain/state/pid/samba-dcerpcd.pid" 2>/dev/null || true)
  if [ -n "$p" ] && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$WORK/plain/smb.conf"; then
    kill -TERM "$p" 2>/dev/null || true
  fi
  rm -rf "$WORK" "$CLIENT"
}
trap cleanup EXIT
wait_port() { # PORT: until smbd accepts (20 s)
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  die "nothing accepts on port $1"
}

USER_NAME=smbbench USER_PW=bench-pw-1
NASD_HTTP=$(free_port) NASD_SMB=$(free_port) PLAIN_SMB=$(free_port)
[ "$NASD_SMB" != "$NASD_HTTP" ] && [ "$PLAIN_SMB" != "$NASD_HTTP" ] && [ "$PLAIN_SMB" != "$NASD_SMB" ] ||
  die "free_port gave one port twice; run again"

# ---- nasd with one SMB share
CFG=$WORK/nasd/config.yaml
mkdir -p "$WORK/nasd"
"$NASD" --config "$CFG" init --storage-path "$WORK/nasd/data" --listen "127.0.0.1:$NASD_HTTP" >/dev/null
"$NASD" --config "$CFG" --log-level warn serve --smb-enable --smb-share-name b \
  --smb-listen "127.0.0.1:$NASD_SMB" 2>"$WORK/nasd.log" &
PIDS+=($!)
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$NASD_HTTP/healthz" >/dev/null && break; sleep 0.1; done
"$NASD" --config "$CFG" share create b >/dev/null
printf '%s\n' "$USER_PW" | "$NASD" --config "$CFG" user add "$USER_NAME" --uid 61010 >/dev/null
"$NASD" --config "$CFG" share grant b "$USER_NAME" >/dev/null
for _ in $(seq 1 200); do [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NASD_HTTP/readyz")" = 200 ] && break; sleep 0.1; done
wait_port "$NASD_SMB"

# ---- plain smbd: nasd's smb.conf with its own state folders, port and a
# local directory on the same disk as the share
P=$WORK/plain
mkdir -p "$P"/state/{lock,state,cache,pid,ncalrpc,binddns,log} "$P/state/private" "$P/share"
chmod 700 "$P/state/private"
chmod 1777 "$P/share"
cp "$WORK/nasd/data/smb/private/smbpasswd" "$P/state/private/smbpasswd"
sed -e "s|$WORK/nasd/data/smb/mnt/b|$P/share|g" -e "s|$WORK/nasd/data/smb|$P/state|g" \
  -e "s|^\tsmb ports = .*|\tsmb ports = $PLAIN_SMB|" "$WORK/nasd/data/smb/smb.conf" >"$P/smb.conf"
smbd --foreground --debug-stdout -s "$P/smb.conf" -l "$P/state/log" >"$P/smbd.log" 2>&1 &
PIDS+=($!)
wait_port "$PLAIN_SMB"

echo "disk: $(df -P -T "$WORK" | awk 'NR==2 {print $2 " " $1}'); ${SIZE_MIB} MiB file, $FILES files of $FILE_KIB KiB, $ROUNDS rounds"
CLIENT=$(client_dir $((SIZE_MIB << 20)))
echo "client files (sources, copies read back) in $CLIENT"
mkdir -p "$CLIENT/small"
for i in $(seq 1 "$FILES"); do head -c $((FILE_KIB << 10)) /dev/urandom >"$CLIENT/small/f$i.bin"; done

smb() { local port=$1; shift; smbclient -p "$port" -m SMB3 //127.0.0.1/b -U "$USER_NAME%$USER_PW" "$@" >/dev/null 2>&1; }
declare -A RESULTS
record() { RESULTS[$1]+="$2 "; echo "  $1: $2"; }
rate() { echo "$1 / ($3 - $2)" | bc -l | xargs printf %.1f; }
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  fresh_source "$CLIENT/src.bin" $((SIZE_MIB << 20))
  order="nasd plain"; [ $((round % 2)) -eq 1 ] || order="plain nasd"
  for side in $order; do
    if [ $side = nasd ]; then port=$NASD_SMB; else port=$PLAIN_SMB; fi
    drop_caches
    t0=$(now); smb "$port" -c "put $CLIENT/src.bin big-$round.bin"; t1=$(now)
    record "$side put MiB/s" "$(rate "$SIZE_MIB" "$t0" "$t1")"
    drop_caches
    rm -f "$CLIENT/back.bin"
    t0=$(now); smb "$port" -c "get big-$round.bin $CLIENT/back.bin"; t1=$(now)
    cmp -s "$CLIENT/back.bin" "$CLIENT/src.bin" || die "$side returned different bytes"
    rm -f "$CLIENT/back.bin"
    record "$side get MiB/s" "$(rate "$SIZE_MIB" "$t0" "$t1")"
    drop_caches
    t0=$(now); smb "$port" -c "mkdir d$round; cd d$round; lcd $CLIENT/small; prompt OFF; mput *"; t1=$(now)
    record "$side small put files/s" "$(rate "$FILES" "$t0" "$t1")"
    drop_caches
    rm -rf "$CLIENT/small-back"; mkdir "$CLIENT/small-back"
    t0=$(now); smb "$port" -c "cd d$round; lcd $CLIENT/small-back; prompt OFF; mget *"; t1=$(now)
    diff -r -q "$CLIENT/small" "$CLIENT/small-back" >/dev/null || die "$side returned different small files"
    record "$side small get files/s" "$(rate "$FILES" "$t0" "$t1")"
  done
  record "disk put MiB/s" "$(durable_copy_rate "$CLIENT/src.bin" "$WORK")"
done

echo "medians (nasd / plain = ratio):"
for what in "put MiB/s" "get MiB/s" "small put files/s" "small get files/s"; do
  n=$(echo "${RESULTS[nasd $what]}" | tr ' ' '\n' | grep . | median)
  p=$(echo "${RESULTS[plain $what]}" | tr ' ' '\n' | grep . | median)
  printf '  %-18s nasd %8s   plain %8s   ratio %.2f\n' "$what" "$n" "$p" "$(echo "$n / $p" | bc -l)"
done
d=$(echo "${RESULTS[disk put MiB/s]}" | tr ' ' '\n' | grep . | median)
n=$(echo "${RESULTS[nasd put MiB/s]}" | tr ' ' '\n' | grep . | median)
p=$(echo "${RESULTS[plain put MiB/s]}" | tr ' ' '\n' | grep . | median)
printf '  the disk: a durable copy of the big file (dd, O_DIRECT, fsync) %s MiB/s;\n' "$d"
printf '    put against it: nasd %.2f, plain %.2f (a plain Samba answers before its bytes are on the disk)\n' \
  "$(echo "$n / $d" | bc -l)" "$(echo "$p / $d" | bc -l)"
