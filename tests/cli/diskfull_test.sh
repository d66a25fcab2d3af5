#!/usr/bin/env bash
# A full disk under `dandori run` (issue 10), on a real SQLite store in a small tmpfs the
# test mounts: the disk fills mid-job, `run` stops with a clear error; after the space is
# freed, `dandori resume` finishes the job with no failed task (the attempts cut by the
# full disk are interrupted, run again free: task.interrupted). Skipped, with a message,
# where mounting is not permitted (not root, no CAP_SYS_ADMIN, a restricted container).
set -uo pipefail
D="$1"
T=$(mktemp -d)
M="$T/m"
mkdir -p "$M"
cleanup() {
  umount "$M" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
if ! mount -t tmpfs -o size=16m tmpfs "$M" 2>"$T/mount.err"; then
  echo "SKIP: cannot mount a tmpfs here ($(head -c 200 "$T/mount.err")); the disk-full test needs root or CAP_SYS_ADMIN"
  exit 77
fi
cd "$T"
cat > full.flow <<'FLOW'
workflow full() {
  foreach i in range(3000) parallel 32 {
    stage s = sleep(20ms)
  }
}
FLOW
"$D" run full.flow --store "$M/state.db" > run.out 2>&1 &
pid=$!
# Mid-job: more than 100 tasks done (up to 30 s on a loaded machine).
done_before=0
for _ in $(seq 300); do
  done_before=$("$D" status 1 --store "$M/state.db" 2>/dev/null | awk '$1=="s"{print $2}')
  [ -n "$done_before" ] && [ "$done_before" -gt 100 ] && break
  sleep 0.1
done
[ -n "$done_before" ] && [ "$done_before" -gt 100 ] || fail "the job never got going"
# Fill the disk.
dd if=/dev/zero of="$M/filler" bs=64k > /dev/null 2>&1
wait "$pid"
rc=$?
[ "$rc" != 0 ] || fail "run succeeded on a full disk (the job was too short?)"
[ "$rc" = 2 ] || { tail -n 3 run.out; fail "run on a full disk exited $rc, want 2 (a store error)"; }
grep -q "disk is full" run.out || { tail -n 3 run.out; fail "run did not say the disk is full"; }
grep -q "the store $M/state.db failed" run.out || { tail -n 3 run.out; fail "run did not name the store"; }
grep -q "dandori resume 1 --store $M/state.db" run.out || fail "run did not say how to resume"
grep -q "succeeded" run.out && fail "run printed 'succeeded' on a full disk"
# Free the space, resume.
rm -f "$M/filler"
"$D" resume 1 --store "$M/state.db" > resume.out 2>&1 || { tail -n 5 resume.out; fail "resume after freeing space"; }
grep -q "job 1 succeeded" resume.out || fail "resume did not report success"
"$D" status 1 --store "$M/state.db" > status.out
awk '$1=="s" && ($2 != 3000 || $5 != 0) {bad=1} END {exit bad}' status.out ||
  { cat status.out; fail "not every task succeeded, or one failed"; }
n=$("$D" events 1 --store "$M/state.db" | grep -c task.interrupted)
[ "$n" -gt 0 ] || fail "no task.interrupted event: the full disk cut no attempt?"
echo "ok: disk full after $done_before tasks, $n attempts interrupted, resume succeeded"
