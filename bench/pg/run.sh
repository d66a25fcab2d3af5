#!/usr/bin/env bash
# bench/pg/run.sh BUILD_DIR [TASKS] [ROUNDS]: the shared mode as users run it, against
# graphile-worker, on ONE throwaway PostgreSQL server (scripts/pg-temp.sh, fsync on,
# synchronous_commit on: the same durability for both), a fresh database per run.
#
# Interleaved rounds (graphile-worker default, graphile-worker best, dandori noop, dandori
# sleep), then once: submit -> first task start at 20 jobs/s, 1,000 concurrent 10-task
# jobs with the peak connection count, one 1,000,000-task job with serve's peak RSS, and
# the store-only diagnostic row. BENCH_ROWS=throughput: the rounds only; latency: the
# rounds and the pickup rows.
#  * dandori: real `dandori serve --slots 0` + `dandori worker --slots 64` processes and
#    `dandori submit` of a TASKS-stage fan-out (parallel 1000); tasks/s = TASKS / (job
#    created -> job succeeded, both stamped in the database). `noop` runs inline in the
#    serve's job driver; `sleep(duration: 0ms)` goes through the worker (dispatch queue).
#  * graphile-worker (installed here into bench/peers/ with npm, never vendored): TASKS
#    no-op jobs queued at once, drained by concurrency 24 (bench/pg/graphile_bench.mjs).
# A run that fails prints FAILED and no ratio is computed from it.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
tasks=${2:-20000}
rounds=${3:-2}
dandori=$build/cli/dandori
pgbench=$build/bench/pg/dandori_pg_bench
for b in "$dandori" "$pgbench"; do
  [ -x "$b" ] || { echo "bench/pg: build $b first" >&2; exit 2; }
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bench/pg: needs node and npm (Debian: apt-get install nodejs npm)" >&2
  exit 2
fi
if [ ! -d "$root/bench/peers/node_modules/graphile-worker" ]; then
  (cd "$root/bench/peers" && npm install --no-audit --no-fund >/dev/null) || exit 2
fi

read -r dir url < <("$root/scripts/pg-temp.sh" start)
work=$(mktemp -d)
trap '"$root/scripts/pg-temp.sh" stop "$dir"; rm -rf "$work"' EXIT
base=${url%/postgres}
log=$work/nodes.log
echo "server: PostgreSQL $(psql -tA "$url" -c 'SHOW server_version'), fsync=$(psql -tA "$url" -c 'SHOW fsync'), synchronous_commit=$(psql -tA "$url" -c 'SHOW synchronous_commit'); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

cat >"$work/noop.flow" <<'EOF'
workflow fan(n: int) {
  foreach i in range(n) parallel 1000 {
    stage t = noop(value: i)
  }
}
EOF
cat >"$work/sleep.flow" <<'EOF'
workflow fan(n: int) {
  foreach i in range(n) parallel 1000 {
    stage t = sleep(duration: 0ms)
  }
}
EOF
cat >"$work/one.flow" <<'EOF'
workflow one() {
  stage t = noop(value: 1)
}
EOF

q() { psql -tA "$1" -c "$2"; }
# (Called in $(...) subshells: the name must not depend on a shell variable's update.)
fresh_db() {
  local name
  name=b$(date +%s%N)
  psql -q "$url" -c "CREATE DATABASE $name" >/dev/null
  echo "$base/$name"
}
named() { echo "$1?application_name=$2"; }

# dandori serve + worker on database $1 (scratch dirs on tmpfs when there is one); $2:
# serve's --listen (default: no HTTP API), with the token in $work/token.
dstart() {
  local wd=/tmp
  [ -d /dev/shm ] && wd=/dev/shm
  local api=(--listen '')
  [ -n "${2:-}" ] && api=(--listen "$2" --token-file "$work/token")
  (cd "$wd" && exec "$dandori" serve --store "$(named "$1" bench_serve)" "${api[@]}" --slots 0 \
    2>>"$log") &
  spid=$!
  for _ in $(seq 1 100); do
    q "$1" "SELECT 1 FROM dandori.meta LIMIT 1" >/dev/null 2>&1 && break
    sleep 0.1
  done
  (cd "$wd" && exec "$dandori" worker --store "$(named "$1" bench_worker)" --slots 64 \
    2>>"$log") &
  wpid=$!
}
dstop() {
  kill -TERM "$spid" "$wpid" 2>/dev/null
  wait "$spid" "$wpid" 2>/dev/null
}
# Waits (up to $2 s) until database $1 has no running job; 0 when all succeeded.
dwait() {
  local until=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$until" ]; do
    [ "$(q "$1" "SELECT count(*) FROM dandori.jobs WHERE state = 0")" = 0 ] && break
    sleep 0.1
  done
  [ "$(q "$1" "SELECT count(*) FROM dandori.jobs WHERE state <> 1")" = 0 ]
}

# One dandori throughput run: flow $1, label $2. Prints a JSON line.
dandori_tp() {
  local db job
  db=$(fresh_db)
  dstart "$db"
  (cd "$work" && "$dandori" submit "$work/$1.flow" -p "n=$tasks" --store "$db" >/dev/null)
  if dwait "$db" 900; then
    local s
    s=$(q "$db" "SELECT (updated_ms - created_ms) / 1000.0 FROM dandori.jobs LIMIT 1")
    echo "{\"system\": \"dandori serve+worker\", \"mode\": \"$2\", \"jobs\": $tasks, \"seconds\": $s, \"tasks_per_s\": $(python3 -c "print($tasks / $s)")}"
  else
    echo "{\"system\": \"dandori serve+worker\", \"mode\": \"$2\", \"jobs\": $tasks, \"failed\": true}"
  fi
  dstop
}
graphile() {
  node "$root/bench/pg/graphile_bench.mjs" "$(fresh_db)" "$1" "$tasks" 24 50 ||
    echo "{\"system\": \"graphile-worker\", \"mode\": \"$1\", \"jobs\": $tasks, \"failed\": true}"
}

results=$work/results.jsonl
[ "${BENCH_ROWS:-all}" = latency ] && rounds=0  # BENCH_ROWS=latency: the pickup rows only
for r in $(seq 1 "$rounds"); do
  for run in "graphile default" "graphile best" "dandori_tp noop noop" "dandori_tp sleep sleep-0ms"; do
    # shellcheck disable=SC2086
    line=$($run 2>>"$log" | tail -1)
    echo "{\"round\": $r, \"row\": $line}" >>"$results"
    echo "round $r: $line"
  done
done

# p50 / p99 of created_ms (the submit) -> task.started and -> task.succeeded, and the count,
# over the jobs of database $1.
latency() {
  q "$1" "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 1) || ' ' ||
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY s)::numeric, 1) || ' ' ||
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d)::numeric, 1) || ' ' ||
    round(percentile_cont(0.99) WITHIN GROUP (ORDER BY d)::numeric, 1) || ' ' || count(*)
    FROM (SELECT min(e.at_ms) FILTER (WHERE e.what = 'task.started') - j.created_ms AS s,
                 min(e.at_ms) FILTER (WHERE e.what = 'task.succeeded') - j.created_ms AS d
          FROM dandori.jobs j JOIN dandori.events e ON e.job = j.id GROUP BY j.id) x"
}

lat=skipped api_lat=skipped
if [ "${BENCH_ROWS:-all}" != throughput ]; then  # BENCH_ROWS=throughput: the rounds only
# Submit -> first task start at 20 jobs/s: one-task noop jobs, each by its own `dandori
# submit` process, 50 ms apart; created_ms (the submit) to the task.started event (the
# engine issuing the attempt), and to task.succeeded.
db=$(fresh_db)
dstart "$db"
for _ in $(seq 1 200); do
  (cd "$work" && "$dandori" submit "$work/one.flow" --store "$db" >/dev/null 2>>"$log") &
  sleep 0.05
done
wait $(jobs -p | grep -v -e "^$spid$" -e "^$wpid$") 2>/dev/null
if dwait "$db" 120; then lat=$(latency "$db"); else lat=FAILED; fi
dstop

# The same through serve's HTTP API from one client process (a POST of the .flow source
# per job, bench/pg/api_submit.py): no process start per submit.
db=$(fresh_db)
head -c 24 /dev/urandom | base64 >"$work/token"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dstart "$db" "127.0.0.1:$port"
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
  sleep 0.1
done
if python3 "$root/bench/pg/api_submit.py" "http://127.0.0.1:$port" "$work/token" "$work/one.flow" 200 0.05 \
  >/dev/null 2>>"$log" && dwait "$db" 120; then
  api_lat=$(latency "$db")
else
  api_lat=FAILED
fi
dstop
fi

many=skipped peak=skipped diag=skipped big=0 bigrss=skipped
if [ "${BENCH_ROWS:-all}" = all ]; then
# 1,000 concurrent 10-task jobs: submitted at once, serve and worker with their default
# --db-connections; their connections sampled every 100 ms from pg_stat_activity.
db=$(fresh_db)
dstart "$db"
peakf=$work/peak
echo 0 >"$peakf"
(
  peak=0
  while :; do
    n=$(q "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('bench_serve', 'bench_worker')" 2>/dev/null || echo 0)
    [ "${n:-0}" -gt "$peak" ] && peak=$n && echo "$peak" >"$peakf"
    sleep 0.1
  done
) &
sampler=$!
t0=$(date +%s.%N)
"$pgbench" "$db" --submit 1000 --tasks 10 >/dev/null 2>>"$log"
if dwait "$db" 900; then
  many="$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')") s"
else
  many=FAILED
fi
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
peak=$(cat "$peakf")
dstop

# One BIG-task noop fan-out job (BIG: $BENCH_BIG_TASKS, default 1,000,000) on one serve +
# worker with default settings: serve's peak RSS (VmHWM) when the job has ended.
big=${BENCH_BIG_TASKS:-1000000}
db=$(fresh_db)
dstart "$db"
(cd "$work" && "$dandori" submit "$work/noop.flow" -p "n=$big" --store "$db" >/dev/null 2>>"$log")
if dwait "$db" 1800; then
  bigrss="$(q "$db" "SELECT round((updated_ms - created_ms) / 1000.0, 1) FROM dandori.jobs LIMIT 1") s, serve peak RSS $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$spid/status") MB"
else
  bigrss=FAILED
fi
dstop

diag=$("$pgbench" "$(fresh_db)" --tasks "$tasks" --workers 4 --batch 256 --latency-tasks 50 2>>"$log" | tail -1)
fi

touch "$results"
python3 - "$results" "$lat" "$api_lat" "$many" "$peak" "$diag" "$tasks" "$big" "$bigrss" <<'PY'
import json, statistics, sys
results, lat, api_lat, many, peak, diag, tasks, big, bigrss = sys.argv[1:]
rows = [json.loads(l) for l in open(results)]
def key(r): return f"{r['row']['system']} {r['row']['mode']}"
print()
print(f"{'round':>5} {'system, path':44} {'tasks':>7} {'tasks/s':>9} {'vs graphile best':>17}")
by_round = {}
for r in rows: by_round.setdefault(r['round'], []).append(r['row'])
per_key = {}
for rnd, rs in sorted(by_round.items()):
    best = next((x for x in rs if x['system'].startswith('graphile-worker') and x['mode'] == 'best'), None)
    best_ok = best is not None and not best.get('failed')
    for x in rs:
        name = f"{x['system']}, {x['mode']}"
        if x.get('failed'):
            print(f"{rnd:>5} {name:44} {x['jobs']:>7} {'FAILED':>9}")
            continue
        ratio = f"{x['tasks_per_s'] / best['tasks_per_s']:.2f}x" if best_ok else "n/a"
        print(f"{rnd:>5} {name:44} {x['jobs']:>7} {x['tasks_per_s']:>9.0f} {ratio:>17}")
        if best_ok: per_key.setdefault(name, []).append(x['tasks_per_s'] / best['tasks_per_s'])
print()
for name, ratios in per_key.items():
    print(f"median ratio vs graphile-worker best, {name}: {statistics.median(ratios):.2f}x")
print()
for figure, how in ((lat, "one `dandori submit` process each"),
                    (api_lat, "POSTed to serve's HTTP API by one client")):
    if figure == "skipped":
        continue
    if figure == "FAILED":
        print(f"submit -> first task start at 20 jobs/s ({how}): FAILED")
        continue
    s50, s99, d50, d99, n = figure.split()
    print(f"submit -> first task start at 20 jobs/s ({n} one-task noop jobs, {how}):")
    print(f"  task.started p50 {s50} ms, p99 {s99} ms; task.succeeded p50 {d50} ms, p99 {d99} ms")
if many != "skipped":
    print(f"1,000 concurrent 10-task jobs on one serve + one worker (defaults): {many}; "
          f"peak connections held by both: {peak}")
if bigrss != "skipped":
    print(f"one {int(big):,}-task noop job on one serve + one worker (defaults): {bigrss}")
try:
    if diag == "skipped": sys.exit(0)
    d = json.loads(diag)
    print(f"diagnostic only (store path, no scheduler / serve / dispatch; not a user path): "
          f"PgStore claim/complete, 4 threads, batches of 256: {d['tasks_per_s']:.0f} tasks/s")
except Exception:
    print("diagnostic store path: FAILED")
PY
