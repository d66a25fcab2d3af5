#!/usr/bin/env bash
# How close `dandori plan` comes to a real deploy: bench/fleet/plan_accuracy.sh [BUILD]
#   ZONES=3 SERVERS=100 CAMERAS=100 SCALE=300 SEED=42 RUNS=2 FIGURES=bench/fleet/camfleet_figures.yaml
#   KEEP=1 (keep the stores and logs)
# Per run: a fresh camfleet simulator, `dandori plan --figures` (declared) and, from the
# second run on, `dandori plan --store` of the previous run (history of the same size),
# then the real plan (workflows/camera_server_deploy.flow, compressed timings) with
# `dandori run`; prints predicted vs measured (wall time of the run) with the error, and
# the per-operator medians/p90s of the declared figures beside those measured in the run.
set -euo pipefail
BUILD=${1:-build}
ZONES=${ZONES:-3}
SERVERS=${SERVERS:-100}
CAMERAS=${CAMERAS:-100}
SCALE=${SCALE:-300}
SEED=${SEED:-42}
RUNS=${RUNS:-2}
here=$(cd "$(dirname "$0")/../.." && pwd)
FIGURES=${FIGURES:-$here/bench/fleet/camfleet_figures.yaml}
camfleet="$BUILD/examples/camfleet/camfleet"
dandori="$BUILD/cli/dandori"
for bin in "$camfleet" "$dandori"; do
  [ -x "$bin" ] || { echo "plan_accuracy: $bin not built" >&2; exit 2; }
done
work=$(mktemp -d /tmp/dandori-plan-accuracy.XXXXXX)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
flow="$here/workflows/camera_server_deploy.flow"
timings=(--param stall=15s --param drain_timeout=90s --param health_timeout=5s
         --param poll=50ms --param check_every=20ms)
head -c 65536 /dev/urandom > "$work/artifact.tar"
echo "plan_accuracy: $ZONES x $SERVERS x $CAMERAS, time scale $SCALE, $RUNS runs; load: $(uptime | sed 's/.*load average: //')"

# The predicted median and p90 (seconds) of a plan --json on stdin.
predicted() { jq -r '"\(.predicted_ms / 1000) \(.predicted_p90_ms / 1000)"'; }
err() { awk -v p="$1" -v m="$2" 'BEGIN { printf "%+.0f%%", (p - m) / m * 100 }'; }

prev_store=""
rows=()
for run in $(seq "$RUNS"); do
  rm -f "$work/port"
  "$camfleet" --zones "$ZONES" --servers-per-zone "$SERVERS" --cameras-per-server "$CAMERAS" \
    --time-scale "$SCALE" --seed "$SEED" --port 0 --port-file "$work/port" \
    --inventory "$work/fleet.yaml" >"$work/sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "plan_accuracy: the simulator did not start" >&2; exit 1; }
  params=(--param version=2.0 --param artifact="$work/artifact.tar"
          --param inventory="$work/fleet.yaml" "${timings[@]}")
  "$dandori" plan "$flow" "${params[@]}" --figures "$FIGURES" --json >"$work/declared.json"
  read -r fig_med fig_p90 < <(predicted <"$work/declared.json")
  hist_med="" hist_p90=""
  if [ -n "$prev_store" ]; then
    "$dandori" plan "$flow" "${params[@]}" --store "$prev_store" --figures "$FIGURES" --json \
      >"$work/history.json"
    read -r hist_med hist_p90 < <(predicted <"$work/history.json")
  fi
  store="$work/state$run.db"
  start=$(date +%s.%N)
  status=0
  "$dandori" run "$flow" "${params[@]}" --store "$store" >"$work/run.log" 2>&1 || status=$?
  end=$(date +%s.%N)
  measured=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  dropped=$(curl -s "http://127.0.0.1:$(cat "$work/port")/report?brief=1" | jq -r ".cameras_dropped // \"?\"")
  kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; sim_pid=""
  if [ "$status" != 0 ]; then
    echo "run $run: FAILED (dandori run exit $status); last lines:"; tail -5 "$work/run.log"
    continue
  fi
  line="run $run: measured ${measured}s (dropped $dropped) | figures ${fig_med}s $(err "$fig_med" "$measured") (p90 ${fig_p90}s $(err "$fig_p90" "$measured"))"
  [ -n "$hist_med" ] && line+=" | history of run $((run - 1)) ${hist_med}s $(err "$hist_med" "$measured") (p90 ${hist_p90}s $(err "$hist_p90" "$measured"))"
  rows+=("$line")
  echo "$line"
  # This run's own operator figures beside the declared ones.
  "$dandori" plan "$flow" "${params[@]}" --store "$store" --json >"$work/self.json"
  jq -r --slurpfile d "$work/declared.json" '
    ($d[0].figures | map({(.op): .}) | add) as $decl
    | "  operator            declared med/p90      measured med/p90 (this run)",
      (.figures[] | "  \(.op | . + " " * (18 - length)) \($decl[.op].median_ms // "-")/\($decl[.op].p90_ms // "-") ms" + " " * 8 + "\(.median_ms)/\(.p90_ms) ms"),
      "  overhead per task: declared \($d[0].overhead_ms) ms, measured \(.overhead_ms) ms"' \
    "$work/self.json"
  prev_store="$store"
done
echo "plan_accuracy: load at the end: $(uptime | sed 's/.*load average: //')"
