#!/usr/bin/env bash
# Optional benchmark: Ansible (Debian's ansible, `uri` + `serial`, connection local) beside
# dandori on the same camfleet simulator over loopback, the same per-server steps
# (deregister, drain, restart, health, register; deploy.yml / deploy.flow), one server per
# zone at a time, zones at once. bench/fleet/ansible/run.sh [BUILD]
#   FLEETS="2x6 2x20" CAMERAS=20 SCALE=300 CAP=600 (seconds per Ansible run) ROUNDS=1
# Interleaved per fleet: dandori, Ansible, (dandori, Ansible, ...). Prints makespan and CPU
# per host-task (user + system of the run and its children / (servers x 5 steps)) and the
# ratios. Skips (exit 0) with a message when ansible-playbook is absent: it is not one of
# `make test`'s dependencies (apt-get install -y ansible).
set -euo pipefail
BUILD=${1:-build}
FLEETS=${FLEETS:-2x6 2x20}
CAMERAS=${CAMERAS:-20}
SCALE=${SCALE:-300}
CAP=${CAP:-600}
ROUNDS=${ROUNDS:-1}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v ansible-playbook >/dev/null; then
  echo "bench/fleet/ansible: SKIPPED: ansible-playbook not found (apt-get install -y ansible)"
  exit 0
fi
camfleet="$BUILD/examples/camfleet/camfleet"
dandori="$BUILD/cli/dandori"
for bin in "$camfleet" "$dandori"; do
  [ -x "$bin" ] || { echo "bench/fleet/ansible: $bin not built" >&2; exit 2; }
done
work=$(mktemp -d /tmp/dandori-ansible-bench.XXXXXX)
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
steps=5
echo "bench/fleet/ansible: $(ansible-playbook --version 2>/dev/null | head -1); dandori $("$dandori" --version 2>/dev/null | head -1)"
echo "bench/fleet/ansible: cameras/server $CAMERAS, time scale $SCALE, cap ${CAP}s per Ansible run; load: $(uptime | sed 's/.*load average: //')"

start_sim() {  # zones servers
  rm -f "$work/port"
  "$camfleet" --zones "$1" --servers-per-zone "$2" --cameras-per-server "$CAMERAS" \
    --time-scale "$SCALE" --seed 7 --floor 50 --batch 1 --port 0 --port-file "$work/port" \
    --inventory "$work/fleet.json" >"$work/sim.log" 2>&1 &
  sim_pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "bench/fleet/ansible: the simulator did not start" >&2; exit 1; }
}
stop_sim() {  # prints "dropped upgraded"
  local port; port=$(cat "$work/port")
  curl -s "http://127.0.0.1:$port/report?brief=1" >"$work/report.json" || true
  kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; sim_pid=""
    jq -r '"\(.cameras_dropped // "?") \(.versions["2.0"] // 0)"' "$work/report.json"
}
# CPU seconds (user + system, children included) and wall seconds of a command, capped.
measure() {  # out-prefix command...
  local prefix=$1; shift
  local status=0
  /usr/bin/time -f "%e %U %S" -o "$work/$prefix.time" timeout "$CAP" "$@" \
    >"$work/$prefix.log" 2>&1 || status=$?
  echo "$status"
}

for fleet in $FLEETS; do
  zones=${fleet%x*} servers=${fleet#*x}
  hosts=$((zones * servers))
  for round in $(seq "$ROUNDS"); do
    # dandori
    start_sim "$zones" "$servers"
    st=$(measure dandori "$dandori" run "$here/deploy.flow" --param version=2.0 \
      --param inventory="$work/fleet.json" --store "$work/state-$fleet-$round.db")
    read -r d_wall d_user d_sys < <(tail -1 "$work/dandori.time")
    read -r d_drop d_up < <(stop_sim)
    # Ansible: the inventory from the simulator's, servers interleaved by zone.
    start_sim "$zones" "$servers"
    jq '
      [.zones[] | .servers] as $zs
      | {servers: {hosts: ([range(0; ($zs | map(length) | max)) as $i | $zs[] | .[$i] // empty]
                  | map({key: .id, value: {admin, metrics, registry}}) | from_entries),
                  vars: {ansible_python_interpreter: "/usr/bin/python3"}}}' \
      "$work/fleet.json" >"$work/hosts.json"
    sa=$(ANSIBLE_FORKS=$zones ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False \
      measure ansible ansible-playbook -i "$work/hosts.json" -e "zones=$zones version=2.0" \
      "$here/deploy.yml")
    read -r a_wall a_user a_sys < <(tail -1 "$work/ansible.time")
    read -r a_drop a_up < <(stop_sim)
    d_cpu=$(awk -v u="$d_user" -v s="$d_sys" -v n=$((hosts * steps)) 'BEGIN { printf "%.4f", (u + s) / n }')
    a_cpu=$(awk -v u="$a_user" -v s="$a_sys" -v n=$((hosts * steps)) 'BEGIN { printf "%.4f", (u + s) / n }')
    d_res="dandori ${d_wall}s, CPU/host-task ${d_cpu}s, dropped $d_drop, upgraded $d_up"
    [ "$st" = 0 ] || d_res="dandori FAILED (exit $st) after ${d_wall}s"
    if [ "$sa" = 124 ]; then
      a_res="Ansible DID NOT FINISH in ${CAP}s (CPU ${a_user}+${a_sys}s so far)"
      ratio="makespan ratio > $(awk -v a="$CAP" -v d="$d_wall" 'BEGIN { printf "%.0f", a / d }')x"
    elif [ "$sa" != 0 ]; then
      a_res="Ansible FAILED (exit $sa) after ${a_wall}s; $(grep -m1 -E 'fatal|ERROR' "$work/ansible.log" || true)"
      ratio="no ratio (a run failed)"
    else
      a_res="Ansible ${a_wall}s, CPU/host-task ${a_cpu}s, dropped $a_drop, upgraded $a_up"
      ratio=$(awk -v aw="$a_wall" -v dw="$d_wall" -v ac="$a_cpu" -v dc="$d_cpu" \
        'BEGIN { printf "Ansible / dandori: makespan %.1fx, CPU per host-task %.0fx", aw / dw, ac / dc }')
    fi
    [ "$st" = 0 ] || ratio="no ratio (a run failed)"
    echo "$fleet round $round ($hosts servers x $steps steps): $d_res | $a_res | $ratio"
  done
done
echo "bench/fleet/ansible: load at the end: $(uptime | sed 's/.*load average: //')"
