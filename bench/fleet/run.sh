#!/usr/bin/env bash
# The fleet deploy benchmark: bench/fleet/run.sh [BUILD] [fleet_bench options...]
# Defaults: 15 zones x 150 servers x 100 cameras at time scale 300; the one-zone-at-a-time
# plan on 3 zones, extrapolated (pass --seq-zones 15 for the full sequential run, ~15 min).
set -euo pipefail
BUILD=${1:-build}
shift || true
here=$(cd "$(dirname "$0")/../.." && pwd)
DANDORI_SOURCE_DIR="$here" "$BUILD/bench/fleet/fleet_bench" --dandori "$BUILD/cli/dandori" \
  --seq-zones 3 "$@"
