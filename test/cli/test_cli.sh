#!/usr/bin/env bash
# test_cli.sh SYSV CASE: drives the installed sysv command (SYSV, the path
# to bin/sysv in a scratch install) through one test case, t_CASE below.
#
# ctest runs each case under sysv-ipc-guard, in a private IPC namespace
# where one can be had (SYSV_IPC_HERMETIC=1): the guard fails a case that
# leaves an object behind. Cases that list or remove every object need that
# namespace, and skip (status 77, with the reason) without it. Each case
# also removes what it made on its way out, pass or fail.
#
# A case fails through fail(), which names the line; nothing sleeps to make
# a race go away: where a case must know that a process is blocked, it
# waits for the kernel to say so (ncount, or the syscall in /proc).
set -uo pipefail

SYSV=$1
CASE=$2
WORK=$(mktemp -d)
MADE=() # "kind id" of every object a case made, for the cleanup

cleanup() {
  local entry
  for entry in "${MADE[@]+"${MADE[@]}"}"; do
    # shellcheck disable=SC2086
    "$SYSV" rm $entry >/dev/null 2>&1 || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  local where="" i
  for ((i = 1; i < ${#FUNCNAME[@]} - 1; i++)); do
    where+="${where:+ < }${FUNCNAME[i]}:${BASH_LINENO[i - 1]}"
  done
  echo "FAIL ($CASE, at $where): $*" >&2
  if [ -s "$WORK/err" ]; then
    echo "--- stderr of the last command:" >&2
    head -c 2000 "$WORK/err" >&2
  fi
  exit 1
}

skip() {
  echo "SKIP ($CASE): $*" >&2
  exit 77
}

need_hermetic() {
  [ "${SYSV_IPC_HERMETIC:-0}" = 1 ] ||
    skip "needs a private IPC namespace (root or user namespaces): $*"
}

# run STATUS ARGS...: runs sysv, stdout to $WORK/out, stderr to $WORK/err,
# and fails unless it exits with STATUS.
run() {
  local want=$1
  shift
  "$SYSV" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  local got=$?
  [ "$got" = "$want" ] || fail "sysv $* exited $got, expected $want"
}

# run_in FILE STATUS ARGS...: the same, with stdin from FILE.
run_in() {
  local in=$1 want=$2
  shift 2
  "$SYSV" "$@" >"$WORK/out" 2>"$WORK/err" <"$in"
  local got=$?
  [ "$got" = "$want" ] || fail "sysv $* <$in exited $got, expected $want"
}

out() { cat "$WORK/out"; }
eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; }
err_has() { grep -q -- "$1" "$WORK/err" || fail "stderr lacks '$1'"; }

# mk KIND ARGS...: sysv mk, remembered for the cleanup; sets ID.
mk() {
  local kind=$1
  run 0 mk "$@"
  ID=$(out | awk '{print $1}')
  [[ $ID =~ ^[0-9]+$ ]] || fail "mk printed '$(out)'"
  MADE+=("$kind $ID")
}

# A key no other test run uses: the guard's namespace is usually private,
# but the suite must be right in a shared one too.
unique_name() { echo "cli-$CASE-$$-$RANDOM"; }

# json FILE PYTHON: runs PYTHON with `doc` the parsed FILE; an assert that
# fails, or a document that does not parse, fails the case.
json() {
  "$PYTHON" -c "
import json, sys
doc = json.load(open(sys.argv[1]))
$2
" "$1" || fail "JSON check failed on $(head -c 400 "$1")"
}

# The numbers of msgrcv and semtimedop (which glibc's semop calls), as
# /proc/PID/syscall shows them.
case $(uname -m) in
  x86_64) NR_MSGRCV=70 NR_SEMTIMEDOP=220 ;;
  aarch64 | riscv64) NR_MSGRCV=188 NR_SEMTIMEDOP=192 ;;
  *) NR_MSGRCV= NR_SEMTIMEDOP= ;;
esac

# wait_blocked PID SYSCALL: until the process is asleep in that system call,
# at most 10 s.
wait_blocked() {
  local pid=$1 nr=$2 i
  [ -n "$nr" ] || skip "no system call numbers for $(uname -m) in this test"
  for ((i = 0; i < 1000; i++)); do
    if [ -r "/proc/$pid/syscall" ] && [ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = "$nr" ]; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "process $pid ended before it blocked"
    sleep 0.01
  done
  fail "process $pid never blocked in system call $nr"
}

# ---- The cases --------------------------------------------------------------

t_help_and_usage() {
  run 0 help
  grep -q "^usage: sysv COMMAND" "$WORK/out" || fail "help has no usage line"
  local c
  for c in ls show mk rm chmod chown qbytes send recv peek "sem op" "sem get" "sem set" \
           "sem setall" "shm read" "shm write"; do
    # shellcheck disable=SC2086
    run 0 $c --help
    grep -q "^usage: sysv $c" "$WORK/out" || fail "'$c --help' lacks its usage"
    # shellcheck disable=SC2086
    run 0 help $c
    grep -q "^usage: sysv $c" "$WORK/out" || fail "'help $c' lacks its usage"
  done
  run 2
  run 2 frobnicate
  err_has "no command 'frobnicate'"
  run 2 help frobnicate
  run 2 sem
  run 2 sem frob
  run 2 ls --frob
  err_has "unknown option '--frob'"
  err_has "usage: sysv ls"
  run 0 --version
  grep -Eq '^sysv [0-9]+\.[0-9]+\.[0-9]+ \(libsysv [0-9.]+\)$' "$WORK/out" || fail "version: $(out)"
}

t_queue_by_type() {
  local name
  name=$(unique_name)
  mk msg --name "$name"
  local q="name:$name"
  run 0 send "$q" --type 1 one
  run 0 send "$q" --type 3 three
  run 0 send "$q" --type 2 two
  run 0 send "$q" --type 3 three-again
  run 0 peek "$q" --all
  eq "$(out | awk 'NR > 1 {print $2}' | tr '\n' ' ')" "1 3 2 3 " "queued types"
  run 0 recv "$q" --type 3
  eq "$(out)" "three" "first of type 3"
  err_has "type 3, 5 bytes"
  run 0 recv "$q" --type -2
  eq "$(out)" "one" "lowest type up to 2"
  run 0 recv "$q" --except 2
  eq "$(out)" "three-again" "first not of type 2"
  run 3 recv "$q" --type 3 --nowait
  err_has "sysv: recv: queue 0x[0-9a-f]\{8\}: no message of type 3 (ENOMSG)"
  run 0 recv "$q" --count 1 --quiet
  eq "$(out)" "two" "the last one"
  [ ! -s "$WORK/err" ] || fail "--quiet printed: $(cat "$WORK/err")"
  run 3 recv "$q" --nowait
  run 0 rm msg "$q"
  grep -q "^removed queue $ID (key 0x" "$WORK/out" || fail "rm said: $(out)"
  run 1 send "$q" hello
  err_has "no queue has this key"
}

t_binary_payloads() {
  mk msg
  local q=$ID
  head -c 5000 /dev/urandom >"$WORK/blob"
  printf 'a\0b\0\377\n' >"$WORK/small"
  run 0 send "$q" --type 7 --file "$WORK/blob"
  run_in "$WORK/small" 0 send "$q" --type 8
  run 0 peek "$q" --index 1
  cmp -s "$WORK/out" "$WORK/small" || fail "peek changed the bytes"
  run 0 peek "$q" --json
  cp "$WORK/out" "$WORK/peek.json"
  json "$WORK/peek.json" "
import base64
assert doc['type'] == 7 and doc['length'] == 5000 and doc['encoding'] == 'base64', doc
assert base64.b64decode(doc['data']) == open('$WORK/blob', 'rb').read()"
  run 0 recv "$q"
  cmp -s "$WORK/out" "$WORK/blob" || fail "5000 random bytes did not come back unchanged"
  err_has "type 7, 5000 bytes"
  run 0 recv "$q"
  cmp -s "$WORK/out" "$WORK/small" || fail "NUL and 0xff bytes did not come back unchanged"

  mk shm 8K
  local seg=$ID
  run_in "$WORK/blob" 0 shm write "$seg" --offset 100
  run 0 shm read "$seg" --offset 100 --length 5000
  cmp -s "$WORK/out" "$WORK/blob" || fail "the segment changed the bytes"
  run 0 shm read "$seg"
  eq "$(stat -c %s "$WORK/out")" 8192 "whole-segment read"
}

t_json_documents() {
  mk msg
  local q=$ID
  run 0 send "$q" --type 3 "héllo, \"world\""
  printf '\200\201' >"$WORK/bad-utf8"
  run 0 send "$q" --type 4 --file "$WORK/bad-utf8"
  mk sem 2 --init 4,0
  local s=$ID
  mk shm 4096
  local m=$ID
  for doc in "ls --json" "ls msg --json" "show msg $q --json" "show sem $s --json" \
             "show shm $m --json" "peek $q --all --json" "ls --limits --json" \
             "ls --summary --json"; do
    # shellcheck disable=SC2086
    run 0 $doc
    "$PYTHON" -m json.tool "$WORK/out" >/dev/null || fail "sysv $doc is not JSON"
  done
  run 0 ls --json
  cp "$WORK/out" "$WORK/ls.json"
  json "$WORK/ls.json" "
ints = {'sharedmemory': ['key', 'id', 'size', 'nattch', 'cpid', 'lpid', 'cuid', 'cgid', 'uid', 'gid'],
        'messages': ['key', 'id', 'usedbytes', 'msgs', 'lspid', 'lrpid', 'cuid', 'cgid', 'uid', 'gid'],
        'semaphores': ['key', 'id', 'nsems', 'cuid', 'cgid', 'uid', 'gid']}
for section, names in ints.items():
    assert isinstance(doc[section], list), section
    for obj in doc[section]:
        for n in names:
            assert type(obj[n]) is int, (section, n, obj[n])
        for n in ['perms', 'owner', 'cuser', 'cgroup', 'user', 'group']:
            assert type(obj[n]) is str, (section, n)
        assert type(obj['ctime']) is int
mine = [o for o in doc['messages'] if o['id'] == $q][0]
assert mine['msgs'] == 2 and mine['usedbytes'] == len('héllo, \"world\"'.encode()) + 2, mine
assert mine['perms'] == 'rw-------' and mine['mode'] == 0o600, mine
assert [o for o in doc['semaphores'] if o['id'] == $s][0]['nsems'] == 2
assert [o for o in doc['sharedmemory'] if o['id'] == $m][0]['size'] == 4096"

  run 0 show sem "$s" --json
  cp "$WORK/out" "$WORK/sem.json"
  json "$WORK/sem.json" "
[obj] = doc['semaphores']
assert [e['value'] for e in obj['elements']] == [4, 0], obj
assert all(type(e[k]) is int for e in obj['elements'] for k in ('semnum', 'ncount', 'zcount', 'pid'))"

  run 0 show msg "$q" --json
  cp "$WORK/out" "$WORK/msg.json"
  json "$WORK/msg.json" "
[obj] = doc['messages']
assert [(m['index'], m['type'], m['length']) for m in obj['queued']] == [(0, 3, 15), (1, 4, 2)], obj
assert obj['qbytes'] > 0"

  run 0 recv "$q" --json
  cp "$WORK/out" "$WORK/recv.json"
  json "$WORK/recv.json" "
assert doc == {'type': 3, 'length': 15, 'encoding': 'text', 'data': 'héllo, \"world\"'}, doc"
  run 0 recv "$q" --json --count 1
  cp "$WORK/out" "$WORK/recv2.json"
  json "$WORK/recv2.json" "
assert doc == {'messages': [{'type': 4, 'length': 2, 'encoding': 'base64', 'data': 'gIE='}]}, doc"

  run 0 ls --limits --json
  cp "$WORK/out" "$WORK/limits.json"
  json "$WORK/limits.json" "
rows = {r['resource']: r for r in doc['ipclimits']}
assert rows['MSGMAX']['limit'] == int(open('/proc/sys/kernel/msgmax').read())
assert rows['MSGMAX']['used'] is None
assert type(rows['MSGMNI']['used']) is int and rows['MSGMNI']['used'] >= 1
assert type(rows['SEMMNS']['use%']) in (int, float)"
}

# The same objects as ipcs and lsipc see them, field by field.
t_matches_lsipc() {
  need_hermetic "it compares whole listings"
  mk msg --key 0x5eed0001 --mode 0640
  local q=$ID
  run 0 send "$q" --type 1 12345
  run 0 send "$q" --type 2 abc
  mk sem 3 --key 0x5eed0002
  mk shm 12288 --mode 0604
  run 0 ls --json
  cp "$WORK/out" "$WORK/mine.json"
  lsipc --json --bytes -q -o KEY,ID,PERMS,OWNER,USEDBYTES,MSGS,LSPID,LRPID >"$WORK/q.json" ||
    fail "lsipc -q"
  lsipc --json --bytes -s -o KEY,ID,PERMS,OWNER,NSEMS >"$WORK/s.json" || fail "lsipc -s"
  lsipc --json --bytes -m -o KEY,ID,PERMS,OWNER,SIZE,NATTCH,CPID,LPID >"$WORK/m.json" || fail "lsipc -m"
  json "$WORK/mine.json" "
theirs = {}
for f in ('q', 's', 'm'):
    theirs.update(json.load(open('$WORK/' + f + '.json')))
def num(v):
    return int(str(v).rstrip('B'), 0)
for section in ('messages', 'semaphores', 'sharedmemory'):
    a = sorted(doc[section], key=lambda o: o['id'])
    b = sorted(theirs[section], key=lambda o: int(o['id']))
    assert len(a) == len(b) > 0, (section, a, b)
    for x, y in zip(a, b):
        for name, value in y.items():
            if name in ('perms', 'owner'):
                assert value == x[name], (section, name, x, y)
            else:
                assert num(value) == x[name], (section, name, x[name], value)
"
  # ipcs prints the same ids and keys.
  ipcs -q >"$WORK/ipcs" || fail "ipcs"
  grep -Eq "^0x5eed0001 +$q +root +640 +8 +2" "$WORK/ipcs" || fail "ipcs -q: $(cat "$WORK/ipcs")"
}

# Objects go both ways between sysv and util-linux's ipcmk / ipcs / ipcrm.
t_ipcmk_interop() {
  local q s m
  q=$(ipcmk -Q -p 0600 | awk '{print $NF}') || fail "ipcmk -Q"
  MADE+=("msg $q")
  s=$(ipcmk -S 2 -p 0600 | awk '{print $NF}') || fail "ipcmk -S"
  MADE+=("sem $s")
  m=$(ipcmk -M 4096 -p 0600 | awk '{print $NF}') || fail "ipcmk -M"
  MADE+=("shm $m")
  run 0 send "$q" --type 5 "from sysv"
  run 0 recv "$q" --type 5
  eq "$(out)" "from sysv" "a message through ipcmk's queue"
  run 0 sem setall "$s" 2,0
  run 0 sem op "$s" 0-1,1+1
  run 0 sem get "$s"
  eq "$(out)" "1,1" "values of ipcmk's set"
  echo -n "written by sysv" | "$SYSV" shm write "$m" || fail "shm write"
  run 0 shm read "$m" --length 15
  eq "$(out)" "written by sysv" "ipcmk's segment"
  run 0 show msg "$q"
  run 0 rm msg "$q"
  run 0 rm sem "$s"
  run 0 rm shm "$m"
  ipcs -q -i "$q" 2>&1 | grep -q "not found" || fail "the queue is still there"

  # The other way: made by sysv, seen by ipcs, removed by ipcrm.
  mk msg --key 0x5eed0003
  local id=$ID
  ipcs -q -i "$id" | grep -q "msqid=$id" || fail "ipcs -q -i does not show the queue"
  ipcs -q | grep -Eq "^0x5eed0003 +$id " || fail "ipcs -q does not list the queue"
  ipcrm -q "$id" || fail "ipcrm -q $id"
  run 1 show msg "$id"
  err_has "no queue has this id"
  mk sem 1
  ipcrm -s "$ID" || fail "ipcrm -s"
  mk shm 1K
  ipcrm -m "$ID" || fail "ipcrm -m"
}

t_sem_op_atomic() {
  mk sem 2 --init 1,0
  local s=$ID
  # Take from 0 and from 1 together: 1 has nothing, so neither happens.
  run 3 sem op "$s" 0-1,1-1 --nowait
  err_has "would block: none done"
  run 0 sem get "$s"
  eq "$(out)" "1,0" "values after a refused pair"
  # n on one operation is enough to make the whole call not wait.
  run 3 sem op "$s" 0-1,1-1n
  run 0 sem op "$s" 0-1,1+2
  run 0 sem get "$s"
  eq "$(out)" "0,2" "values after a done pair"
  run 0 sem op "$s" 0=0
  run 3 sem op "$s" 1=0 --nowait
  # u: the kernel undoes it when the process (this sysv) exits.
  run 0 sem op "$s" 1-2u
  run 0 sem get "$s" 1
  eq "$(out)" 2 "value after the undone operation"
  run 0 sem op "$s" 1-2
  run 0 sem get "$s" 1
  eq "$(out)" 0 "value after the kept operation"
  # A waiter in another process is let through by a post.
  "$SYSV" sem op "$s" 1-1 >"$WORK/waiter.out" 2>&1 &
  local pid=$!
  local i ncount=0
  for ((i = 0; i < 1000 && ncount != 1; i++)); do
    "$SYSV" show sem "$s" --json >"$WORK/show.json" || fail "show"
    ncount=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['semaphores'][0]['elements'][1]['ncount'])" "$WORK/show.json")
    [ "$ncount" = 1 ] || sleep 0.01
  done
  eq "$ncount" 1 "waiters on semaphore 1"
  run 0 sem op "$s" 1+1
  wait "$pid"
  eq "$?" 0 "the waiter's status"
  run 0 sem get "$s" 1
  eq "$(out)" 0 "value after the waiter took its unit"
  run 0 sem set "$s" 0 7
  run 0 sem get "$s" 0
  eq "$(out)" 7 "value after sem set"
  run 1 sem op "$s" 5-1
  err_has "index 5 is past the set's 2 semaphore(s)"
  run 1 sem op "$s" 0+32767
  err_has "ERANGE"
}

t_wait_statuses() {
  mk msg
  local q=$ID
  local t0 t1
  t0=$(date +%s%N)
  run 4 recv "$q" --timeout 200ms
  t1=$(date +%s%N)
  [ $(((t1 - t0) / 1000000)) -ge 200 ] || fail "recv --timeout 200ms gave up after $(((t1 - t0) / 1000000)) ms"
  err_has "(ETIMEDOUT)"
  run 3 recv "$q" --nowait
  err_has "(ENOMSG)"
  run 2 recv "$q" --nowait --timeout 1s
  run 2 recv "$q" --timeout 25h
  run 2 recv "$q" --timeout 1h
  run 2 recv "$q" --timeout .5s
  # A full queue: send would block.
  run 0 qbytes "$q" 16
  run 0 send "$q" 0123456789abcdef
  run 3 send "$q" x --nowait
  err_has "the queue is full"
  run 4 send "$q" x --timeout 50ms
  run 1 send "$q" 0123456789abcdefX
  err_has "(EMSGSIZE)"
  mk sem 1
  run 4 sem op "$ID" 0-1 --timeout 0.1s
  run 3 sem op "$ID" 0-1 --nowait
}

# Ctrl-C on a blocked recv or sem op ends it at once, having taken nothing.
t_interrupt_takes_nothing() {
  mk msg
  local q=$ID
  run 0 send "$q" --type 1 "not for the waiter"
  "$SYSV" recv "$q" --type 5 >"$WORK/rx.out" 2>"$WORK/rx.err" &
  local pid=$!
  wait_blocked "$pid" "$NR_MSGRCV"
  kill -INT "$pid"
  local status
  wait "$pid"
  status=$?
  eq "$status" 130 "recv's status after SIGINT"
  grep -q "interrupted: no message taken (EINTR)" "$WORK/rx.err" || fail "recv said: $(cat "$WORK/rx.err")"
  [ ! -s "$WORK/rx.out" ] || fail "recv printed a payload"
  run 0 ls msg --json
  cp "$WORK/out" "$WORK/ls.json"
  json "$WORK/ls.json" "assert [o['msgs'] for o in doc['messages'] if o['id'] == $q] == [1]"

  mk sem 1 --init 0
  local s=$ID
  "$SYSV" sem op "$s" 0-1u >"$WORK/op.out" 2>&1 &
  pid=$!
  wait_blocked "$pid" "$NR_SEMTIMEDOP"
  kill -TERM "$pid"
  wait "$pid"
  status=$?
  eq "$status" 130 "sem op's status after SIGTERM"
  run 0 sem op "$s" 0+1
  run 0 sem get "$s" 0
  eq "$(out)" 1 "the value: the interrupted take took nothing"
}

t_hostile_input() {
  mk msg
  local q=$ID
  mk sem 2
  local s=$ID
  mk shm 4K
  local m=$ID
  local args
  # Bad usage: status 2, whatever the objects.
  while IFS= read -r args; do
    [ -n "$args" ] || continue
    eval "set -- $args"
    run 2 "$@"
    [ -s "$WORK/err" ] || fail "sysv $args said nothing"
  done <<EOF
mk shm 4KB
mk shm -1
mk shm 0
mk shm 18446744073709551616
mk shm 1.5K
mk shm ''
mk sem 0
mk sem 3 --init 1,2
mk sem 2 --init 1,40000
mk sem 2 --init 1,,2
mk msg --mode 0800
mk msg --mode 77777
mk msg --key 0xfffffffff
mk msg --key ''
mk msg --excl
mk msg --init 1
mk bogus
send $q --type 0 x
send $q --type -3 x
send $q --type 99999999999999999999 x
send $q x --file /etc/hosts
recv $q --count 0
recv $q --type 1 --except 2
recv $q --except 0
recv $q --truncate
recv $q --size 4X
peek $q --index -1
peek $q --index 1e3
sem op $s 0-1uu
sem op $s 0+0
sem op $s 0=5
sem op $s x
sem op $s 0-
sem op $s ,
sem op $s 0-99999
sem set $s 0 -1
sem set $s 0 32768
sem setall $s 1
sem setall $s 1,2,3
shm read $m --offset 1Q
shm read $m --length -5
chmod msg $q 1000
chmod msg $q rwx
chown msg $q nosuchuser-xyz
qbytes $q 0
qbytes $q 12abc
show msg 12abc
show msg -5
show bogus 1
rm msg
ls bogus
ls --limits msg
EOF
  # Names that do not exist, or of the wrong kind: status 1, nothing done.
  run 1 show msg 2147483647
  err_has "no queue has this id"
  run 1 recv 0x7fff1234 --nowait
  err_has "no queue has this key"
  run 1 shm read path:/nonexistent/file:1
  err_has "(ENOENT)"
  run 1 sem op "$s" 2-1
  run 1 shm read "$m" --offset 4000 --length 100
  err_has "pass the end of the segment"
  head -c 5000 /dev/zero >"$WORK/big"
  run_in "$WORK/big" 1 shm write "$m"
  err_has "nothing copied"
  run 0 shm read "$m" --length 16
  eq "$(od -An -tx1 "$WORK/out" | tr -d ' \n')" "00000000000000000000000000000000" "segment after a refused write"
  # Permission denied, as nobody: status 1, named, nothing changed.
  run 0 send "$q" secret
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SYSV" recv "$q" --nowait >"$WORK/out" 2>"$WORK/err"
  eq "$?" 1 "recv as nobody"
  err_has "(EACCES)"
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SYSV" rm msg "$q" >"$WORK/out" 2>"$WORK/err"
  eq "$?" 1 "rm as nobody"
  err_has "(EPERM)"
  run 0 recv "$q"
  eq "$(out)" "secret" "the message nobody could not take"
}

t_permissions() {
  mk msg --mode 0600
  local q=$ID
  run 0 chmod msg "$q" 0640
  run 0 show msg "$q" --json
  cp "$WORK/out" "$WORK/a.json"
  json "$WORK/a.json" "assert doc['messages'][0]['perms'] == 'rw-r-----'"
  run 0 chown msg "$q" nobody:65534
  run 0 show msg "$q" --json
  cp "$WORK/out" "$WORK/b.json"
  json "$WORK/b.json" "
o = doc['messages'][0]
assert o['uid'] == 65534 and o['gid'] == 65534 and o['cuid'] == 0, o"
  run 0 chown msg "$q" :0
  run 0 chown msg "$q" 0
  run 0 qbytes "$q" 1K
  ipcs -q -i "$q" | grep -q "qbytes=1024" || fail "ipcs does not show qbytes=1024"
  run 2 chown msg "$q" :
  # The default mode of every kind is 0600, and --mode is taken as given.
  mk sem 1
  run 0 show sem "$ID" --json
  cp "$WORK/out" "$WORK/c.json"
  json "$WORK/c.json" "assert doc['semaphores'][0]['mode'] == 0o600"
  mk shm 1 --mode 0644
  run 0 show shm "$ID" --json
  cp "$WORK/out" "$WORK/d.json"
  json "$WORK/d.json" "assert doc['sharedmemory'][0]['perms'] == 'rw-r--r--'"
}

t_keys() {
  local name
  name=$(unique_name)
  mk msg --name "$name"
  local id=$ID key
  key=$(awk '{print $2}' "$WORK/out")
  [[ $key =~ ^0x[0-9a-f]{8}$ ]] || fail "mk printed key '$key'"
  run 0 show msg "$key"
  run 0 show msg "name:$name"
  run 0 show msg "key:$((key))"
  run 0 show msg "id:$id"
  grep -q "^ID: *$id$" "$WORK/out" || fail "show by id:"
  # --excl: an existing key is an error; without it, the object is reused.
  run 1 mk msg --name "$name" --excl
  err_has "(EEXIST)"
  run 0 mk msg --name "$name"
  eq "$(out | awk '{print $1}')" "$id" "id of the reused queue"
  err_has "exists already: not created"
  touch "$WORK/ftok-file"
  mk sem 1 --path "$WORK/ftok-file:7"
  run 0 show sem "path:$WORK/ftok-file:7"
  run 2 show sem private
}

t_rm_all() {
  need_hermetic "rm --all removes every object in the namespace"
  mk msg
  mk sem 1
  # nobody's own objects, which --mine run as nobody removes and no others.
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SYSV" mk msg --mode 0600 >"$WORK/out" ||
    fail "mk as nobody"
  MADE+=("msg $(out)")
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SYSV" mk shm 1K >"$WORK/out" ||
    fail "mk as nobody"
  MADE+=("shm $(out)")
  setpriv --reuid=65534 --regid=65534 --clear-groups "$SYSV" rm --all --mine >"$WORK/out" 2>"$WORK/err" ||
    fail "rm --all --mine as nobody"
  eq "$(grep -c '^removed' "$WORK/out")" 2 "objects nobody removed"
  run 0 ls --summary --json
  cp "$WORK/out" "$WORK/s.json"
  json "$WORK/s.json" "
s = doc['summary']
assert (s['messages']['queues'], s['semaphores']['sets'], s['sharedmemory']['segments']) == (1, 1, 0), s"
  run 0 rm --all msg
  eq "$(grep -c '^removed queue' "$WORK/out")" 1 "queues removed"
  run 0 rm --all
  eq "$(grep -c '^removed set' "$WORK/out")" 1 "sets removed"
  run 0 ls --raw --noheadings
  eq "$(out)" "" "objects left"
}

t_listing_columns() {
  mk msg
  local q=$ID
  run 0 send "$q" hi
  run 0 ls msg --time --pid --creator
  head -n 1 "$WORK/out" | grep -q "KEY *ID *OWNER *PERMS *USEDBYTES *MSGS *SEND *RECV *CTIME *LSPID *LRPID *CUID" ||
    fail "columns: $(head -n 1 "$WORK/out")"
  run 0 ls msg --raw --noheadings
  awk -v q="$q" '$2 == q {found = 1; if ($5 != 2 || $6 != 1) exit 1} END {exit !found}' "$WORK/out" ||
    fail "raw row: $(out)"
  run 0 ls --mine --raw --noheadings
  grep -q " $q " "$WORK/out" || fail "--mine lost root's queue"
  run 0 ls --limits
  grep -q "^MSGMNI " "$WORK/out" || fail "--limits: $(out)"
  run 0 ls --summary
  grep -q "^message queues: [1-9]" "$WORK/out" || fail "--summary: $(out)"
}

t_installed_files() {
  local prefix
  prefix=$(cd "$(dirname "$SYSV")/.." && pwd)
  readelf -d "$SYSV" | grep -Eq 'R(UN)?PATH.*\$ORIGIN/\.\./lib' || fail "bin/sysv does not find its library relative to itself"
  local lib
  lib=$(ldd "$SYSV" | awk '/libsysv\.so\.0/ {print $3}')
  [ "$(realpath "$lib")" = "$(realpath "$prefix"/lib*/libsysv.so.0)" ] ||
    fail "bin/sysv does not use the installed library: $(ldd "$SYSV")"
  [ -f "$prefix/share/man/man1/sysv.1" ] || fail "sysv.1 is not installed"
  local completion=$prefix/share/bash-completion/completions/sysv
  [ -f "$completion" ] || fail "the completion is not installed"
  # The completion, sourced into a shell, offers the commands and the
  # kinds (no bash-completion package needed).
  local got
  got=$(bash -c 'source "$1"
    COMP_WORDS=(sysv s); COMP_CWORD=1; COMP_LINE="sysv s"; COMP_POINT=${#COMP_LINE}
    _sysv; echo "${COMPREPLY[*]}"
    COMP_WORDS=(sysv show ""); COMP_CWORD=2; COMP_LINE="sysv show "; COMP_POINT=${#COMP_LINE}
    _sysv; echo "${COMPREPLY[*]}"' _ "$completion") || fail "the completion failed"
  eq "$(echo "$got" | head -n 1 | tr ' ' '\n' | sort | tr '\n' ' ')" "sem send shm show " "completions of 's'"
  eq "$(echo "$got" | sed -n 2p | tr ' ' '\n' | sort | tr '\n' ' ')" "msg sem shm " "kinds after show"
  # Every command the man page documents is one sysv knows, and the other
  # way round.
  local c
  for c in ls show mk rm chmod chown qbytes send recv peek "sem op" "sem get" "sem set" \
           "sem setall" "shm read" "shm write"; do
    grep -q "^\\.SS \"sysv $c " "$prefix/share/man/man1/sysv.1" ||
      fail "sysv.1 does not document '$c'"
  done
}

# ---- Dispatch ---------------------------------------------------------------

[ -x "$SYSV" ] || fail "no sysv at $SYSV"
# The interpreter itself, not a version manager's shim: cases call it often.
PYTHON=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 is missing (.ci/deps.sh installs it)"
declare -F "t_$CASE" >/dev/null || fail "no case t_$CASE"
"t_$CASE"
echo "PASS ($CASE)"
