#!/usr/bin/env bash
# `make demo`: generates a few seconds of FFmpeg test pattern with a tone, runs
# workflows/encode_2d.flow on it with the embedded engine (split -> parallel chunk
# encodes -> merge -> HLS package -> placement on the roomiest of two storage roots),
# checks the result with ffprobe and prints where the HLS output is and how to play it.
#
# Safe under `set -euo pipefail`: no pipeline here stops reading before its writer is
# done (piping into `head -n1` kills the writer with SIGPIPE; pipefail makes that exit 141).
# Environment: DEMO_DIR (output folder, default BUILD/demo-media), DEMO_SECONDS (length
# of the clip, default 6), DEMO_SIZE (WxH, default 1280x720), DEMO_LADDER (the
# `ladder` parameter as JSON; default: the workflow's own ladder).
set -euo pipefail

BUILD=${1:-build}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DANDORI="$BUILD/cli/dandori"
OUT=$(realpath -m "${DEMO_DIR:-$BUILD/demo-media}")
SECONDS_OF_VIDEO=${DEMO_SECONDS:-6}
SIZE=${DEMO_SIZE:-1280x720}

for tool in ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (run scripts/install-deps.sh)" >&2; exit 2; }
done
[ -x "$DANDORI" ] || { echo "demo: $DANDORI not built (run make build)" >&2; exit 2; }

rm -rf "$OUT"
mkdir -p "$OUT/vod-a" "$OUT/vod-b"
SRC="$OUT/source.mp4"
echo "demo: generating a ${SECONDS_OF_VIDEO}s $SIZE test pattern with a 440 Hz tone -> $SRC"
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "testsrc2=size=$SIZE:rate=25:duration=${SECONDS_OF_VIDEO}" \
  -f lavfi -i "sine=frequency=440:duration=${SECONDS_OF_VIDEO}" \
  -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 128k "$SRC"

DANDORI=$(realpath "$DANDORI")
params=(--param "source=$SRC" --param "title=demo-title"
        --param "roots=[\"$OUT/vod-a\", \"$OUT/vod-b\"]" --param "chunk=2s" --param "min_free=1GB")
if [ -n "${DEMO_LADDER:-}" ]; then params+=(--param "ladder=$DEMO_LADDER"); fi
echo "demo: running workflows/encode_2d.flow (engine state and scratch in $OUT)"
cd "$OUT"
"$DANDORI" run "$REPO/workflows/encode_2d.flow" --store "$OUT/state.db" "${params[@]}"

# The title lands on one of the two roots; a glob, not ls piped into head.
MASTER=""
for candidate in "$OUT"/vod-*/demo-title/master.m3u8; do
  if [ -f "$candidate" ]; then MASTER=$candidate; break; fi
done
if [ -z "$MASTER" ]; then
  echo "demo: no master playlist under $OUT/vod-*/demo-title" >&2
  exit 1
fi
echo
echo "demo: renditions in $MASTER"
while IFS= read -r line; do
  case "$line" in '#EXT-X-STREAM-INF'*) read -r uri && echo "  $uri  ${line#*:}" ;; esac
done <"$MASTER"
for playlist in "$(dirname "$MASTER")"/*/index.m3u8; do
  # Audio is packaged apart (HLS alternate audio): audio-*/ playlists hold no video.
  case "$(basename "$(dirname "$playlist")")" in
    audio-*)
      secs=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$playlist")
      echo "demo: $(basename "$(dirname "$playlist")"): audio, ${secs} s, opens with ffprobe"
      continue ;;
  esac
  # ffprobe prints one line per stream it reads: keep all of it, print the first.
  counts=$(ffprobe -v error -select_streams v:0 -count_packets \
             -show_entries stream=nb_read_packets -of csv=p=0 "$playlist")
  frames=${counts%%$'\n'*}
  [ -n "$frames" ] || { echo "demo: ffprobe read no video from $playlist" >&2; exit 1; }
  echo "demo: $(basename "$(dirname "$playlist")"): $frames frames, opens with ffprobe"
done
HLS=$(dirname "$MASTER")
echo
echo "HLS output: $HLS"
echo "Play it with:  ffplay $MASTER"
echo "   or serve it: (cd $HLS && python3 -m http.server 8000)  and open"
echo "                http://localhost:8000/master.m3u8 in an HLS player (Safari, VLC, hls.js)"
