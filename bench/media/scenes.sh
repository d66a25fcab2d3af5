#!/usr/bin/env bash
# bench/media/scenes.sh [BUILD]: scene-aware chunking against plain GOP-grid chunks and
# one pass. A generated 640x360 25 fps clip of six different lavfi patterns joined by
# hard cuts (scene lengths 2.72 .. 3.6 s, none on the 2 s grid) goes through
# workflows/encode_2d.flow with `dandori run` three ways: chunk=2s cut_at=grid,
# chunk=2s cut_at=scenes, and one chunk (chunk=1000s: a single pass); one 360p
# rendition, x264 medium crf 23, 2 s GOP. Each way runs twice, interleaved. Prints per
# run the video bitrate (HLS segment bytes / duration), the mean PSNR against the
# source (FFmpeg's psnr filter, all frames), the frame count, and the chunked / single
# bitrate ratio and PSNR difference of the last round.
set -euo pipefail
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
D=$(realpath "$BUILD/cli/dandori")
W=$(mktemp -d /tmp/dandori-scenes-XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
S="size=640x360:rate=25"
pats=("testsrc2=$S" "mandelbrot=$S" "testsrc=$S" "cellauto=$S" "smptehdbars=$S" "life=$S:mold=10:ratio=0.1")
lens=(2.72 3.28 2.4 3.6 2.2 2.8)
in=() fc=""
for i in "${!pats[@]}"; do
  in+=(-f lavfi -i "${pats[$i]}")
  fc+="[$i:v]trim=duration=${lens[$i]},setpts=PTS-STARTPTS,format=yuv420p[v$i];"
done
fc+="[v0][v1][v2][v3][v4][v5]concat=n=6:v=1:a=0"
ffmpeg -hide_banner -loglevel error -nostdin -y "${in[@]}" -filter_complex "$fc" \
  -c:v libx264 -preset veryfast -crf 12 -g 50 -pix_fmt yuv420p src.mp4
frames=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 src.mp4)
secs=$(echo "scale=3; $frames / 25" | bc -l)

run_one() {  # $1 = name, $2 = chunk, $3 = cut_at, $4 = round
  local dir="$W/$1-$4"
  mkdir -p "$dir/vod"
  "$D" run "$SRC/workflows/encode_2d.flow" --store "$dir/state.db" \
    --param source="$W/src.mp4" --param title=t --param "roots=[\"$dir/vod\"]" \
    --param chunk="$2" --param cut_at="$3" --param min_free=1MB \
    --param 'ladder=[{"name": "v", "height": 360, "crf": 23, "preset": "medium"}]' \
    > "$dir/run.log" 2>&1 || { tail -5 "$dir/run.log"; exit 1; }
  local v="$dir/vod/t/v"
  local bytes n psnr
  bytes=$(find "$v" -name '*.m4s' -o -name 'init.mp4' | xargs cat | wc -c)
  n=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$v/index.m3u8" | awk -F, '$1 ~ /^[0-9]+$/ && !n {n = $1} END {print n}')
  psnr=$(ffmpeg -hide_banner -nostdin -i "$v/index.m3u8" -i src.mp4 -lavfi "[0:v][1:v]psnr" -f null - 2>&1 |
    grep -oE 'average:[0-9.]+' | cut -d: -f2)
  local kbps
  kbps=$(echo "$bytes * 8 / $secs / 1000" | bc -l)
  printf "%-7s round %d: %4d/%d frames, %8.1f kbit/s, PSNR %.3f dB, chunks %s\n" \
    "$1" "$4" "$n" "$frames" "$kbps" "$psnr" "$(grep -oE 'encode +[0-9]+ done' "$dir/run.log" | tail -1 | grep -oE '[0-9]+')"
  eval "rate_$1=$kbps psnr_$1=$psnr"
}

echo "source: $frames frames ($secs s), 6 scenes; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for r in 1 2; do
  run_one single 1000s grid "$r"
  run_one grid 2s grid "$r"
  run_one scenes 2s scenes "$r"
done
awk -v s="$rate_single" -v g="$rate_grid" -v c="$rate_scenes" \
  -v ps="$psnr_single" -v pg="$psnr_grid" -v pc="$psnr_scenes" 'BEGIN {
  printf "bitrate / single pass: grid %+.2f%%, scenes %+.2f%%\n", 100 * (g / s - 1), 100 * (c / s - 1)
  printf "PSNR - single pass:    grid %+.3f dB, scenes %+.3f dB\n", pg - ps, pc - ps }'
