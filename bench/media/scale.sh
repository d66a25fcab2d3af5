#!/usr/bin/env bash
# bench/media/scale.sh [BUILD] [W...]: one title's chunks encoded by W `dandori worker`
# processes sharing a throwaway PostgreSQL store (one `dandori serve --slots 0` drives
# the job and runs nothing), W = 1 2 by default, each W run twice, interleaved. Prints
# per run the makespan (the shell's clock, submit -> the job seen ended), the CPU the
# workers used (their own + every ffmpeg they waited for, from /proc), the ratio
# makespan / (CPU / W) (1.0 is perfect scaling, the target is <= 1.1), and from the
# job's events where its time went: before the first chunk encode (probe, split),
# the encodes (first start -> last end), after them (merge, package, place). Each worker
# runs one attempt at a time (--slots 1) and every encoder one thread, so W workers
# want W idle cores: on a loaded machine the ratio measures the load, not dandori.
set -euo pipefail
BUILD=${1:-build}; shift || true
ws=("$@"); [ ${#ws[@]} -gt 0 ] || ws=(1 2)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
D=$(realpath "$BUILD/cli/dandori")
read -r pgdir url < <("$SRC/scripts/pg-temp.sh" start --no-fsync)
W=$(mktemp -d /tmp/dandori-scale-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$SRC/scripts/pg-temp.sh" stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT
cd "$W"
SECONDS_SRC=${SCALE_SECONDS:-16}
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "testsrc2=size=640x360:rate=25:duration=$SECONDS_SRC" \
  -f lavfi -i "sine=frequency=440:duration=$SECONDS_SRC" \
  -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p -c:a aac src.mp4


"$D" serve --store "$url" --slots 0 --listen "" --scratch "$W/scratch" > serve.log 2>&1 & pids+=($!)
sleep 1

# CPU seconds of a process and its waited-for children (utime stime cutime cstime).
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15+$16+$17)/hz}' "/proc/$1/stat"; }

run_one() {  # $1 = W, $2 = run number
  local w=$1 n=$2 wp=() job state t0 t1
  for i in $(seq 1 "$w"); do
    "$D" worker --store "$url" --slots 1 > "worker-$w-$n-$i.log" 2>&1 & wp+=($!)
  done
  mkdir -p "vod-$w-$n"
  t0=$(date +%s.%N)
  job=$("$D" submit "$SRC/workflows/encode_2d.flow" --store "$url" \
    --param source="$W/src.mp4" --param title="t$w$n" --param "roots=[\"$W/vod-$w-$n\"]" \
    --param chunk=2s --param min_free=1MB --param threads=1 \
    --param 'ladder=[{"name": "360p", "height": 360, "crf": 23, "preset": "medium"}]' \
    | grep -oE '[0-9]+' | head -1)
  for _ in $(seq 1 600); do
    state=$("$D" status "$job" --store "$url" 2>/dev/null | head -1 || true)
    case "$state" in *succeeded*|*failed*|*cancelled*) break ;; esac
    sleep 0.2
  done
  t1=$(date +%s.%N)
  local cpu=0
  for p in "${wp[@]}"; do cpu=$(echo "$cpu + $(cpu_of "$p")" | bc -l); done
  kill "${wp[@]}"; wait "${wp[@]}" 2>/dev/null || true
  awk -v w="$w" -v n="$n" -v a="$t0" -v b="$t1" -v c="$cpu" -v s="$state" 'BEGIN {
    m = b - a; printf "W=%d run %d: makespan %6.2f s, worker CPU %6.2f s, ideal CPU/W %6.2f s, ratio %.3f  (%s)\n",
      w, n, m, c, c / w, m / (c / w), s }'
  "$D" events "$job" --store "$url" --json | python3 -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
t0, t1 = ev[0]["at_ms"], ev[-1]["at_ms"]
enc = [e["at_ms"] for e in ev if e["label"].startswith("encode[") and e["what"] in ("task.started", "task.succeeded")]
a, b = min(enc), max(enc)
print("         events: before the encodes %.2f s, encodes %.2f s, after %.2f s" % ((a - t0) / 1e3, (b - a) / 1e3, (t1 - b) / 1e3))'
}

echo "source: 640x360 25 fps, ${SECONDS_SRC} s, 2 s chunks, x264 medium, one thread per encoder; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for n in 1 2; do
  for w in "${ws[@]}"; do run_one "$w" "$n"; done
done
