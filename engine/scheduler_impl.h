// Internal state of the Scheduler (engine/scheduler.h), shared by scheduler.cc (the loop,
// commits, signals, timers), scheduler_tasks.cc (task attempts) and scheduler_blocks.cc
// (instances, blocks, expression scopes). Not part of the engine's interface.
#pragma once

#include <deque>
#include <map>
#include <queue>
#include <random>
#include <unordered_map>

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
  bool aborted = false;
  bool retain = false;  // keep finished instances (a name[*] reads them)
  int group_attempt = 0;
  uint64_t timer_id = 0;  // group retry wait
  std::unique_ptr<Pool> parallel;
  Status error;
  std::string error_stage, error_loc;
};

struct TaskRun {
  uint64_t id = 0;  // also the attempt id while one runs
  Inst* inst = nullptr;
  int slot = 0;
  int state = 0;
  std::string key;
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

enum class TimerKind : uint8_t { kTaskDue, kTimeout, kHeartbeat, kGroupRetry, kWorkflowTimeout };
struct Timer {
  int64_t at;
  TimerKind kind;
  uint64_t id;
  bool operator>(const Timer& o) const { return at > o.at; }
};

struct Scheduler::Impl {
  std::shared_ptr<const Program> prog;
  Store* store;
  Runner* runner;
  Clock* clock;
  PoolSet* pools;
  int64_t job;
  Value params;
  SchedulerOptions opt;
  std::mt19937_64 rng;

  std::unordered_map<std::string, TaskRow> stored;  // the job's tasks at Load (resume)
  std::unique_ptr<Inst> root, handler;
  bool started = false, finished = false;
  RunOutcome outcome = RunOutcome::kFailed;
  std::atomic<bool> cancel_requested{false};
  bool cancelling = false;
  Status failure;  // the error behind the job's failure (for OP_ERROR)
  std::string failure_stage, failure_loc;
  std::string failure_message;

  Batch batch;
  std::vector<Launch> to_launch;
  std::deque<Inst*> finished_insts;
  std::deque<std::pair<Inst*, int>> ready;     // slots whose joins are complete, to start
  std::vector<std::unique_ptr<Inst>> retired;  // a success handler that handed over
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, TaskRun*> tasks;  // by TaskRun id, while it exists
  std::unordered_map<uint64_t, BlockRun*> blocks_waiting;
  std::map<Pool*, std::deque<uint64_t>> pool_waiters;
  std::vector<std::pair<Inst*, int>> gates;  // waiting for approval
  std::set<std::string> approved;
  int64_t next_signal_poll = 0;
  int64_t next_progress = 0;
  int64_t next_lease_renewal = 0;
  std::vector<StageProgress> progress;  // by state index
  std::vector<bool> retain;             // by BLOCK_BEGIN: a name[*] reads below it

  // scheduler.cc
  Result<RunOutcome> Run();
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
  // scheduler_blocks.cc
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
  void StartBlock(Inst* inst, int slot);
  void Pump(BlockRun* run);
  void GroupRetry(uint64_t id);
  void TopDone(Inst* inst);
  void CancelInst(Inst* inst);
  Result<Value> Eval(const FlatCode& code, Inst* inst, const std::string& what, int state);
  Value ErrorRecord() const;
};

}  // namespace dandori::engine
