#!/usr/bin/env bash
# make demo-shared: 2 serve + 3 worker processes on one throwaway PostgreSQL run
# workflows/encode_2d.flow and the camera deploy plan to completion. Every process it
# starts (and the database) is stopped on exit, also when a step fails.
# Safe under pipefail: no pipeline stops reading before its writer is done.
set -euo pipefail
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
D=$(realpath "$BUILD/cli/dandori")
CAM=$(realpath "$BUILD/examples/camfleet/camfleet")
for bin in "$D" "$CAM"; do
  [ -x "$bin" ] || { echo "demo-shared: $bin not built (run make build)" >&2; exit 2; }
done

pids=()
cam=""
pgdir=""
cleanup() {
  for p in "${pids[@]}" $cam; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}" $cam; do wait "$p" 2>/dev/null || true; done
  if [ -n "$pgdir" ]; then "$SRC/scripts/pg-temp.sh" stop "$pgdir"; fi
}
trap cleanup EXIT

read -r pgdir url < <("$SRC/scripts/pg-temp.sh" start)
[ -n "${url:-}" ] || { echo "demo-shared: PostgreSQL did not start" >&2; exit 1; }
echo "pg: $pgdir $url"
W=$(realpath -m "$BUILD/demo-shared")
rm -rf "$W"
mkdir -p "$W/vod-a" "$W/vod-b"
cd "$W"
echo shared-e2e-secret-token-0123456789 > tok
TOKEN=$(cat tok)
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=640x360:rate=25:duration=6 \
  -f lavfi -i sine=frequency=440:duration=6 -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac src.mp4
"$D" serve --store "$url" --listen 127.0.0.1:18481 --token-file tok > serve1.log 2>&1 & pids+=($!)
sleep 1
"$D" serve --store "$url" --listen 127.0.0.1:18482 --token-file tok > serve2.log 2>&1 & pids+=($!)
sleep 2
for i in 1 2 3; do "$D" worker --store "$url" > "worker$i.log" 2>&1 & pids+=($!); done
sleep 2
"$D" submit "$SRC/workflows/encode_2d.flow" --server http://127.0.0.1:18481 --token-file tok \
  --param "source=$W/src.mp4" --param title=shared --param "roots=[\"$W/vod-a\",\"$W/vod-b\"]" \
  --param chunk=2s --param min_free=1GB
# fleet
"$CAM" --zones 3 --servers-per-zone 6 --cameras-per-server 20 --time-scale 300 --port 0 \
  --inventory "$W/inv.yaml" --report "$W/report.json" > cam.log 2>&1 & cam=$!
sleep 2
echo artifact > art.bin
"$D" submit "$SRC/workflows/camera_server_deploy.flow" --server http://127.0.0.1:18482 --token-file tok \
  --param version=v2 --param "artifact=$W/art.bin" --param "inventory=$W/inv.yaml" --param stall=30s
out=""
for _ in $(seq 1 150); do
  out=$(curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18481/v1/jobs || true)
  if ! grep -q '"state":"running"' <<<"$out"; then break; fi
  sleep 2
done
python3 -c "import json,sys; d=json.loads(sys.argv[1]); [print(j['id'], j['workflow'], j['state'], j.get('error',''), j['taskCounts']) for j in d['jobs']]" "$out"
metrics=$(curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18481/metrics || true)
grep -E "^dandori_jobs" <<<"$metrics" || true
grep -c . worker1.log worker2.log worker3.log serve1.log serve2.log || true
for d in "$W"/vod-*/shared; do
  if [ -d "$d" ]; then echo "HLS output: $d"; ls "$d"; fi
done
kill "$cam" 2>/dev/null || true; wait "$cam" 2>/dev/null || true; cam=""
python3 -c "import json;r=json.load(open('$W/report.json'));print({k:r[k] for k in list(r)[:8]})" 2>/dev/null || true
