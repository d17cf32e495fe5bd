#!/usr/bin/env bash
# Installs every Debian package nasd needs to build, run, test and benchmark,
# then the npm test peers pinned in package.json (s3rver) into ./node_modules.
# Idempotent and quiet when everything is present. Debian 12 (bookworm) only.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libboost1.81-dev
  librocksdb-dev libssl-dev libyaml-cpp-dev libcli11-dev libfmt-dev libsodium-dev libexpat1-dev
  nlohmann-json3-dev libxxhash-dev libisal-dev libzstd-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # test and benchmark peers (python3-botocore: the reference SigV4 signer;
  # nodejs/npm: s3rver, the S3 server the S3 backend tests run against)
  curl prometheus procps openssl python3 python3-botocore nodejs npm
  litmus rclone nginx libnginx-mod-http-dav-ext wrk
  # NFS clients: nfs-ls/nfs-cp/nfs-cat and the C library the NFS tests drive;
  # nfs-ganesha over rpcbind is bench/nfs.sh's baseline (run in a namespace)
  libnfs-utils libnfs-dev nfs-ganesha nfs-ganesha-vfs rpcbind
  # clang with libFuzzer (libclang-rt): the fuzz targets (tests/fuzz/run_fuzz.sh)
  clang libclang-rt-14-dev
  # FUSE mount (libfuse3's low-level API) and SMB through Samba over it; the
  # standard tools the mount is tested with; fio for bench/smb.sh
  fuse3 libfuse3-dev samba samba-vfs-modules smbclient samba-testsuite rsync sqlite3 fio
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)

# A package counts as present when dpkg has it, or (nodejs, npm) when the
# command is already on PATH from another distribution of node (nodesource
# ships npm inside its nodejs package).
missing=()
for p in "${PKGS[@]}"; do
  if [ "$p" = nodejs ] || [ "$p" = npm ]; then
    command -v "${p/nodejs/node}" >/dev/null 2>&1 && continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
  else
    SUDO=
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# s3rver at the version package-lock.json pins; skipped when it is there.
want=$(node -e 'console.log(require(process.argv[1]).packages["node_modules/s3rver"].version)' \
  "$ROOT/package-lock.json")
have=$(node -e 'try { console.log(require(process.argv[1]).version) } catch (e) { console.log("") }' \
  "$ROOT/node_modules/s3rver/package.json")
if [ "$want" != "$have" ]; then
  echo "install-deps: npm ci (s3rver $want)" >&2
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
