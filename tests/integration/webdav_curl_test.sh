#!/usr/bin/env bash
# WebDAV and HTTP file access with curl: auth, ranges, conditional requests,
# atomic uploads, hostile input, and durability across a restart.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"

check "server starts with share and users" dav_setup
code() { http_code "$@"; }
A=("${ALICE[@]}")

# --- auth
check "401 without credentials" test "$(code "$DAV/")" = 401
check "401 carries a Basic challenge" bash -c "curl -sI '$DAV/' | grep -qi '^www-authenticate: Basic realm=\"nasd\"'"
check "401 with a wrong password" test "$(code "$DAV/" -u alice:wrong-password)" = 401
check "401 for an unknown user" test "$(code "$DAV/" -u mallory:whatever-pass)" = 401
check "admin bearer token reaches /dav" test "$(code "$DAV/" -H "Authorization: Bearer $TOKEN")" = 200
check "a Basic user cannot use the management API" test "$(code "$BASE/api/v1/shares" "${A[@]}")" = 403
check "the bearer token still works for the API" test "$(code "$BASE/api/v1/shares" -H "Authorization: Bearer $TOKEN")" = 200
check "unknown share is 404" test "$(code "$BASE/dav/nope/" "${A[@]}")" = 404
check "OPTIONS advertises DAV 1, 2" bash -c "curl -si -X OPTIONS ${A[*]} '$DAV/' | grep -qi '^dav: 1, 2'"

# --- PUT / GET / ranges
seq 1 20000 > "$WORK/nums.txt"
check "PUT new file is 201" test "$(code "$DAV/nums.txt" "${A[@]}" -T "$WORK/nums.txt")" = 201
check "PUT replacing is 204" test "$(code "$DAV/nums.txt" "${A[@]}" -T "$WORK/nums.txt")" = 204
check "GET returns the bytes" bash -c "curl -sf ${A[*]} '$DAV/nums.txt' | cmp -s - '$WORK/nums.txt'"
check "read-only user may read" test "$(code "$DAV/nums.txt" "${BOB[@]}")" = 200
check "read-only user may not PUT (403)" test "$(code "$DAV/bob.txt" "${BOB[@]}" -T "$WORK/nums.txt")" = 403
check "read-only user may not DELETE (403)" test "$(code "$DAV/nums.txt" "${BOB[@]}" -X DELETE)" = 403
check "PUT to a missing parent is 409" test "$(code "$DAV/no/such/f" "${A[@]}" -T "$WORK/nums.txt")" = 409
check "Content-Type by extension" bash -c "curl -sI ${A[*]} '$DAV/nums.txt' | grep -qi '^content-type: text/plain'"
check "single range" test "$(curl -sf "${A[@]}" -r 0-4 "$DAV/nums.txt")" = "$(head -c 5 "$WORK/nums.txt")"
check "single range is 206 with Content-Range" bash -c "curl -si ${A[*]} -r 0-4 '$DAV/nums.txt' | grep -qi '^content-range: bytes 0-4/$(stat -c %s "$WORK/nums.txt")'"
check "suffix range" test "$(curl -sf "${A[@]}" -r -6 "$DAV/nums.txt")" = "$(tail -c 6 "$WORK/nums.txt")"
curl -s "${A[@]}" -D "$WORK/multi.h" -r 0-1,10-11 "$DAV/nums.txt" -o "$WORK/multi.body"
check "multi-range is multipart/byteranges" grep -qi "^content-type: multipart/byteranges; boundary=" "$WORK/multi.h"
check "multi-range carries both parts" bash -c "grep -c 'Content-Range: bytes' '$WORK/multi.body' | grep -q 2"
check "unsatisfiable range is 416" test "$(code "$DAV/nums.txt" "${A[@]}" -r 999999-)" = 416
check "thousands of ranges is 400" test "$(code "$DAV/nums.txt" "${A[@]}" -H "Range: bytes=$(printf '0-0,%.0s' $(seq 1 3000))0-1")" = 400

# --- conditionals
ETAG=$(curl -sI "${A[@]}" "$DAV/nums.txt" | sed -n 's/^etag: *\(.*\)\r$/\1/Ip')
LM=$(curl -sI "${A[@]}" "$DAV/nums.txt" | sed -n 's/^last-modified: *\(.*\)\r$/\1/Ip')
check "GET has a strong ETag" bash -c "[[ '$ETAG' == \\\"*\\\" ]]"
check "If-None-Match matching is 304" test "$(code "$DAV/nums.txt" "${A[@]}" -H "If-None-Match: $ETAG")" = 304
check "If-Modified-Since is 304" test "$(code "$DAV/nums.txt" "${A[@]}" -H "If-Modified-Since: $LM")" = 304
check "If-Match mismatch on PUT is 412" test "$(code "$DAV/nums.txt" "${A[@]}" -T "$WORK/nums.txt" -H 'If-Match: "nope"')" = 412
check "If-None-Match * on existing PUT is 412" test "$(code "$DAV/nums.txt" "${A[@]}" -T "$WORK/nums.txt" -H 'If-None-Match: *')" = 412
check "If-Range mismatch sends the whole file" test "$(code "$DAV/nums.txt" "${A[@]}" -r 0-1 -H 'If-Range: "old"')" = 200
check "If-Range match sends the range" test "$(code "$DAV/nums.txt" "${A[@]}" -r 0-1 -H "If-Range: $ETAG")" = 206

# --- aborted upload keeps the old content; readers never see a partial file
echo "old content" > "$WORK/old.txt"
curl -sf "${A[@]}" -T "$WORK/old.txt" "$DAV/atomic.txt" -o /dev/null
head -c 20000000 /dev/urandom > "$WORK/big.bin"
curl -s "${A[@]}" --limit-rate 2M -T "$WORK/big.bin" "$DAV/atomic.txt" -o /dev/null &
UPLOAD=$!
sleep 1.5
check "during an upload readers see the old content" bash -c "curl -sf ${A[*]} '$DAV/atomic.txt' | cmp -s - '$WORK/old.txt'"
kill -KILL "$UPLOAD"; wait "$UPLOAD" 2>/dev/null || true
sleep 0.5
check "after an aborted upload the old content is intact" bash -c "curl -sf ${A[*]} '$DAV/atomic.txt' | cmp -s - '$WORK/old.txt'"

# --- hostile paths and headers
check "/dav/s/../x is refused" bash -c "c=\$(curl -s -o /dev/null -w '%{http_code}' --path-as-is ${A[*]} '$BASE/dav/s/../x'); [ \$c = 400 ] || [ \$c = 403 ]"
check "%2e%2e is refused" bash -c "c=\$(curl -s -o /dev/null -w '%{http_code}' --path-as-is ${A[*]} '$BASE/dav/s/%2e%2e/%2e%2e/x'); [ \$c = 400 ] || [ \$c = 403 ]"
check "%00 is refused" test "$(code "$DAV/a%00b" "${A[@]}")" = 400
check "encoded / in a segment is refused" test "$(code "$DAV/a%2fb" "${A[@]}")" = 400
check "a 300-byte name is refused" test "$(code "$DAV/$(printf 'x%.0s' $(seq 1 300))" "${A[@]}" -T "$WORK/old.txt")" = 400
check "MOVE to a traversing Destination is refused" test "$(code "$DAV/nums.txt" "${A[@]}" -X MOVE -H "Destination: $BASE/dav/s/%2e%2e/x")" = 400
check "COPY to another server is 502" test "$(code "$DAV/nums.txt" "${A[@]}" -X COPY -H "Destination: $BASE/elsewhere/x")" = 502
check "huge Depth is 400" test "$(code "$DAV/" "${A[@]}" -X PROPFIND -H 'Depth: 99999999999')" = 400
check "PROPFIND Depth infinity is 403" test "$(code "$DAV/" "${A[@]}" -X PROPFIND -H 'Depth: infinity')" = 403
check "Timeout overflow is 400" test "$(code "$DAV/lockme" "${A[@]}" -X LOCK -H 'Timeout: Second-99999999999999999999' --data '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>')" = 400
check "DOCTYPE in XML is 400" test "$(code "$DAV/" "${A[@]}" -X PROPFIND -H 'Depth: 0' --data '<!DOCTYPE x [<!ENTITY a "b">]><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>')" = 400
check "malformed XML is 400" test "$(code "$DAV/" "${A[@]}" -X PROPFIND -H 'Depth: 0' --data '<D:propfind xmlns:D="DAV:"><D:allprop>')" = 400
head -c 2000000 /dev/zero | tr '\0' ' ' > "$WORK/big.xml"
check "an oversized XML body is 413" test "$(code "$DAV/" "${A[@]}" -X PROPFIND -H 'Depth: 0' --data-binary @"$WORK/big.xml")" = 413

# --- listings
curl -sf "${A[@]}" -T "$WORK/old.txt" "$DAV/%3Cb%3Ex%26y.txt" -o /dev/null
check "HTML listing escapes names" bash -c "curl -sf ${A[*]} '$DAV/' | grep -q '&lt;b&gt;x&amp;y.txt'"
check "JSON listing with Accept: application/json" bash -c "curl -sf ${A[*]} -H 'Accept: application/json' '$DAV/' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(e[\"name\"]==\"<b>x&y.txt\" for e in d[\"entries\"])'"

# --- GET sends chunk bytes with sendfile, checked first (webdav.sendfile: verified)
head -c 300000 /dev/urandom > "$WORK/victim.bin"
check "PUT victim" test "$(code "$DAV/victim.bin" "${A[@]}" -T "$WORK/victim.bin")" = 201
check "GET victim is byte-identical" bash -c "curl -sf ${A[*]} '$DAV/victim.bin' | cmp -s - '$WORK/victim.bin'"
# One block, so the file's bytes are one chunk named by their SHA-256.
CHUNK=$(sha256sum "$WORK/victim.bin" | cut -c1-64)
CFILE="$WORK/data/chunks/${CHUNK:0:2}/${CHUNK:2:2}/$CHUNK"
check "the chunk file exists" test -f "$CFILE"
python3 - "$CFILE" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(os.path.getsize(sys.argv[1]) - 1000)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 0x55]))
PY
# The chunk is checked before the header goes out when its pages are cached
# (an error reply: 500); else the header has gone and the connection is cut.
rc=0; status=$(curl -s "${A[@]}" -w '%{http_code}' "$DAV/victim.bin" -o "$WORK/victim.got") || rc=$?
check "GET of a corrupt chunk fails (curl $rc, status $status) and sends none of its bytes" bash -c \
  "[ $rc -ne 0 -a ! -s '$WORK/victim.got' ] || { [ '$status' = 500 ] && grep -q 'internal error' '$WORK/victim.got'; }"
check "a Range of intact segments is still served" bash -c \
  "curl -sf ${A[*]} -r 0-65535 '$DAV/victim.bin' | cmp -s - <(head -c 65536 '$WORK/victim.bin')"
check "the server logged the corruption" grep -q "corruption" "$WORK/serve.log"
check "DELETE victim" test "$(code "$DAV/victim.bin" "${A[@]}" -X DELETE)" = 204

# --- durability across a restart
check "PUT keep" test "$(code "$DAV/keep.txt" "${A[@]}" -T "$WORK/nums.txt")" = 201
check "MKCOL dir" test "$(code "$DAV/dir" "${A[@]}" -X MKCOL)" = 201
check "PUT moved" test "$(code "$DAV/moved.txt" "${A[@]}" -T "$WORK/old.txt")" = 201
check "MOVE moved -> dir/moved2" test "$(code "$DAV/moved.txt" "${A[@]}" -X MOVE -H "Destination: $DAV/dir/moved2.txt")" = 201
check "DELETE nums" test "$(code "$DAV/nums.txt" "${A[@]}" -X DELETE)" = 204
check "SIGTERM stops the server cleanly" stop_server
check "server restarts" start_server
check "PUT survived" bash -c "curl -sf ${A[*]} '$DAV/keep.txt' | cmp -s - '$WORK/nums.txt'"
check "MKCOL survived" test "$(code "$DAV/dir/" "${A[@]}" -X PROPFIND -H 'Depth: 0')" = 207
check "MOVE survived" bash -c "curl -sf ${A[*]} '$DAV/dir/moved2.txt' | cmp -s - '$WORK/old.txt'"
check "MOVE source gone" test "$(code "$DAV/moved.txt" "${A[@]}")" = 404
check "DELETE survived" test "$(code "$DAV/nums.txt" "${A[@]}")" = 404
check "aborted upload left the old content after restart" bash -c "curl -sf ${A[*]} '$DAV/atomic.txt' | cmp -s - '$WORK/old.txt'"
# Acknowledged means durable even without a clean shutdown.
head -c 3000000 /dev/urandom > "$WORK/crash.bin"
check "PUT before a crash" test "$(code "$DAV/crash.bin" "${A[@]}" -T "$WORK/crash.bin")" = 201
check "MKCOL before a crash" test "$(code "$DAV/crashdir" "${A[@]}" -X MKCOL)" = 201
kill -KILL "$SERVER"; wait "$SERVER" 2>/dev/null || true
check "server restarts after SIGKILL" start_server
check "PUT survived SIGKILL" bash -c "curl -sf ${A[*]} '$DAV/crash.bin' | cmp -s - '$WORK/crash.bin'"
check "MKCOL survived SIGKILL" test "$(code "$DAV/crashdir/" "${A[@]}" -X PROPFIND -H 'Depth: 0')" = 207

# --- COPY of a collection with a member alice may not read: the other
# members are copied and a 207 names that one (RFC 4918 9.8.3). Only root
# can take the read bit away: through a FUSE mount of the stopped volume.
check "MKCOL tree" test "$(code "$DAV/tree" "${A[@]}" -X MKCOL)" = 201
for f in a secret z; do
  check "PUT tree/$f" test "$(code "$DAV/tree/$f" "${A[@]}" -T "$WORK/nums.txt")" = 201
done
check "SIGTERM before mounting the volume" stop_server
MNT="$WORK/mnt"  # inside the test's folder, removed with it whatever happens
mkdir "$MNT"
"$NASD" --config "$CFG" mount s "$MNT" --foreground 2>>"$WORK/mount.log" &
MOUNT=$!
PIDS+=("$MOUNT")
for _ in $(seq 1 100); do grep -q " $MNT fuse.nasd " /proc/mounts && break; sleep 0.1; done
check "chmod 000 tree/secret on the mount" chmod 000 "$MNT/tree/secret"
check "unmount" fusermount3 -u "$MNT"
wait_exit "$MOUNT" 20
check "the mount exits 0" test "$EXIT_STATUS" = 0
rmdir "$MNT" 2>/dev/null || true
check "server restarts after the mount" start_server
curl -s "${A[@]}" -X COPY -H "Destination: $DAV/tree2" -D "$WORK/copy.h" -o "$WORK/copy.xml" "$DAV/tree"
check "COPY with an unreadable member is 207" grep -q '^HTTP/1.1 207' "$WORK/copy.h"
check "the 207 names exactly that member, 403" python3 - "$WORK/copy.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
responses = ET.parse(sys.argv[1]).getroot().findall("{DAV:}response")
got = [(r.findtext("{DAV:}href"), r.findtext("{DAV:}status")) for r in responses]
assert got == [("/dav/s/tree/secret", "HTTP/1.1 403 Forbidden")], got
PY
for f in a z; do
  check "tree2/$f is a byte-identical copy" bash -c "curl -sf ${A[*]} '$DAV/tree2/$f' | cmp -s - '$WORK/nums.txt'"
done
check "tree2/secret was not made" test "$(code "$DAV/tree2/secret" "${A[@]}")" = 404
check "final SIGTERM stops the server cleanly" stop_server
finish
