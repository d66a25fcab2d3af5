// Plan: the dry run behind `dandori plan`. Walks a Program with bound parameters,
// expands every fan-out whose list is known before running (parameters, constants, and
// the outputs of side-effect-free operators such as fleet.inventory, which it runs),
// counts tasks and waves, and predicts the duration from per-operator estimates
// (OperatorSignature::estimate_ms; `sleep` uses its duration) along the critical path,
// honouring `parallel`, batches and waves. Sibling instances (fan-out branches, items
// running in parallel) overlap, so the prediction is the makespan; a looped block inside
// another loop is shown per instance ("per zone: 10 items in 10 waves of 1"), not summed.
// Writes nothing anywhere.
#pragma once

#include <string>
#include <vector>

#include "engine/program.h"

namespace dandori::engine {

// Operators `plan` may run because they only read (their output feeds the expansion).
bool PlanMayRun(const std::string& op);

// One instance of a looped block: for a rolling block inside a fanout, one zone's
// servers and their waves.
struct PlanBranch {
  std::string label;  // the enclosing loop's item (its name/id, the value, or #N); "" at top
  int64_t items = 0;
  int64_t waves = 0;    // rolling
  int64_t batch = 0;    // rolling: items per wave
  int64_t window = -1;  // rolling `window`: items in flight at once (after the floor); -1 none
  int64_t floor = -1;   // rolling `keep ... serving`: items that stay serving; -1 none
  int64_t duration_ms = 0;
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
  int64_t duration_ms = 0;  // predicted, for one instance (the longest)
  bool unknown = false;     // some list could not be known before running
  std::string note;
  std::string scope;                 // looped blocks: the enclosing loop's name ("zone"), or ""
  std::vector<PlanBranch> branches;  // looped blocks: one per instance whose list is known
  std::vector<PlanNode> children;
};

// `registry` may be null: then no operator is run and lists from stage outputs are unknown.
Result<PlanNode> MakePlan(const Program& program, const Value& params,
                          const OperatorRegistry* registry, const std::string& workdir);

std::string PlanText(const PlanNode& plan);
Value PlanValue(const PlanNode& plan);  // for --json

}  // namespace dandori::engine
