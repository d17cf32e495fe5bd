#!/usr/bin/env bash
# nasd's NFSv3 server beside nfs-ganesha (FSAL_VFS on a local directory on the
# same disk), alternating, in the same run, with the same libnfs client; prints
# every measurement, then medians and the ratio nasd/ganesha:
#   sequential write and read of one big file (nfs-cp), and creation of many
#   4 KiB files (bench_nfs_files: create, write, COMMIT, close each).
#   Every round writes fresh random bytes (nasd stores a chunk it already
#   holds only once) and the side that goes first alternates; the client's
#   files live in tmpfs when there is room (lib.sh: client_dir).
# Usage: bench/nfs.sh BUILD_DIR   (uses BUILD_DIR/nasd and
#   BUILD_DIR/bench/bench_nfs_files; run as root: it enters a private network
#   and mount namespace, since ganesha needs rpcbind on port 111, and drops the
#   page cache before every phase, for both servers)
# env: SIZE_MIB=1024  FILES=10000  ROUNDS=4
# Needs nfs-ganesha, nfs-ganesha-vfs, rpcbind, libnfs-utils (Debian).
set -euo pipefail
BUILD=$(realpath "${1:-build}")
if [ -z "${NFS_BENCH_IN_NS:-}" ]; then
  exec env NFS_BENCH_IN_NS=1 unshare --net --mount --propagation private --fork bash "$0" "$BUILD"
fi
SIZE_MIB=${SIZE_MIB:-1024} FILES=${FILES:-10000} ROUNDS=${ROUNDS:-4}
NASD=$BUILD/nasd
FILES_BIN=$BUILD/bench/bench_nfs_files
die() { echo "nfs.sh: $*" >&2; exit 1; }
[ -x "$NASD" ] || die "no $NASD: build it first"
[ -x "$FILES_BIN" ] || die "no $FILES_BIN: build the bench_nfs_files target"
for c in ganesha.nfsd rpcbind nfs-cp; do command -v "$c" >/dev/null || die "$c is missing"; done
[ -w /proc/sys/vm/drop_caches ] || die "run as root"

ip link set lo up
mount -t tmpfs -o mode=755 tmpfs /run
WORK=$(mktemp -d "$BUILD/bench-nfs-XXXXXX")
PIDS=() CLIENT=''
source "$(dirname "$0")/lib.sh"
cleanup() {
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  rm -rf "$WORK" "$CLIENT"
}
trap cleanup EXIT
wait_nfs() { # URL: until nfs-ls answers (20 s)
  for _ in $(seq 1 200); do nfs-ls "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "no NFS server at $1"
}

# ---- nasd (started before rpcbind, so it registers nowhere and ganesha owns
# the portmapper; clients reach nasd by explicit ports)
NASD_NFS=2050 NASD_HTTP=8090
CFG=$WORK/nasd/config.yaml
mkdir -p "$WORK/nasd"
"$NASD" --config "$CFG" init --storage-path "$WORK/nasd/data" --listen "127.0.0.1:$NASD_HTTP" >/dev/null
cat >>"$CFG" <<YAML
nfs:
  exports:
    - share: b
      networks: [127.0.0.0/8]
      squash: no_root_squash
YAML
"$NASD" --config "$CFG" --log-level warn serve --nfs-enable --nfs-listen "127.0.0.1:$NASD_NFS" 2>"$WORK/nasd.log" &
PIDS+=($!)
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$NASD_HTTP/healthz" >/dev/null && break; sleep 0.1; done
"$NASD" --config "$CFG" share create b >/dev/null
NASD_URL="nfs://127.0.0.1/b"
NASD_OPTS="?version=3&nfsport=$NASD_NFS&mountport=$NASD_NFS"
wait_nfs "$NASD_URL$NASD_OPTS"

# ---- ganesha over rpcbind
rpcbind -f -w &
PIDS+=($!)
sleep 0.5
mkdir -p "$WORK/ganesha/export" "$WORK/ganesha/recov"
G_NFS=2051 G_MNT=2052
cat >"$WORK/ganesha/ganesha.conf" <<CONF
NFS_CORE_PARAM { NFS_Port = $G_NFS; MNT_Port = $G_MNT; Protocols = 3; Enable_NLM = false;
                 Enable_RQUOTA = false; Enable_UDP = false; }
NFSV4 { RecoveryRoot = $WORK/ganesha/recov; Graceless = true; }
EXPORT { Export_Id = 1; Path = $WORK/ganesha/export; Pseudo = /g; Access_Type = RW;
         Squash = No_Root_Squash; Protocols = 3; Transports = TCP; SecType = sys;
         FSAL { Name = VFS; } }
CONF
ganesha.nfsd -F -L "$WORK/ganesha/ganesha.log" -f "$WORK/ganesha/ganesha.conf" -p "$WORK/ganesha/pid" &
PIDS+=($!)
G_URL="nfs://127.0.0.1$WORK/ganesha/export"
G_OPTS="?version=3&nfsport=$G_NFS&mountport=$G_MNT"
wait_nfs "$G_URL$G_OPTS"

echo "disk: $(df -P -T "$WORK" | awk 'NR==2 {print $2 " " $1}'); ${SIZE_MIB} MiB file, $FILES files of 4 KiB, $ROUNDS rounds"
CLIENT=$(client_dir $((SIZE_MIB << 20)))
echo "client files (source, copy read back) in $CLIENT"

declare -A RESULTS
record() { RESULTS[$1]+="$2 "; echo "  $1: $2"; }
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  fresh_source "$CLIENT/src.bin" $((SIZE_MIB << 20))
  order="nasd ganesha"; [ $((round % 2)) -eq 1 ] || order="ganesha nasd"
  for side in $order; do
    if [ $side = nasd ]; then url=$NASD_URL opts=$NASD_OPTS; else url=$G_URL opts=$G_OPTS; fi
    drop_caches
    t0=$(now)
    nfs-cp "$CLIENT/src.bin" "$url/big-$round.bin$opts" >/dev/null
    t1=$(now)
    record "$side write MiB/s" "$(echo "$SIZE_MIB / ($t1 - $t0)" | bc -l | xargs printf %.0f)"
    drop_caches
    rm -f "$CLIENT/back.bin"
    t0=$(now)
    nfs-cp "$url/big-$round.bin$opts" "$CLIENT/back.bin" >/dev/null
    t1=$(now)
    cmp -s "$CLIENT/back.bin" "$CLIENT/src.bin" || die "$side returned different bytes"
    rm -f "$CLIENT/back.bin"
    record "$side read MiB/s" "$(echo "$SIZE_MIB / ($t1 - $t0)" | bc -l | xargs printf %.0f)"
    drop_caches
    dir="files-$round"
    if [ $side = nasd ]; then
      curl -sf -X MKCOL -H "Authorization: Bearer $(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$CFG")" \
        "http://127.0.0.1:$NASD_HTTP/dav/b/$dir/" >/dev/null
    else
      mkdir "$WORK/ganesha/export/$dir"
    fi
    record "$side files/s" "$("$FILES_BIN" "$url/$dir$opts" "$FILES" 4096)"
  done
done

echo "medians (nasd / ganesha = ratio):"
for what in "write MiB/s" "read MiB/s" "files/s"; do
  n=$(echo "${RESULTS[nasd $what]}" | tr ' ' '\n' | grep . | median)
  g=$(echo "${RESULTS[ganesha $what]}" | tr ' ' '\n' | grep . | median)
  printf '  %-12s nasd %8s   ganesha %8s   ratio %.2f\n' "$what" "$n" "$g" "$(echo "$n / $g" | bc -l)"
done
