// Jobs end to end, for the CLI, tests, the crash test and benchmarks: submit a job
// (idempotency key), drive it with a Scheduler (resume = drive again), reset failed
// tasks for `retry`, and name this process as a lease owner.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "engine/scheduler.h"

namespace dandori::engine {

// Creates the job of `table` with bound `params`, or returns the job with `key`.
Result<JobInfo> SubmitJob(Store& store, const v1::Table& table, const Value& params,
                          const std::string& key, const std::string& workdir, Clock& clock,
                          bool* created);

// Where the attempts' scratch folders of `store`'s jobs go (SchedulerOptions::
// scratch_root), so that two stores used from one folder never share one (job ids
// restart at 1 in each store). A SQLite file: <its folder>/scratch/<its name without
// extension> (.dandori/state.db -> .dandori/scratch/state); a URL (postgres://...):
// <workdir>/.dandori/scratch/<scheme>-<16 hex digits of a hash of the URL without its
// user and password>. Absolute.
std::string ScratchRootFor(const std::string& store, const std::string& workdir);

// "host:pid:start-ms": a lease owner name for this process.
std::string LocalOwner();
// True when `owner` names a process on this host that no longer exists.
bool LocalOwnerDead(const std::string& owner);

// Runs (or resumes) `job` until it ends. A job already ended returns its outcome at
// once; `started` (optional) sees the scheduler before it runs (progress, Ctrl-C).
Result<RunOutcome> DriveJob(Store& store, int64_t job, const OperatorRegistry& registry,
                            Runner& runner, Clock& clock, PoolSet& pools, SchedulerOptions options,
                            const std::function<void(Scheduler*)>& started = nullptr);

// DriveJob's first half: the job's Scheduler, loaded, for Run or Step; or, for a job
// already ended, no scheduler and its outcome.
struct PreparedJob {
  std::unique_ptr<Scheduler> scheduler;
  RunOutcome ended = RunOutcome::kSucceeded;
};
Result<PreparedJob> PrepareJob(Store& store, int64_t job, const OperatorRegistry& registry,
                               Runner& runner, Clock& clock, PoolSet& pools,
                               SchedulerOptions options);

// `dandori retry`: failed and cancelled tasks become ready again with a fresh attempt
// budget, the job runs again (drive it afterwards). Finished tasks stay finished.
// Returns how many tasks were reset.
Result<int> ResetFailedTasks(Store& store, int64_t job, Clock& clock, const std::string& who);

}  // namespace dandori::engine
