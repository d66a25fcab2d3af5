// `dandori plan --figures FILE`: operator durations declared by the fleet (or its
// simulator) rather than measured, read into engine::PlanFigures. YAML or JSON:
//
//   time_scale: 300          # the fleet's seconds per real second (camfleet --time-scale); 1
//   overhead: 25ms           # real time the engine adds to each task (HTTP, commits, queueing)
//   operators:
//     fleet.drain:           # a drain waits for the slowest of its cameras' moves
//       max_of: 100          #   cameras per server
//       lognormal: {median: 20s, sigma: 0.8}
//       tail: {fraction: 0.003, scale: 120s, shape: 1.5}   # Pareto moves, for this fraction
//       cap: 3600s
//     fleet.restart: {uniform: [20s, 40s], plus: 5ms}      # plus: real time, not scaled
//     fleet.health: {fixed: 0s, plus: 40ms}
//     fail: {fixed: 0s, runs: 0.01}   # runs: of the tasks whose `when` is known only when
//                                     # running, the fraction that runs
// Durations are in the fleet's time (divided by time_scale) except `overhead` and
// `plus`. Each model is drawn kDraws times into a table (seeded, so a plan is repeatable).
// Errors name the file, and the line and column of the bad node.
#pragma once

#include <string>

#include "base/status.h"
#include "engine/plan_model.h"

namespace dandori::cli {

Result<engine::PlanFigures> LoadPlanFigures(const std::string& path);

}  // namespace dandori::cli
