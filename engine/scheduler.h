// Scheduler: drives one job of a Program to its end (DESIGN §5, docs/engine.md).
//
// One thread owns all scheduling state. Each turn of the loop it takes the finished
// attempts from the Runner, decides what follows (successors, retries, waves, handlers),
// writes every resulting transition into one Batch, commits it (group commit), and only
// then launches the attempts it claimed: nothing is started or reported before its
// transition is durable. Resuming replays the job against the stored tasks: a task
// stored as succeeded gives its stored output and never runs again; a task stored as
// running whose owner died is rescued (its lost attempt counts).
//
// Limits are objects: per-family worker pools (engine/pool.h) and one `parallel` Pool per
// block run. Time comes only from the Clock, so tests drive it with a FakeClock and the
// SimRunner.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/pool.h"
#include "engine/program.h"
#include "engine/runner.h"
#include "engine/store.h"

namespace dandori::engine {

struct SchedulerOptions {
  std::string owner = "engine";  // lease owner, e.g. "host:pid:start"
  int64_t lease_ms = 60'000;
  int64_t signal_poll_ms = 250;  // how often approvals / cancel requests are read
  // Tests: return kBlocked when only an approval can make progress (instead of polling).
  bool return_when_blocked = false;
  uint64_t seed = 0;  // jitter randomness; 0 = random
  std::string workdir = ".";
  // Per-attempt scratch dirs go under it (<root>/<job>/<task>/<attempt>); empty =
  // workdir/.dandori/scratch. Use ScratchRootFor (job_runner.h): job ids are per store.
  std::string scratch_root;
  // True when a lease owner is known to be gone (same host, process not alive): its
  // running tasks are rescued at once instead of after the lease expires.
  std::function<bool(const std::string& owner)> owner_dead;
  std::set<std::string> trivial_ops = {"noop"};  // run inline, no scratch dir
  // An attempt cut short because its engine stopped (crash, kill, lost store) is
  // *interrupted*: on resume it runs again without spending an attempt. A task
  // interrupted this many times fails instead (it may be what kills its engine).
  int max_interruptions = 5;
  // DriveJob, when another engine holds the job's lease and is not provably gone:
  // null = fail at once ("is being run by"); set = wait for the lease to end, calling
  // this once with a line saying who holds it and for how long.
  std::function<void(const std::string&)> wait_for_lease;
  // Called after each commit at most every progress_every_ms (clock time).
  std::function<void()> on_progress;
  int64_t progress_every_ms = 200;
};

enum class RunOutcome { kSucceeded, kFailed, kCancelled, kBlocked };
std::string_view RunOutcomeName(RunOutcome o);

struct StageProgress {
  int state = 0;
  std::string name;
  int64_t total = 0;  // instances known so far
  int64_t done = 0;   // succeeded or skipped
  int64_t running = 0;
  int64_t failed = 0;
};

// One item of an outermost fan-out (a zone of a deploy): its tasks so far, all levels
// below it counted.
struct BranchProgress {
  std::string block;  // the fan-out's variable, "zone"
  std::string item;   // the item as a label reads it, "z03"
  int64_t done = 0, running = 0, failed = 0;
  bool ended = false;  // its body instance has ended
  bool item_failed = false;
};

class Scheduler {
 public:
  Scheduler(std::shared_ptr<const Program> program, Store* store, Runner* runner, Clock* clock,
            PoolSet* pools, int64_t job, Value params, SchedulerOptions options);
  ~Scheduler();

  // Reads the job's stored tasks (a resume). Call once before Run.
  Status Load();
  // Runs until the job ends (or is blocked, with return_when_blocked). Writes the job's
  // final state. A store error or a lost job lease stops the run with that status.
  Result<RunOutcome> Run();
  // Run's loop one turn at a time, for a process driving many jobs on a few threads
  // (server/job_drivers.h): hands `done` (the runner's completions, which the caller
  // collected instead of Runner::Wait) to the job, decides, commits and launches. Returns
  // the outcome when the run ended; otherwise nullopt and *wake_at, the clock time by
  // which Step must run again (sooner when completions arrive or Runner::Wake is called).
  // Use either Run or Step for a run, not both.
  Result<std::optional<RunOutcome>> Step(std::vector<Completion> done, int64_t* wake_at);
  // Thread-safe: cancel the job (running operators get their CancelToken fired).
  void RequestCancel();

  // Per-stage counts. A stage's total is the larger of the instances known so far and
  // the total set by SetPlannedTotals (what `plan` knew before the run).
  std::vector<StageProgress> Progress() const;
  std::vector<WaitingGate> WaitingGates() const;
  // The items of the fan-outs not inside another fan-out, while those blocks run.
  std::vector<BranchProgress> Branches() const;
  // planned[state] = the tasks `plan` predicts for that state (0: unknown).
  void SetPlannedTotals(std::vector<int64_t> planned);
  const Program& program() const;
  const Value& params() const;
  const std::string& failure_message() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dandori::engine
