#!/usr/bin/env bash
# Interruptions of `dandori run` as users cause them (issue 10), on real SQLite stores:
#   * stdout closed early (`| head -1`): the job still completes (no SIGPIPE death);
#   * SIGKILL mid-job, then `resume`: succeeds, no task failed, no attempt spent;
#   * two Ctrl-C: exits leaving the job resumable, says how; `resume` finishes it;
#   * the store truncated mid-run: exit 2, never "succeeded".
set -uo pipefail
D="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*"; exit 1; }
# Waits (up to 20 s, a loaded machine starts slowly) until job 1 of store $1 has a
# task started, so the interruption lands mid-job.
wait_started() {
  for _ in $(seq 200); do
    "$D" events 1 --store "$1" 2>/dev/null | grep -q task.started && return 0
    sleep 0.1
  done
  fail "job 1 of $1 never started"
}
cat > long.flow <<'FLOW'
workflow long() {
  foreach i in range(400) parallel 8 {
    stage s = sleep(25ms)
  }
}
FLOW

"$D" run long.flow --store pipe.db | head -1 > /dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "run | head -1 exited $rc"
"$D" status 1 --store pipe.db | grep -q succeeded || fail "job not succeeded after | head -1"

"$D" run long.flow --store kill.db > /dev/null 2>&1 &
pid=$!
wait_started kill.db
kill -9 "$pid"
wait "$pid" 2>/dev/null
"$D" resume 1 --store kill.db > resume.out 2>&1 || { tail -n 5 resume.out; fail "resume after kill -9"; }
grep -q "job 1 succeeded" resume.out || fail "resume did not succeed"
"$D" events 1 --store kill.db > events.out
if grep -q "task.failed" events.out; then fail "an interrupted task was failed"; fi

cat > stubborn.flow <<'FLOW'
workflow stubborn() {
  foreach i in range(4) parallel 4 {
    stage s = exec(["sh", "-c", "trap '' INT TERM; sleep 3"])
  }
}
FLOW
"$D" run stubborn.flow --store int.db > int.out 2> int.err &
pid=$!
wait_started int.db
sleep 0.3
kill -INT "$pid"
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "double Ctrl-C exited $rc"
grep -q "dandori resume 1" int.err || fail "no resume hint after double Ctrl-C"
"$D" status 1 --store int.db | grep -q running || fail "job not left resumable"

"$D" run long.flow --store trunc.db > trunc.out 2> trunc.err &
pid=$!
wait_started trunc.db
truncate -s 0 trunc.db
wait "$pid"
rc=$?
if grep -q "succeeded" trunc.out; then fail "reported success on a truncated store"; fi
[ "$rc" = 2 ] || fail "truncated store: exit $rc, want 2"
echo "interrupt_test: ok"
