// Policy binding (format 4): a policy field written as an expression over the job's
// parameters (`timeout drain_timeout`, `backoff poll..poll * 4`, `tolerate n`) is
// evaluated once when a job starts, so one plan serves real time and a simulator's
// compressed time. The loader's Program keeps the expressions (Policy.bound); a job
// gets a copy of it with every bound field written into the Policy (and a bound
// `tolerate` into the Block), which the scheduler then reads like any constant.
//
// A value out of range (a duration <= 0 or over 30 days, retry outside 0..100, backoff
// minimum above its maximum, a negative tolerate) or of the wrong type is an error
// naming the policy item's source location, its text and the parameters it read.
#pragma once

#include <memory>

#include "base/status.h"
#include "base/value.h"
#include "engine/program.h"

namespace dandori::engine {

// Whether any policy of `program` (states or workflow) has a bound field.
bool HasPolicyBindings(const Program& program);

// `program` itself when nothing is bound, else a copy with every bound field evaluated
// against `params` (the record BindParams returns) and its bindings cleared.
Result<std::shared_ptr<const Program>> BindPolicies(std::shared_ptr<const Program> program,
                                                    const Value& params);

}  // namespace dandori::engine
