#!/usr/bin/env bash
# The web view end to end (ctest web_view_test): the fleet simulator, a running deploy
# with an approval gate (`dandori run` in the background), `dandori ui` on its store,
# and headless Chromium driven by web_view_test.mjs (CDP over Node's WebSocket); then
# `dandori report` of the finished job, loaded in Chromium too; cancel and retry through the
# page on a second deploy waiting at its gate. Screenshots and the
# report are kept in BUILD/tests/web/artifacts. Exit 77 (skipped) without chromium/node.
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
ZONES=3
SERVERS=5
chromium=$(command -v chromium || command -v chromium-browser || true)
node=$(command -v node || true)
if [ -z "$chromium" ] || [ -z "$node" ]; then
  echo "web_view_test: SKIP: needs chromium and node (scripts/install-deps.sh installs them)"
  exit 77
fi
# Node's own WebSocket: built in from 22, behind --experimental-websocket in 20.10+.
ws_flag=--experimental-websocket
if "$node" -e 'if (typeof WebSocket === "undefined") process.exit(1)' 2>/dev/null; then
  ws_flag=""
elif ! "$node" $ws_flag -e 'if (typeof WebSocket === "undefined") process.exit(1)' 2>/dev/null; then
  echo "web_view_test: SKIP: node $("$node" --version) has no WebSocket (needs node 20.10 or later)"
  exit 77
fi
dandori="$BUILD/cli/dandori"
camfleet="$BUILD/examples/camfleet/camfleet"
out="$BUILD/tests/web/artifacts"
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d /tmp/dandori-web-test.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$camfleet" --zones $ZONES --servers-per-zone $SERVERS --cameras-per-server 20 --capacity 40 \
  --time-scale 300 --seed 7 --stubborn 0 --move-sigma 0.5 --floor 80 --batch 1 \
  --port 0 --port-file "$work/port" --inventory "$work/fleet.yaml" > "$work/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "web_view_test: the simulator did not start"; cat "$work/sim.log"; exit 1; }
head -c 10000 /dev/zero > "$work/camera-server-2.0.tar"

"$dandori" run "$SRC/tests/fleet/deploy_canary_fast.flow" --param version=2.0 \
  --param artifact="$work/camera-server-2.0.tar" --param inventory="$work/fleet.yaml" \
  --store "$work/state.db" > "$work/run.out" 2> "$work/run.err" &
run_pid=$!
for _ in $(seq 200); do [ -s "$work/state.db" ] && break; sleep 0.05; done

"$dandori" ui --store "$work/state.db" --listen 127.0.0.1:0 > "$work/ui.out" 2> "$work/ui.err" &
pids+=($!)
for _ in $(seq 200); do grep -q "token" "$work/ui.out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/^dandori ui: \(http:[^ ]*\) .*/\1/p' "$work/ui.out")
token=$(sed -n 's/^dandori ui: token \([0-9a-f]*\)$/\1/p' "$work/ui.out")
[ -n "$url" ] && [ -n "$token" ] || { echo "web_view_test: dandori ui did not start"; cat "$work/ui.out" "$work/ui.err"; exit 1; }
echo "web_view_test: $url (store $work/state.db)"

status=0
"$node" $ws_flag "$SRC/tests/web/web_view_test.mjs" "$chromium" "$url" "$token" "$out" $ZONES $SERVERS || status=$?
rc=0
wait "$run_pid" || rc=$?
echo "web_view_test: dandori run exited $rc"
if [ $rc -ne 0 ]; then tail -20 "$work/run.err"; status=1; fi
if [ $status -ne 0 ]; then tail -5 "$work/run.out"; exit 1; fi

# Bad input is refused, before anything listens or is written.
st=0; "$dandori" ui --store "$work/state.db" --listen 0.0.0.0:0 > "$work/remote.out" 2>&1 || st=$?
[ $st -eq 2 ] && grep -q "allow-remote" "$work/remote.out" || { echo "web_view_test: FAIL ui on 0.0.0.0 exited $st"; cat "$work/remote.out"; exit 1; }
st=0; "$dandori" report 99 -o "$work/none.html" --store "$work/state.db" 2> "$work/r99.err" || st=$?
[ $st -eq 2 ] && [ ! -e "$work/none.html" ] || { echo "web_view_test: FAIL report of an unknown job exited $st"; exit 1; }
echo "ok   dandori ui refuses a non-loopback --listen; dandori report refuses an unknown job"

# The report of the finished job: one file, no network, rendered by Chromium.
"$dandori" report 1 -o "$out/report.html" --store "$work/state.db"
"$node" $ws_flag "$SRC/tests/web/report_test.mjs" "$chromium" "$out/report.html" "$out" $ZONES $SERVERS
# Cancel and retry through the page, on a second deploy waiting at its gate.
"$dandori" run "$SRC/tests/fleet/deploy_canary_fast.flow" --param version=3.0 \
  --param artifact="$work/camera-server-2.0.tar" --param inventory="$work/fleet.yaml" \
  --store "$work/state.db" --job-key second > "$work/run2.out" 2> "$work/run2.err" &
run2=$!
pids+=($run2)
"$node" $ws_flag "$SRC/tests/web/web_verbs_test.mjs" "$chromium" "$url" "$token" "$out" 2
rc=0
wait "$run2" || rc=$?
[ $rc -eq 1 ] || { echo "web_view_test: FAIL the cancelled run exited $rc, not 1"; tail -5 "$work/run2.err"; exit 1; }
"$dandori" cancel 2 --store "$work/state.db" > /dev/null  # retried, driven by nobody: end it
echo "web_view_test: screenshots in $out"
