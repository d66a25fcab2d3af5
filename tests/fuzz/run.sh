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
# clang rejects the 4.9 runtime's Vocabulary.h in C++20 mode (its defaulted constructor
# is deleted because of const members); use a copy with a user-provided constructor
# (same layout).
antlr_inc="$PWD/$build/antlr4-include"
if [ ! -d "$antlr_inc" ]; then
  mkdir -p "$build"
  cp -r /usr/include/antlr4-runtime "$antlr_inc"
  sed -i 's/Vocabulary() = default;/Vocabulary() {}/' "$antlr_inc/Vocabulary.h"
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DDANDORI_FUZZ=ON -DDANDORI_SANITIZE=ON \
  -DDANDORI_ANTLR_INCLUDE_OVERRIDE="$antlr_inc" >/dev/null
cmake --build "$build" --target fuzz_parse -j"$(nproc)"
corpus="$build/fuzz-corpus"
mkdir -p "$corpus" tests/fuzz/regressions
find workflows examples tests/compiler -name '*.flow' -exec cp {} "$corpus/" \; 2>/dev/null || true
"$build/tests/fuzz/fuzz_parse" "$corpus" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -dict=tests/fuzz/flow.dict -artifact_prefix=tests/fuzz/regressions/ -print_final_stats=1
