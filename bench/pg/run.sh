#!/usr/bin/env bash
# bench/pg/run.sh BUILD_DIR [TASKS] [WORKERS]: no-op tasks through PostgreSQL, dandori vs
# graphile-worker side by side, on ONE throwaway server (scripts/pg-temp.sh, fsync on,
# synchronous_commit on: the same durability for both), each in its own database.
# graphile-worker is installed here into bench/peers/ with npm (never vendored).
# BATCH=N: tasks claimed/completed per transaction by each dandori worker (default 256).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
tasks=${2:-20000}
workers=${3:-4}
lat=${LATENCY_TASKS:-200}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bench/pg: needs node and npm (Debian: apt-get install nodejs npm)" >&2
  exit 2
fi
if [ ! -d "$root/bench/peers/node_modules/graphile-worker" ]; then
  (cd "$root/bench/peers" && npm install --no-audit --no-fund >/dev/null)
fi

read -r dir url < <("$root/scripts/pg-temp.sh" start)
trap '"$root/scripts/pg-temp.sh" stop "$dir"' EXIT
base=${url%/postgres}
psql -q "$url" -c "CREATE DATABASE gw_default" -c "CREATE DATABASE gw_best" \
  -c "CREATE DATABASE dandori" -c "CREATE DATABASE dandori_e2e"
echo "server: PostgreSQL $(psql -tA "$url" -c 'SHOW server_version'), fsync=$(psql -tA "$url" -c 'SHOW fsync'), synchronous_commit=$(psql -tA "$url" -c 'SHOW synchronous_commit'); $(nproc) cores"

gd=$(node "$root/bench/pg/graphile_bench.mjs" "$base/gw_default" default "$tasks" 24 "$lat")
gb=$(node "$root/bench/pg/graphile_bench.mjs" "$base/gw_best" best "$tasks" 24 "$lat")
dd=$("$build/bench/pg/dandori_pg_bench" "$base/dandori" --tasks "$tasks" --workers "$workers" \
  --batch "${BATCH:-256}" --latency-tasks "$lat")
de=$("$build/bench/pg/dandori_pg_bench" "$base/dandori_e2e" --e2e --tasks "$((tasks / 4))" \
  --workers 64 --latency-tasks 50)

python3 - "$gd" "$gb" "$dd" "$de" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
print(f"{'system':28} {'config':18} {'tasks':>7} {'tasks/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
for r in rows:
    print(f"{r['system']:28} {r['mode'] + ' c=' + str(r['concurrency']):18} {r['jobs']:>7} "
          f"{r['tasks_per_s']:>9.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}")
d = rows[2]['tasks_per_s']
print(f"ratio dandori / graphile-worker default: {d / rows[0]['tasks_per_s']:.2f}x")
print(f"ratio dandori / graphile-worker best:    {d / rows[1]['tasks_per_s']:.2f}x")
print("(dandori PgStore: the store's claim/complete path, batched; dandori serve+worker: a job of")
print(" no-op stages through the scheduler and the dispatch queue, end to end; latency there is")
print(" submit of a one-task job -> its operator starting)")
PY
