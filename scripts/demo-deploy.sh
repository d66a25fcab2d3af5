#!/usr/bin/env bash
# make demo-deploy: starts a small simulated camera fleet (examples/camfleet), rolls
# version 2.0 onto it with the real plan (workflows/camera_server_deploy.flow) and live
# progress, then prints the simulator's report.
set -euo pipefail
BUILD=${1:-build}
ZONES=${ZONES:-4}
SERVERS=${SERVERS:-10}
CAMERAS=${CAMERAS:-50}
SCALE=${SCALE:-100}
here=$(cd "$(dirname "$0")/.." && pwd)
camfleet="$BUILD/examples/camfleet/camfleet"
dandori="$BUILD/cli/dandori"
for bin in "$camfleet" "$dandori"; do
  [ -x "$bin" ] || { echo "demo-deploy: $bin not built (run make build)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/dandori-demo-deploy.XXXXXX)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$camfleet" --zones "$ZONES" --servers-per-zone "$SERVERS" --cameras-per-server "$CAMERAS" \
  --time-scale "$SCALE" --seed 7 --port 0 --port-file "$work/port" \
  --inventory "$work/fleet.yaml" --batch 1 &
sim_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "demo-deploy: the simulator did not start" >&2; exit 1; }
port=$(cat "$work/port")
head -c 1048576 /dev/urandom > "$work/camera-server-2.0.tar"
echo "demo-deploy: $ZONES zones x $SERVERS servers x $CAMERAS cameras at http://127.0.0.1:$port" \
     "(simulated time x$SCALE); inventory $work/fleet.yaml"

echo "demo-deploy: the plan, dry run:"
"$dandori" plan "$here/workflows/camera_server_deploy.flow" --param version=2.0 \
  --param artifact="$work/camera-server-2.0.tar" --param inventory="$work/fleet.yaml" || true

status=0
ALERT_URL="http://127.0.0.1:$port/alerts" "$dandori" run "$here/workflows/camera_server_deploy.flow" \
  --param version=2.0 --param artifact="$work/camera-server-2.0.tar" \
  --param inventory="$work/fleet.yaml" --param poll=100ms --param check_every=100ms \
  --store "$work/state.db" || status=$?

echo "demo-deploy: the simulator's report:"
curl -s "http://127.0.0.1:$port/report?brief=1&pretty=1"
echo
exit $status
