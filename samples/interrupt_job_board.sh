#!/usr/bin/env bash
# interrupt_job_board.sh PROGRAM: starts the job board on a long run, waits
# until its workers are taking jobs, then sends SIGINT to its whole process
# group, as Ctrl-C in a terminal does. It must exit with status 130 and
# remove its queue, segment and mutex: the guard around this script fails
# the test for any object left.
set -uo pipefail
prog=$1
out=$(mktemp)
setsid "$prog" --jobs 1000000 >"$out" 2>&1 &
pid=$!
# setsid takes it out of the guard's process group: on any way out, make
# sure none of it runs on.
trap 'kill -KILL -- "-$pid" 2>/dev/null; rm -f "$out"' EXIT
# Its own session, so the group id is its pid. Wait (at most 20 s) until
# it dispatches: by then every object exists and the workers are busy.
for ((i = 0; i < 2000; i++)); do
  grep -q "^== Dispatch" "$out" && break
  kill -0 "$pid" 2>/dev/null || { cat "$out"; echo "FAIL: it ended early"; exit 1; }
  sleep 0.01
done
grep -q "^== Dispatch" "$out" || { cat "$out"; echo "FAIL: it never got going"; exit 1; }
kill -INT -- "-$pid"
wait "$pid"
status=$?
cat "$out"
[ "$status" = 130 ] || { echo "FAIL: exit status $status, expected 130"; exit 1; }
grep -q "interrupted: everything removed" "$out" || { echo "FAIL: no word of the cleanup"; exit 1; }
echo "PASS: interrupted, status 130, everything removed"
