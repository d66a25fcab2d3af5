#!/usr/bin/env bash
# pg-temp.sh: a throwaway PostgreSQL server for benchmarks and manual tests.
#
#   scripts/pg-temp.sh start [--no-fsync]   prints DIR and the URL (postgres://...)
#   scripts/pg-temp.sh stop DIR             fast shutdown, removes DIR
#
# The server listens on 127.0.0.1 on a free port with its socket inside DIR; fsync is
# on unless --no-fsync. When run as root the server runs as the `postgres` user.
# Output of `start` (two lines, for `read -r dir url`): DIR URL
set -euo pipefail
BIN=${DANDORI_PG_BIN:-/usr/lib/postgresql/15/bin}

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $(( 20000 + RANDOM % 20000 ))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

start() {
  local fsync=on
  if [ "${1:-}" = "--no-fsync" ]; then fsync=off; fi
  local dir
  dir=$(mktemp -d /tmp/dandori-pg-XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  as_server_user "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
    --locale=C --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  local port
  for _ in 1 2 3; do
    port=$(free_port)
    # Settings go into postgresql.auto.conf (no shell string through pg_ctl -o).
    {
      echo "port = $port"
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '$dir'"
      echo "fsync = $fsync"
      echo "max_connections = 200"
    } >"$dir/data/postgresql.auto.conf"
    if as_server_user "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      >/dev/null 2>&1; then
      echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  tail -20 "$dir/server.log" >&2 || true
  rm -rf "$dir"
  exit 1
}

stop() {
  local dir=${1:?usage: pg-temp.sh stop DIR}
  case "$dir" in
    /tmp/dandori-pg-*) ;;
    *) echo "pg-temp.sh: refusing to remove $dir (not a pg-temp folder)" >&2; exit 2 ;;
  esac
  as_server_user "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: pg-temp.sh start [--no-fsync] | stop DIR" >&2; exit 2 ;;
esac
