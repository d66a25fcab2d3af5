// Internal state of the Scheduler (engine/scheduler.h): the instances, block runs and
// task runs of one job, and the named parts of Scheduler::Impl (the turn's work, live
// runs by id, timers, signals, how the job ends). Shared by the scheduler_*.cc files
// listed at Scheduler::Impl. Not part of the engine's interface.
#pragma once

#include <climits>
#include <deque>
#include <map>
#include <optional>
#include <queue>
#include <random>
#include <unordered_map>

#include "engine/rolling_limit.h"
#include "engine/scheduler.h"

namespace dandori::engine {

enum class SlotState : uint8_t { kPending, kActive, kOk, kFailed, kSkipped, kCancelled };

// Where a state is in the .flow source, for error messages:
// "file.flow:14:3: stage probe (media.probe)" (a task) or "file.flow:9:3: name".
inline std::string StateWhere(const ProgramState& ps) {
  std::string label = ps.kind == v1::TASK ? "stage " + ps.name + " (" + ps.op + ")" : ps.name;
  return ps.loc.empty() ? label : ps.loc + ": " + label;
}

// A failure as the job's error: the message alone when it already names its location,
// else "stage: message".
inline std::string FailureText(const std::string& stage, const std::string& loc,
                               const Status& error) {
  const std::string& m = error.message();
  if (!loc.empty() && m.rfind(loc + ": ", 0) == 0) return m;
  return (stage.empty() ? "" : stage + ": ") + m;
}

struct Inst;
struct TaskRun;
struct BlockRun;

struct Slot {
  SlotState st = SlotState::kPending;
  int deps_left = 0;
  Value output;
  std::unique_ptr<TaskRun> task;
  std::unique_ptr<BlockRun> block;
};

// One body instance of a block (one item; one group attempt), the top level, or a
// handler. `path` extends the task keys of the states inside it.
struct Inst {
  Inst* parent = nullptr;
  BlockRun* run = nullptr;  // the block run that made it; null for top level / handler
  int block = -1;           // BLOCK_BEGIN index whose body this is; -1 top level
  int item = 0;
  Value var;
  std::string path;
  std::string label;  // the loop variables in scope, "zone=z03, server=z03-s040"
  std::vector<Slot> slots;
  int exits_left = 0;  // sinks not yet done; 0: the body reached its exit
  int active = 0;      // slots started and not terminal
  int fail_to = -1;    // where the first failure goes (the Table's failed / timed_out)
  bool failed = false;
  bool cancelled = false;
  bool done = false;
  Status error;  // first failure inside
  std::string error_stage, error_loc;
};

struct BlockRun {
  int state = 0;
  Inst* owner = nullptr;  // the instance holding the block's slot
  std::vector<Value> items;
  std::vector<std::unique_ptr<Inst>> insts;  // by item (group: by attempt)
  size_t next = 0;
  size_t wave_end = 0;  // rolling: items below wave_end belong to started waves
  int wave = 0;
  int running = 0, ok = 0, failed = 0;
  int64_t budget = 0;  // failures tolerated
  bool has_budget = false;
  int absorbed = 0;  // failures over `budget` that the workflow's `tolerate` took
  bool aborted = false;
  bool retain = false;  // keep finished instances (a name[*] reads them)
  int group_attempt = 0;
  uint64_t timer_id = 0;    // group retry wait
  uint64_t timeout_id = 0;  // the block's `timeout` (total, across retries), while armed
  int64_t started_ms = 0;
  bool timed_out = false;
  std::unique_ptr<Pool> parallel;
  RollingLimit limit;  // rolling: window and capacity floor (no cap for other blocks)
  std::vector<BranchProgress> branches;  // fan-out: by item (the live display)
  Status error;
  std::string error_stage, error_loc;
  std::string error_name;  // the first failure's label, "up[zone=z03, server=z03-s002]"
};

struct TaskRun {
  uint64_t id = 0;  // also the attempt id while one runs
  Inst* inst = nullptr;
  int slot = 0;
  int state = 0;
  std::string key;
  std::string label;  // TaskRow::label
  Value args;
  int attempts = 0;
  int64_t fence = 0;
  int64_t not_before_ms = 0;
  bool running = false;
  bool waiting_pool = false;
  Pool* pool = nullptr;
  std::shared_ptr<AttemptLink> link;
  int64_t started_ms = 0;
};

enum class TimerKind : uint8_t {
  kTaskDue,
  kTimeout,
  kHeartbeat,
  kGroupRetry,
  kBlockTimeout,
  kWorkflowTimeout
};
struct Timer {
  int64_t at;
  TimerKind kind;
  uint64_t id;  // the TaskRun or the BlockRun (timer_id) it is for; 0 for the workflow
  bool operator>(const Timer& o) const { return at > o.at; }
};

// Retry waits, attempt timeouts and heartbeats, group retries, the workflow's timeout:
// fired by the loop in time order (FireTimers). A timer whose run has moved on is
// ignored when it fires, so nothing is ever removed early.
class TimerQueue {
 public:
  void Push(int64_t at, TimerKind kind, uint64_t id) { q_.push({at, kind, id}); }
  bool empty() const { return q_.empty(); }
  int64_t NextAt() const { return q_.empty() ? INT64_MAX : q_.top().at; }
  // The earliest timer due at `now`, removed; nullopt when none is due.
  std::optional<Timer> PopDue(int64_t now) {
    if (q_.empty() || q_.top().at > now) return std::nullopt;
    Timer t = q_.top();
    q_.pop();
    return t;
  }

 private:
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> q_;
};

// The work of the current turn of the loop: the transitions to commit (one Batch, one
// group commit) and the attempts to launch once they are durable (CommitAndLaunch);
// the slots whose joins completed and the instances that ended, drained in a loop
// (ProcessFinished) so a long chain never recurses.
struct Turn {
  Batch batch;
  std::vector<Launch> launches;
  std::deque<std::pair<Inst*, int>> ready;
  std::deque<Inst*> finished;
};

// Runs that can be found again by id (timers, completions and pool waits carry ids, so
// a run that ended in between is simply not found).
struct LiveRuns {
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, TaskRun*> tasks;            // by TaskRun id, while it exists
  std::unordered_map<uint64_t, BlockRun*> blocks_waiting;  // group retry waits, by timer_id
  std::unordered_map<uint64_t, BlockRun*> blocks_timing;   // armed block timeouts, by timeout_id
  std::map<Pool*, std::deque<uint64_t>> pool_waiters;      // tasks waiting for a pool slot
};

// What comes from outside while the job runs: cancel requests (RequestCancel from any
// thread, or a stored signal) and approvals, read from the store every signal_poll_ms.
struct Signals {
  std::atomic<bool> cancel_requested{false};
  bool cancelling = false;  // the cancel has begun: nothing new starts
  std::set<std::string> approved;
  struct Gate {
    Inst* inst;
    int slot;
    std::string text;  // the gate's evaluated message
  };
  std::vector<Gate> gates;  // waiting for approval
  int64_t next_poll = 0;
};

// How the job ends: set by Finish; the error behind a failure is kept for OP_ERROR
// (the `error` record of the failure handler) and for the job's final message.
struct JobEnd {
  bool finished = false;
  RunOutcome outcome = RunOutcome::kFailed;
  Status failure;
  std::string stage, loc;
  std::string message;
  void SetFailure(const Status& error, const std::string& at_stage, const std::string& at_loc) {
    failure = error;
    stage = at_stage;
    loc = at_loc;
    message = FailureText(at_stage, at_loc, error);
  }
};

// Parts of the scheduler's state, each named for what it holds; the methods are split
// by concept over scheduler.cc (loop, commits, signals, timers), scheduler_tasks.cc
// (task attempts), scheduler_insts.cc (instances, the top level and its handlers),
// scheduler_blocks.cc (block runs) and scheduler_scope.cc (expression scopes). One
// thread runs all of it; only Signals::cancel_requested is touched from others.
struct Scheduler::Impl {
  // The job: fixed once constructed (`stored` once loaded).
  std::shared_ptr<const Program> prog;
  Store* store;
  Runner* runner;
  Clock* clock;
  PoolSet* pools;
  int64_t job;
  Value params;
  Status bind_failure;  // a policy bound from the parameters is bad (loader_bind.h)
  SchedulerOptions opt;
  std::mt19937_64 rng;
  std::vector<bool> retain;                         // by BLOCK_BEGIN: a name[*] reads below it
  std::unordered_map<std::string, TaskRow> stored;  // the job's tasks at Load (resume)

  // The running instances: the top level, the handler running now, a success handler
  // that handed over to the failure handler (InstDone may still be reading it).
  std::unique_ptr<Inst> root, handler;
  std::vector<std::unique_ptr<Inst>> retired;
  bool started = false;
  bool stepping = false;  // Step: Begin ran for this run

  Turn turn;
  LiveRuns live;
  TimerQueue timers;
  Signals signals;
  JobEnd end;
  int64_t run_tolerated = 0;  // failed items the workflow's `tolerate` took, run-wide

  std::vector<StageProgress> progress;  // by state index
  std::vector<int64_t> planned_totals;  // by state index (SetPlannedTotals), may be empty
  int64_t next_progress = 0;            // when on_progress is called next
  int64_t next_lease_renewal = 0;

  // scheduler.cc
  Result<RunOutcome> Run();
  Status Begin();  // the start of a run (first: the job lease, the top instance)
  // One turn of Run's loop: the outcome when the run ends; else *wake_at, the clock time
  // by which the runner's completions must be handed to the next turn.
  Result<std::optional<RunOutcome>> TurnOnce(int64_t* wake_at);
  Status CommitAndLaunch();
  void FireTimers();
  Status PollSignals();
  void BeginCancel();
  void AddEvent(const std::string& what, const std::string& task, int attempt,
                const std::string& detail);
  void Finish(RunOutcome o);
  // scheduler_tasks.cc
  void StartTask(Inst* inst, int slot);
  void Dispatch(TaskRun* t);
  void OnCompletion(Completion c);
  void EndAttempt(TaskRun* t, Result<Value> result);
  void TaskDue(uint64_t id);
  void AttemptTimer(const Timer& tm);
  void PumpPool(Pool* pool);
  // Adds a task's change to the branch counts of every fan-out `inst` is inside.
  static void CountBranch(Inst* inst, int done, int running, int failed);
  // scheduler_insts.cc
  std::unique_ptr<Inst> MakeInst(Inst* parent, BlockRun* run, int block, int item, Value var,
                                 std::string path);
  void StartInst(Inst* inst);
  void TryStart(Inst* inst, int slot);
  void MakeReady(Inst* inst, int slot);
  void RunReady();
  void StartHandler(int block);
  void SlotDone(Inst* inst, int slot, SlotState st, Value output, Status error = Status::Ok(),
                const std::string& stage = "", const std::string& loc = "");
  void CheckInst(Inst* inst);
  void ProcessFinished();
  void InstDone(Inst* inst);
  void HandlerDone(Inst* inst);
  void TopDone(Inst* inst);
  void CancelInst(Inst* inst);
  // scheduler_blocks.cc
  void StartBlock(Inst* inst, int slot);
  void TolerateItem(BlockRun* run, Inst* inst);
  void Pump(BlockRun* run);
  void BlockBodyDone(Inst* inst);  // an item's (or attempt's) instance ended
  void GroupRetry(uint64_t id);
  void BlockTimeout(uint64_t id);  // a block ran past its `timeout`: cancel inside, fail it
  // scheduler_scope.cc
  Result<Value> Eval(const FlatCode& code, Inst* inst, const std::string& what, int state);
  Value ErrorRecord() const;
};

}  // namespace dandori::engine
