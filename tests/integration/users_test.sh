#!/usr/bin/env bash
# Users and grants, as an operator manages them: user add (password on stdin
# and on a terminal), list, passwd, share grant/grants/revoke, user delete;
# passwords never appear in replies, logs or the metadata store.
NASD=$(realpath "$1")
source "$(dirname "$0")/lib.sh"
cd "$WORK"

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
CFG="$WORK/config.yaml"
PW="correct-horse-battery-staple"

expect_code 0 "init creates a volume" "$NASD" --config "$CFG" init --storage-path "$WORK/data" --listen "127.0.0.1:$PORT"
TOKEN=$(sed -n 's/^  admin_token: "\(.*\)"$/\1/p' "$CFG")
expect_code 0 "user --help" "$NASD" user --help
check "help lists the user subcommands" bash -c "grep -q 'passwd' '$WORK/last.out' && grep -q 'add' '$WORK/last.out'"
expect_code 0 "share grant --help" "$NASD" share grant --help
check "grant help names --read-only" grep -q -- "--read-only" "$WORK/last.out"
expect_code 2 "user add without a name is a usage error" "$NASD" --config "$CFG" user add
expect_code 2 "an invalid user name is refused locally" bash -c "echo pw | '$NASD' --config '$CFG' user add Bad"
expect_code 1 "user list without a server says so" "$NASD" --config "$CFG" user list

"$NASD" --config "$CFG" --log-format json --log-level debug serve >>"$WORK/serve.out" 2>>"$WORK/serve.log" &
SERVER=$!
PIDS+=("$SERVER")
check "server starts" wait_http "$BASE/healthz"

expect_code 0 "user list when empty" "$NASD" --config "$CFG" user list
check "empty list says how to add" grep -q "nasd user add" "$WORK/last.out"
expect_code 0 "user add alice (password on stdin)" bash -c "echo '$PW' | '$NASD' --config '$CFG' user add alice"
check "alice got the first allocated uid" grep -q "uid 10000, gid 10000" "$WORK/last.out"
expect_code 0 "user add bob with ids" bash -c "printf 'bobpw\r\n' | '$NASD' --config '$CFG' user add bob --uid 2001 --gid 100"
expect_code 1 "duplicate user refused" bash -c "echo x | '$NASD' --config '$CFG' user add alice"
check "duplicate message says it exists" grep -q "already exists" "$WORK/last.err"
expect_code 2 "empty password refused" bash -c "printf '\n' | '$NASD' --config '$CFG' user add carol"
expect_code 2 "missing password refused" bash -c "'$NASD' --config '$CFG' user add carol < /dev/null"
expect_code 2 "over-long password refused" bash -c "head -c 1025 /dev/zero | tr '\0' x | '$NASD' --config '$CFG' user add carol"
expect_code 2 "uid 0 refused" bash -c "echo pw | '$NASD' --config '$CFG' user add carol --uid 0"

# On a terminal the password is asked twice, without echo, and must match.
tty_add() {  # tty_add NAME FIRST SECOND -> exit status of `nasd user add NAME`
  python3 - "$NASD" "$CFG" "$@" <<'PY'
import os, pty, signal, sys, time
nasd, cfg, name, first, second = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(nasd, [nasd, "--config", cfg, "user", "add", name])
signal.alarm(60)  # never hang the suite; the child gets SIGHUP when we die
out = b""
def read_until(marker, secs=20):
    global out
    end = time.time() + secs
    while marker not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
read_until(b"New password: ")
os.write(fd, first.encode() + b"\n")
read_until(b"Repeat password: ")
os.write(fd, second.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}
expect_code 2 "terminal: mismatched passwords refused" tty_add carol "tty-secret-1" "tty-secret-2"
check "mismatch is explained" grep -q "do not match" "$WORK/last.out"
expect_code 0 "terminal: matching passwords accepted" tty_add carol "tty-secret-1" "tty-secret-1"
check "terminal: the password was not echoed" bash -c "! grep -q 'tty-secret' '$WORK/last.out'"

expect_code 0 "user list" "$NASD" --config "$CFG" user list
check "list shows alice, bob and carol" bash -c "grep -qE '^alice +10000 +10000' '$WORK/last.out' && grep -qE '^bob +2001 +100' '$WORK/last.out' && grep -q '^carol ' '$WORK/last.out'"
check "list shows no password or hash" bash -c "! grep -qiE 'argon|$PW|bobpw' '$WORK/last.out'"
AUTH=(-H "Authorization: Bearer $TOKEN")
check "API user list has no password or hash" bash -c "curl -sf -H 'Authorization: Bearer $TOKEN' '$BASE/api/v1/users' | grep -vqiE 'argon|password'"
# Whether or not serve accepts Basic logins (for WebDAV), they never administer.
check "API refuses a user's Basic login on the management API" bash -c "[[ \"\$(curl -s -o /dev/null -w '%{http_code}' -u 'alice:$PW' '$BASE/api/v1/users')\" =~ ^40[13]$ ]]"
check "API refuses a wrong Basic password" test "$(http_code "$BASE/api/v1/users" -u "alice:wrong")" = 401
expect_code 0 "user passwd alice" bash -c "echo 'new-$PW' | '$NASD' --config '$CFG' user passwd alice"
expect_code 1 "user passwd of an unknown user" bash -c "echo pw | '$NASD' --config '$CFG' user passwd nobody"
check "unknown user message" grep -q "does not exist" "$WORK/last.err"

expect_code 0 "share create docs" "$NASD" --config "$CFG" share create docs
expect_code 0 "share grants when none" "$NASD" --config "$CFG" share grants docs
check "no grants says how to grant" grep -q "nasd share grant docs USER" "$WORK/last.out"
expect_code 0 "grant alice read-write" "$NASD" --config "$CFG" share grant docs alice
expect_code 0 "grant bob read-only" "$NASD" --config "$CFG" share grant docs bob --read-only
expect_code 1 "grant to an unknown user" "$NASD" --config "$CFG" share grant docs nobody
expect_code 1 "grant on an unknown share" "$NASD" --config "$CFG" share grant nope alice
expect_code 2 "grant with a bad user name" "$NASD" --config "$CFG" share grant docs Bad
expect_code 0 "share grants" "$NASD" --config "$CFG" share grants docs
check "grants show alice read-write and bob read-only" bash -c "grep -qE '^alice +read-write' '$WORK/last.out' && grep -qE '^bob +read-only' '$WORK/last.out'"
expect_code 0 "revoke bob" "$NASD" --config "$CFG" share revoke docs bob
expect_code 1 "revoking again is refused" "$NASD" --config "$CFG" share revoke docs bob
check "revoke message says there is no grant" grep -q "no grant" "$WORK/last.err"
expect_code 0 "share grants after revoke" "$NASD" --config "$CFG" share grants docs
check "only alice is left" bash -c "grep -q '^alice ' '$WORK/last.out' && ! grep -q '^bob ' '$WORK/last.out'"

expect_code 0 "user delete alice" "$NASD" --config "$CFG" user delete alice
expect_code 1 "deleting alice again is refused" "$NASD" --config "$CFG" user delete alice
expect_code 0 "share grants after deleting alice" "$NASD" --config "$CFG" share grants docs
check "alice's grant went with her" bash -c "! grep -q '^alice ' '$WORK/last.out'"
expect_code 0 "user list after delete" "$NASD" --config "$CFG" user list
check "alice is gone, bob stays" bash -c "! grep -q '^alice ' '$WORK/last.out' && grep -q '^bob ' '$WORK/last.out'"

kill -TERM "$SERVER"
wait_exit "$SERVER" 30
check "SIGTERM exits 0" test "$EXIT_STATUS" = 0
check "no password in the server log" bash -c "! grep -qE '$PW|bobpw|tty-secret' '$WORK/serve.log' '$WORK/serve.out'"
check "no password in the metadata store" bash -c "! grep -rqaE '$PW|bobpw|tty-secret' '$WORK/data'"
check "the store holds Argon2id hashes" grep -rqa 'argon2id' "$WORK/data"

finish
