#!/usr/bin/env bash
# Runs every benchmark: each prints nasd's figure beside a named baseline
# measured in the same run, and the ratio. Usage: bench/run-all.sh BUILD_DIR
set -euo pipefail
BUILD=${1:-build}
DIR=$(mktemp -d "$PWD/$BUILD/bench-XXXXXX")
trap 'rm -rf "$DIR"' EXIT
echo "== chunk store: nasd local backend vs write+fsync+rename to plain files =="
"$BUILD/bench/bench_chunkstore" --dir "$DIR"
echo "== vfs: the filesystem API vs plain syscalls on a local directory =="
"$BUILD/bench/bench_vfs" --dir "$DIR/vfs"
echo "== snapshots: creation time by share size, overwrites with snapshots held, gc reclaim =="
"$BUILD/bench/bench_snapshot" --dir "$DIR/snapshot"
echo "== http: nasd WebDAV/HTTP file access vs nginx (sendfile, dav) on the same disk =="
bash "$(dirname "$0")/http.sh" "$BUILD"
echo "== smb: smbd over nasd's FUSE mount vs smbd over a plain directory on the same disk (smbclient) =="
bash "$(dirname "$0")/smb.sh" "$BUILD"
echo "== fuse: nasd mount vs a plain directory on the same disk (fio sequential 1 MiB) =="
bash "$(dirname "$0")/fuse.sh" "$BUILD"
