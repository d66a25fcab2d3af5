#!/usr/bin/env bash
# Runs scripts/demo.sh twice into a fresh folder (the second run starts over the first
# one's output) and checks that both end cleanly with the lines that say where the HLS
# output is and how to play it. Also refuses `| head` in the demo scripts: under
# pipefail it kills the writer with SIGPIPE (exit 141) whenever it prints more.
# Usage: demo_test.sh BUILD_DIR   (run from the source root)
set -uo pipefail
BUILD=$1
TMP=$(mktemp -d /tmp/dandori-demo-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0

if grep -nE '^[^#]*[|][[:space:]]*head' scripts/demo*.sh; then
  echo "FAIL: a demo script pipes into head (SIGPIPE under pipefail)"; fail=1
fi

export DEMO_DIR="$TMP/demo" DEMO_SECONDS=4 DEMO_SIZE=320x180
export DEMO_LADDER='[{"name": "180p", "height": 180, "crf": 30}, {"name": "144p", "height": 144, "crf": 32}]'
for run in 1 2; do
  # From an unrelated folder: the script finds the repository itself.
  (cd "$TMP" && bash "$OLDPWD/scripts/demo.sh" "$(realpath "$BUILD")") >"$TMP/out$run" 2>&1
  rc=$?
  if [ "$rc" != 0 ]; then
    echo "FAIL: demo run $run exited $rc"; tail -30 "$TMP/out$run"; fail=1; continue
  fi
  for want in "HLS output: $DEMO_DIR/vod-" "Play it with:  ffplay $DEMO_DIR/vod-" \
              "demo: 180p: " "demo: 144p: " "job 1 succeeded"; do
    grep -qF -- "$want" "$TMP/out$run" || { echo "FAIL: run $run: '$want' not printed"; fail=1; }
  done
  last=$(tail -n1 "$TMP/out$run")
  [[ "$last" == *hls.js* ]] || { echo "FAIL: run $run: the play hint is not last"; fail=1; }
done
[ "$fail" = 0 ] && echo "demo ran cleanly twice"
exit $fail
