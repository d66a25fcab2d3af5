#!/bin/bash
# Builds the parser fuzzer with clang (libFuzzer + ASan + UBSan) and runs it.
#   tests/fuzz/run.sh [SECONDS] [JOBS]      (default 600 s, 1 job)
# Seeds: every .flow in workflows/ and examples/. Crashing inputs are written to
# tests/fuzz/regressions/ (keep them: fuzz_regression_test replays them in `make test`).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
jobs=${2:-1}
build=build-fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DDANDORI_FUZZ=ON -DDANDORI_SANITIZE=ON >/dev/null
cmake --build "$build" --target fuzz_parse -j"$(nproc)"
corpus="$build/fuzz-corpus"
mkdir -p "$corpus" tests/fuzz/regressions
find workflows examples tests/compiler -name '*.flow' -exec cp {} "$corpus/" \; 2>/dev/null || true
"$build/tests/fuzz/fuzz_parse" "$corpus" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -jobs="$jobs" -workers="$jobs" \
  -artifact_prefix=tests/fuzz/regressions/ -print_final_stats=1
