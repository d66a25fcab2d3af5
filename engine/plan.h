// Plan: the dry run behind `dandori plan`. Walks a Program with bound parameters,
// expands every fan-out whose list is known before running (parameters, constants, and
// the outputs of side-effect-free operators such as fleet.inventory, which it runs),
// counts tasks and waves, and predicts the makespan by simulating the schedule
// (engine/plan_model.h): every task draws its duration from its operator's model
// (PlanFigures: declared figures or a store's history; else the signature's
// estimate_ms; `sleep` uses its duration), loops run their items under their rule
// (all at once, `parallel N`, waves that wait for their slowest item, a sliding window
// that hands a slot over at once, the floor's cap), and `runs` draws give the median
// and p90. A looped block inside another loop is shown per instance ("per zone: 10 items
// in 10 waves of 1"), with its own prediction and lower bound. Writes nothing anywhere.
#pragma once

#include <string>
#include <vector>

#include "engine/plan_model.h"
#include "engine/program.h"

namespace dandori::engine {

// Operators `plan` may run because they only read (their output feeds the expansion).
bool PlanMayRun(const std::string& op);

// One instance of a looped block: for a rolling block inside a fanout, one zone's
// servers and their waves.
struct PlanBranch {
  std::string label;  // the enclosing loop's item (its name/id, the value, or #N); "" at top
  int64_t items = 0;
  int64_t waves = 0;        // rolling
  int64_t batch = 0;        // rolling: items per wave
  int64_t window = -1;      // rolling `window`: items in flight at once (after the floor); -1 none
  int64_t floor = -1;       // rolling `keep ... serving`: items that stay serving; -1 none
  int64_t duration_ms = 0;  // predicted makespan of this instance: median of the draws
  int64_t p90_ms = 0;
  int64_t bound_ms = 0;  // lower bound: max(longest item, item time / the floor's concurrency)
};

// An operator's figure as used by the plan, for the listing.
struct PlanFigure {
  std::string op;
  int64_t median_ms = 0, p90_ms = 0;
  double runs = -1;
  std::string source;
};

struct PlanNode {
  int state = -1;    // -1: the workflow
  std::string kind;  // "workflow", "stage", "gate", "foreach", "fanout", "rolling", "group", ...
  std::string name;
  std::string op;
  int64_t instances = 0;  // how many times this node occurs (product of enclosing items)
  int64_t items = 0;      // blocks: items over all instances (-1: unknown before running)
  int64_t waves = 0;      // rolling: waves over all instances
  int64_t parallel = 0;
  int64_t tasks = 0;        // tasks inside (a stage: its instances)
  int64_t duration_ms = 0;  // predicted median, for one instance (the longest)
  int64_t p90_ms = 0;
  int64_t bound_ms = 0;  // looped blocks and the workflow: the largest branch lower bound
  std::string source;    // stages: where the operator's figure came from
  bool unknown = false;  // some list could not be known before running
  std::string note;
  std::string scope;                 // looped blocks: the enclosing loop's name ("zone"), or ""
  std::vector<PlanBranch> branches;  // looped blocks: one per instance whose list is known
  std::vector<PlanNode> children;
  // The workflow only: the figures used, the engine's cost per task, the draws.
  std::vector<PlanFigure> figures;
  int64_t overhead_ms = 0;
  std::string overhead_source;
  int draws = 0;
};

struct PlanOptions {
  const PlanFigures* figures = nullptr;  // null: the operators' estimates only
  int draws = 200;                       // simulated runs (median and p90 over them)
  uint64_t seed = 1;
};

// `registry` may be null: then no operator is run and lists from stage outputs are unknown.
Result<PlanNode> MakePlan(const Program& program, const Value& params,
                          const OperatorRegistry* registry, const std::string& workdir,
                          const PlanOptions& options = {});

std::string PlanText(const PlanNode& plan);
Value PlanValue(const PlanNode& plan);  // for --json

}  // namespace dandori::engine
