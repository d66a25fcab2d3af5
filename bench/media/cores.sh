#!/usr/bin/env bash
# bench/media/cores.sh: does this machine run two encoders at once faster than one
# after the other? The same x264 `medium` encode as bench/media/scale.sh's chunks (4 s
# of 640x360 25 fps testsrc2, -threads 1, decoder threads 1) run twice in sequence and
# twice concurrently, interleaved over three rounds; prints each round's wall times,
# the encoders' CPU (user + sys) and CPU / wall, and the speed-up sequential /
# concurrent (2.0: two idle cores; 1.0: no spare core). With threads unset, one
# encode's CPU / wall says how many cores one ffmpeg child takes on its own.
set -euo pipefail
W=$(mktemp -d /tmp/dandori-cores-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=640x360:rate=25:duration=4 \
  -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p src.mp4
enc() {  # $1 = output, $2 = threads ("" : the encoder's choice)
  local t=()
  [ -n "$2" ] && t=(-threads "$2")
  ffmpeg -hide_banner -loglevel error -nostdin -y ${2:+-threads "$2"} -i src.mp4 \
    -c:v libx264 -preset medium -crf 23 "${t[@]}" -f mp4 "$1"
}
now() { date +%s.%N; }
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($16+$17)/hz}' /proc/$$/stat; }  # waited children
echo "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for r in 1 2 3; do
  c0=$(cpu); t0=$(now); enc a.mp4 ""; t1=$(now); c1=$(cpu)
  enc a.mp4 1; enc b.mp4 1; t2=$(now); c2=$(cpu)
  enc a.mp4 1 & p1=$!; enc b.mp4 1 & p2=$!; wait $p1 $p2; t3=$(now); c3=$(cpu)
  awk -v r="$r" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v c0="$c0" -v c1="$c1" \
    -v c2="$c2" -v c3="$c3" 'BEGIN {
    printf "round %d: default threads: wall %.2f s CPU %.2f s (CPU/wall %.2f) | threads=1: 2 sequential %.2f s CPU %.2f (%.2f), 2 concurrent %.2f s CPU %.2f (%.2f) | speed-up %.2f\n",
      r, t1 - t0, c1 - c0, (c1 - c0) / (t1 - t0), t2 - t1, c2 - c1, (c2 - c1) / (t2 - t1),
      t3 - t2, c3 - c2, (c3 - c2) / (t3 - t2), (t2 - t1) / (t3 - t2) }'
done
echo "load at the end $(cut -d' ' -f1 /proc/loadavg)"
