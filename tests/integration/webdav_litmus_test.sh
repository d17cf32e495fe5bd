#!/usr/bin/env bash
# WebDAV compliance: the litmus suites basic, copymove, props, locks and http
# against /dav/s/ as a Basic-auth user.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/webdav_lib.sh"
cd "$WORK"

check "server starts with share and users" dav_setup
for suite in basic copymove props locks http; do
  out="$WORK/litmus-$suite.txt"
  TESTS="$suite" litmus "$DAV/" alice alice-secret-1 >"$out" 2>&1 || true
  summary=$(grep "^<- summary for \`$suite'" "$out" || echo "no summary")
  if ! grep -q " 0 failed\." <<<"$summary"; then
    fail "litmus $suite: $summary"
    grep -E "FAIL|WARNING" "$out" | sed 's/^/    /'
  else
    pass "litmus $suite: $summary"
  fi
done
check "SIGTERM stops the server cleanly" stop_server
finish
