#!/usr/bin/env bash
# `make bench`: every benchmark in one go, each printing its figures and ratios against
# its baseline run side by side. bench/run.sh [BUILD] [compiler|engine|media|fleet|pg|lsp]...
# The fleet and pg benchmarks take several minutes; name the ones you want to run fewer.
set -euo pipefail
BUILD=${1:-build}
shift || true
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(compiler engine media fleet pg lsp)
here=$(cd "$(dirname "$0")/.." && pwd)
for b in "${which[@]}"; do
  echo "==== bench: $b"
  case "$b" in
    compiler) "$BUILD/bench/compiler/compile_bench" ;;
    engine) "$BUILD/bench/engine/engine_bench" ;;
    media) DANDORI_SOURCE_DIR="$here" "$BUILD/bench/media/media_bench" ;;
    fleet) bash "$here/bench/fleet/run.sh" "$BUILD" ;;
    pg) bash "$here/bench/pg/run.sh" "$BUILD" ;;
    lsp) "$BUILD/bench/lsp/lsp_bench" "$BUILD/cli/dandori" || true ;;  # exit 1: target missed
    *) echo "unknown benchmark '$b'" >&2; exit 2 ;;
  esac
done
