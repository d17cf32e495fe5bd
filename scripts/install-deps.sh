#!/usr/bin/env bash
# Installs every Debian package nasd needs to build, run, test and benchmark.
# Idempotent and quiet when everything is present. Debian 12 (bookworm) only.
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries
  libboost1.81-dev
  librocksdb-dev libssl-dev libyaml-cpp-dev libcli11-dev libfmt-dev
  nlohmann-json3-dev libxxhash-dev libisal-dev libzstd-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # test and benchmark peers
  curl prometheus procps
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
