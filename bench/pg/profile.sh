#!/usr/bin/env bash
# bench/pg/profile.sh BUILD_DIR [TASKS] [FLOW]: where the database time of the user's
# path goes. One throwaway server (fsync on, synchronous_commit on) with
# pg_stat_statements; real `dandori serve --slots 0` + `dandori worker --slots 64`; one
# TASKS-stage fan-out of FLOW (`sleep`: sleep(duration: 0ms) through the worker, the
# default; `noop`: inline in serve). Prints per task: commits (pg_stat_database
# xact_commit), WAL flushes (pg_stat_wal wal_sync: the fsyncs), statements, and the
# statements by calls per task. A diagnostic, not a benchmark: no ratio is computed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
tasks=${2:-10000}
flow=${3:-sleep}
dandori=$build/cli/dandori
[ -x "$dandori" ] || { echo "bench/pg: build $dandori first" >&2; exit 2; }
bin=${DANDORI_PG_BIN:-/usr/lib/postgresql/15/bin}
as_server_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

read -r dir url < <("$root/scripts/pg-temp.sh" start)
work=$(mktemp -d)
trap 'kill -TERM $spid $wpid 2>/dev/null; wait 2>/dev/null; "$root/scripts/pg-temp.sh" stop "$dir"; rm -rf "$work"' EXIT
spid='' wpid=''
# pg_stat_statements needs a preload and so a restart.
echo "shared_preload_libraries = 'pg_stat_statements'" | as_server_user tee -a "$dir/data/postgresql.auto.conf" >/dev/null
as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -m fast restart >/dev/null || exit 1
q() { psql -tA "$url" -c "$1"; }
q "CREATE EXTENSION pg_stat_statements" >/dev/null
case "$flow" in
  sleep) body='stage t = sleep(duration: 0ms)' ;;
  noop) body='stage t = noop(value: i)' ;;
  *) echo "bench/pg/profile.sh: FLOW is sleep or noop" >&2; exit 2 ;;
esac
cat >"$work/fan.flow" <<EOF
workflow fan(n: int) {
  foreach i in range(n) parallel 1000 {
    $body
  }
}
EOF
wd=/tmp
[ -d /dev/shm ] && wd=/dev/shm
(cd "$wd" && exec "$dandori" serve --store "$url" --listen '' --slots 0 2>>"$work/log") &
spid=$!
for _ in $(seq 1 100); do q "SELECT 1 FROM dandori.meta LIMIT 1" >/dev/null 2>&1 && break; sleep 0.1; done
(cd "$wd" && exec "$dandori" worker --store "$url" --slots 64 2>>"$work/log") &
wpid=$!
sleep 1
# From here on: the job only.
q "SELECT pg_stat_statements_reset(), pg_stat_reset(), pg_stat_reset_shared('wal')" >/dev/null
c0=$(q "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
(cd "$work" && "$dandori" submit "$work/fan.flow" -p "n=$tasks" --store "$url" >/dev/null) || exit 1
until [ "$(q "SELECT count(*) FROM dandori.jobs WHERE state = 0")" = 0 ]; do sleep 0.2; done
# CPU seconds (user + system) of serve, worker and every PostgreSQL process, at the end.
cpu() { awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat" 2>/dev/null; }
pmaster=$(head -1 "$dir/data/postmaster.pid")
pgcpu=$(for p in $pmaster $(pgrep -P "$pmaster"); do cat "/proc/$p/stat" 2>/dev/null; done |
  awk '{t += $14 + $15} END {printf "%.1f", t / 100}')
cpus="CPU s: serve $(cpu "$spid"), worker $(cpu "$wpid"), postgres $pgcpu (all its processes, whole run)"
sleep 0.5  # let pg_stat_database catch up
state=$(q "SELECT state FROM dandori.jobs LIMIT 1")
secs=$(q "SELECT (updated_ms - created_ms) / 1000.0 FROM dandori.jobs LIMIT 1")
echo "flow $flow, $tasks tasks, job state $state (1 = succeeded), $secs s, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$cpus"
psql -q "$url" -v tasks="$tasks" -v c0="$c0" <<'SQL'
\pset footer off
SELECT round((xact_commit - :c0)::numeric / :tasks, 3) AS commits_per_task
FROM pg_stat_database WHERE datname = current_database();
SELECT round(wal_sync::numeric / :tasks, 3) AS wal_fsyncs_per_task,
       round(wal_records::numeric / :tasks, 1) AS wal_records_per_task,
       round(wal_bytes::numeric / :tasks) AS wal_bytes_per_task FROM pg_stat_wal;
SELECT round(sum(calls)::numeric / :tasks, 2) AS statements_per_task FROM pg_stat_statements
WHERE query NOT ILIKE '%pg_stat%';
SELECT round(calls::numeric / :tasks, 3) AS calls_per_task, round(rows::numeric / greatest(calls, 1), 1) AS rows_per_call,
       round(total_exec_time::numeric, 0) AS total_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS query
FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%' ORDER BY calls DESC LIMIT 25;
SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables
WHERE schemaname = 'dandori' AND (n_tup_ins + n_tup_upd + n_tup_del) > 0 ORDER BY relname;
SQL
