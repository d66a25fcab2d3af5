#!/bin/bash
# End-to-end checks of `dandori check / compile / graph`: exit codes (a .flow with
# errors exits 2 from each: docs/cli.md), output files and formats.
# Usage: cli_test.sh PATH/TO/dandori   (run from the source root)
set -u
DANDORI="$1"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
fail=0
expect() {  # expect CODE DESCRIPTION -- command...
  local want="$1" what="$2"; shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, want $want"; cat "$TMP/out" "$TMP/err" | head -20; fail=1
  fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  grep -qF -- "$2" "$1" || { echo "FAIL: $3: '$2' not in output"; head -20 "$1"; fail=1; }
}

expect 0 "clean workflows" -- "$DANDORI" check workflows examples
contains "$TMP/out" "0 errors, 0 warnings" "clean summary"
expect 2 "a broken file" -- "$DANDORI" check tests/compiler/cases/e010_unknown_operator.flow
contains "$TMP/out" "error[E010]" "text error"
expect 0 "warnings only" -- "$DANDORI" check tests/compiler/cases/w003_retry_permanent_only.flow
expect 2 "missing path" -- "$DANDORI" check "$TMP/nope.flow"
expect 2 "bad format" -- "$DANDORI" check --format xml workflows
expect 2 "no path" -- "$DANDORI" check
for fmt in json github sarif; do
  expect 2 "format $fmt" -- "$DANDORI" check --format "$fmt" tests/compiler/cases/multiple_errors_sorted.flow
done
expect 2 "sarif" -- "$DANDORI" check --format sarif tests/compiler/cases/e010_unknown_operator.flow
contains "$TMP/out" '"version": "2.1.0"' "sarif version"
contains "$TMP/out" '"ruleId": "E010"' "sarif rule"
expect 2 "github" -- "$DANDORI" check --format github tests/compiler/cases/e010_unknown_operator.flow
contains "$TMP/out" "::error file=tests/compiler/cases/e010_unknown_operator.flow,line=2,col=13,title=E010::" "github line"

cp tests/compiler/golden/sequence.flow "$TMP/seq.flow"
expect 0 "compile to default path" -- "$DANDORI" compile "$TMP/seq.flow"
[ -s "$TMP/seq.flowc" ] || { echo "FAIL: $TMP/seq.flowc not written"; fail=1; }
expect 0 "compile -o" -- "$DANDORI" compile "$TMP/seq.flow" -o "$TMP/out.flowc"
[ -s "$TMP/out.flowc" ] || { echo "FAIL: -o not written"; fail=1; }
expect 0 "compile --json" -- "$DANDORI" compile --json "$TMP/seq.flow"
contains "$TMP/out" '"format_version": 2' "json table"
expect 2 "compile a broken file" -- "$DANDORI" compile tests/compiler/cases/e041_after_cycle.flow
contains "$TMP/err" "error[E041]" "compile reports errors"
expect 2 "compile a library" -- "$DANDORI" compile tests/compiler/cases/ok_library_consts.flow
expect 0 "graph dot" -- "$DANDORI" graph workflows/camera_server_deploy.flow
contains "$TMP/out" "digraph" "dot"
contains "$TMP/out" "subgraph cluster_" "dot clusters"
expect 0 "graph mermaid" -- "$DANDORI" graph --format mermaid workflows/camera_server_deploy.flow
contains "$TMP/out" "flowchart TD" "mermaid"
contains "$TMP/out" "-.->|failed|" "mermaid failure edges"
expect 2 "graph bad format" -- "$DANDORI" graph --format png workflows/camera_server_deploy.flow

# Alert handlers guarded by `when env.ALERT_URL != null`: skipped when it is unset, run
# (and failing here: nothing listens on port 9) when it is set.
ALERT=tests/compiler/runnable/guarded_alert.flow
expect 0 "guarded alert, ALERT_URL unset" -- env -u ALERT_URL "$DANDORI" run --store "$TMP/a1.db" "$ALERT"
contains "$TMP/out" "succeeded" "guarded alert skipped"
expect 1 "failing work, ALERT_URL unset" -- env -u ALERT_URL "$DANDORI" run --store "$TMP/a2.db" -p cmd=false "$ALERT"
contains "$TMP/out" "guarded_alert.flow:4:9: stage work (exec): permanent: exec: 'false'" "work failure, alert skipped"
expect 1 "guarded alert, ALERT_URL set" -- env ALERT_URL=http://127.0.0.1:9/x "$DANDORI" run --store "$TMP/a3.db" "$ALERT"
contains "$TMP/out" "stage done (notify.webhook): transient: POST" "guarded alert ran"
exit $fail
