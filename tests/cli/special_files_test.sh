#!/usr/bin/env bash
# `dandori check` / `compile` / `run` on sources and imports that are not regular files
# (issue 12): /dev/zero, a FIFO with no writer, a symlink to /dev/zero. Each must end at
# once (the test gives each 5 s; it used to grow memory until bad_alloc or hang) with a
# located error and exit 2.
set -uo pipefail
D="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*"; exit 1; }
mkfifo pipe.flow
ln -s /dev/zero zero.flow
for target in /dev/zero pipe.flow zero.flow; do
  printf 'import "%s"\n\nworkflow w() {\n  stage a = noop()\n}\n' "$target" > main.flow
  for verb in check compile; do
    out=$(timeout 5 "$D" $verb main.flow 2>&1)
    rc=$?
    [ $rc -eq 124 ] && fail "$verb with import $target did not end within 5 s"
    [ $rc -eq 2 ] || fail "$verb with import $target: exit $rc, want 2: $out"
    echo "$out" | grep -q "main.flow:1:8: error\[E063\]: cannot import '$target'" ||
      fail "$verb with import $target: no located E063: $out"
  done
done
# The main file itself.
for target in /dev/zero pipe.flow zero.flow; do
  out=$(timeout 5 "$D" check "$target" 2>&1)
  rc=$?
  [ $rc -eq 124 ] && fail "check $target did not end within 5 s"
  [ $rc -eq 2 ] || fail "check $target: exit $rc, want 2: $out"
  echo "$out" | grep -q "only regular files are read" || fail "check $target: $out"
  out=$(timeout 5 "$D" run "$target" --store s.db 2>&1)
  rc=$?
  [ $rc -eq 2 ] || fail "run $target: exit $rc, want 2: $out"
done
echo "special files: ok"
