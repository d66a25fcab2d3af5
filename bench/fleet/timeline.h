// Where a deploy's time goes, from the simulator's per-server timeline (the report's
// `per_server.*.timeline_s`: upload, deregister, drain, drained, restart, up, registered
// in simulated seconds). For each step boundary the gap the engine and the operators
// added on top of what the fleet itself needed (the camera moves and the restart the
// simulator drew), and the slot hand-off: how long after a server of a zone registered
// again the next server of that zone started (its upload). It also replays the zone's
// servers in inventory order over `slots` with the simulator's own durations and no
// overhead at all: the makespan an ideal engine running the same plan would reach.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fleetbench {

struct Breakdown {
  std::string text;       // the table, for people
  double ideal_s = 0;     // inventory order, `slots` per zone, zero overhead (real s)
  double observed_s = 0;  // first upload to last register (real s)
  double overhead_s = 0;  // mean per server: slot held minus drain and restart needs
  int servers = 0;        // with a complete timeline
};

// `report`: the simulator's report with per_server; `scale`: its time scale; `slots`:
// the servers a zone may have out at once (the floor's).
Breakdown Analyze(const nlohmann::json& report, double scale, int slots);

}  // namespace fleetbench
