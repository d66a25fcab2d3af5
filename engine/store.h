// Store: the durable state of jobs, tasks, attempts, leases, outputs and events
// (DESIGN §5). Two implementations pass the same contract (engine/store_contract.h):
// the embedded SQLite file (engine/sqlite_store.h) and PostgreSQL (engine/pg/pg_store.h).
//
// Model
//  * A job is one execution of a Table with bound parameters: an id (assigned by the
//    store) and an optional idempotency key (CreateJob with a known key returns the
//    existing job).
//  * A task is one state instance, named by a key unique within its job
//    ("s12/3/7": state 12, items 3 then 7 of its enclosing loops). An attempt is one
//    try; `attempts` counts the tries started so far (a rescued lease counts).
//  * A task is claimed with a lease: owner, expiry and a fencing token (`fence`, which
//    grows by one per claim). Results are accepted only with the current token; a late
//    answer from a stalled owner is refused (not an error of the batch: the op reports
//    accepted = false).
//  * Every change goes through Commit(Batch): one transaction, many transitions (group
//    commit). Durability rule: nothing is started or reported before Commit returns.
//  * Events are an append-only history per job with a store-wide increasing sequence.
//
// A task key's human label (TaskRow::label) is written with the row's first Put or
// Start and never changes.
//
// Thread rules: a Store object is used by one thread at a time (the scheduler thread);
// several processes may open the same database (SQLite: serialized by file locks;
// PostgreSQL: by row locks).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/value.h"

namespace dandori::engine {

enum class JobState { kRunning = 0, kSucceeded = 1, kFailed = 2, kCancelled = 3 };
enum class TaskState {
  kReady = 0,      // waiting to be claimed (not before `not_before_ms`)
  kRunning = 1,    // claimed: owner, lease_until_ms, fence are set
  kSucceeded = 2,  // output is set; never run again
  kFailed = 3,     // retries exhausted or not retryable; error is set
  kCancelled = 4,
  kSkipped = 5,  // `when` was false
};
std::string_view JobStateName(JobState s);
std::string_view TaskStateName(TaskState s);
bool IsTerminal(TaskState s);

struct JobSpec {
  std::string workflow;
  std::string table;    // the serialized dandori.v1.Table
  std::string params;   // EncodeValue(record of bound parameters)
  std::string key;      // idempotency key; empty = none
  std::string workdir;  // where the job runs (relative paths resolve here)
};

// An approve gate waiting for a person: `gate` is the name to approve, `task` the
// instance's key (the gate name, plus the loop path inside a loop: "go/3"), `message`
// the gate's evaluated text. Derived from events (job_control.h) or read off a live
// Scheduler.
struct WaitingGate {
  std::string gate;
  std::string task;
  std::string message;
};

struct JobInfo {
  int64_t id = 0;
  std::string key;
  std::string workflow;
  JobState state = JobState::kRunning;
  std::string table;
  std::string params;
  std::string workdir;
  std::string error;  // the failure message of a failed job
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  // The engine process driving the job (job-level lease; see AcquireJob).
  std::string owner;
  int64_t owner_until_ms = 0;
};

struct TaskRow {
  std::string key;
  std::string stage;  // stage name, for status and events
  // The task's name for people: the stage and its loop variables,
  // "drain[zone=z03, server=z03-s040]" (engine/task_label.h); the key stays the id.
  std::string label;
  TaskState state = TaskState::kReady;
  int attempts = 0;
  int64_t not_before_ms = 0;
  std::string owner;
  int64_t lease_until_ms = 0;
  int64_t fence = 0;
  std::string output;  // EncodeValue(output record) when succeeded
  std::string error;
  Code error_class = Code::kOk;
  int64_t updated_ms = 0;
};

struct Event {
  int64_t seq = 0;  // assigned by the store, increasing
  int64_t job = 0;
  int64_t at_ms = 0;
  std::string who;   // "engine host:pid", "cli user", ...
  std::string what;  // "job.created", "task.started", "task.failed", "gate.approved", ...
  std::string task;  // task key, or empty
  int attempt = 0;
  std::string detail;  // error text or other detail
};

// What one attempt of a task wrote, one stream of it (OperatorContext::log): stdout,
// stderr, progress. `text` is the stream's last kLogCapBytes (base/capped_log.h);
// `truncated` says earlier bytes were dropped. Written with the attempt's end.
struct LogChunk {
  std::string task;  // task key
  int attempt = 0;
  std::string stream;
  std::string text;
  bool truncated = false;
  int64_t at_ms = 0;
};

struct Signal {
  std::string kind;  // "approve" or "cancel"
  std::string name;  // gate name (approve) or empty
  std::string who;
  int64_t at_ms = 0;
};

// One transaction of transitions. Ops apply in order.
class Batch {
 public:
  enum class OpKind { kStart, kFinish, kPut, kEvent, kJobState, kLog };
  struct Op {
    OpKind kind = OpKind::kPut;
    int64_t job = 0;
    TaskRow row;   // kStart: key, stage, attempts, owner, lease_until_ms, fence
                   // kFinish: key, fence, state, output, error, error_class, not_before_ms
                   // kPut: the whole row
    Event event;   // kEvent
    LogChunk log;  // kLog
    JobState job_state = JobState::kRunning;  // kJobState
    std::string error;                        // kJobState
    int64_t at_ms = 0;                        // kJobState: the job's updated_ms
  };

  // Claims `row.key` for row.owner: state running, attempts = row.attempts, fence =
  // row.fence. Accepted only when the stored fence is row.fence - 1 (0 for a task not
  // stored yet), so two claimers cannot both win.
  void Start(int64_t job, TaskRow row) { AddRow(OpKind::kStart, job, std::move(row)); }
  // Records an attempt's end: row.state (succeeded, failed, cancelled, or ready again
  // for a retry at row.not_before_ms), output, error. Accepted only when the stored
  // task is running with fence == row.fence.
  void Finish(int64_t job, TaskRow row) { AddRow(OpKind::kFinish, job, std::move(row)); }
  // Writes a task row unconditionally (ready tasks, skips, a reset by `retry`).
  void Put(int64_t job, TaskRow row) { AddRow(OpKind::kPut, job, std::move(row)); }
  void AddEvent(Event e) {
    Op op;
    op.kind = OpKind::kEvent;
    op.job = e.job;
    op.event = std::move(e);
    Add(std::move(op));
  }
  // Stores an attempt's log stream (replacing one stored for the same task, attempt and
  // stream).
  void AddLog(int64_t job, LogChunk log) {
    Op op;
    op.kind = OpKind::kLog;
    op.job = job;
    op.log = std::move(log);
    Add(std::move(op));
  }
  // Sets the job's state (and error); its updated_ms becomes now_ms, the engine's Clock
  // time, not the database's.
  void SetJobState(int64_t job, JobState s, int64_t now_ms, std::string error = "") {
    Op op;
    op.kind = OpKind::kJobState;
    op.job = job;
    op.job_state = s;
    op.error = std::move(error);
    op.at_ms = now_ms;
    Add(std::move(op));
  }

  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  void Add(Op op) { ops_.push_back(std::move(op)); }
  void AddRow(OpKind kind, int64_t job, TaskRow row) {
    Op op;
    op.kind = kind;
    op.job = job;
    op.row = std::move(row);
    Add(std::move(op));
  }
  std::vector<Op> ops_;
};

// What the claim functions hand out.
struct Claim {
  int64_t job = 0;
  TaskRow row;  // as stored after the claim (state running, new fence and attempts)
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates a job, or returns the job that already has spec.key (then *created is false
  // and nothing is written).
  virtual Result<JobInfo> CreateJob(const JobSpec& spec, int64_t now_ms, bool* created) = 0;
  virtual Result<JobInfo> GetJob(int64_t id) = 0;  // kNotFound when unknown
  // Most recent first.
  virtual Result<std::vector<JobInfo>> ListJobs(int limit) = 0;

  // Job-level lease: the engine process that drives a job. Succeeds when the job has no
  // owner, the owner's lease ended before now_ms, the owner is `owner`, or `force`.
  // Otherwise kFailedPrecondition naming the owner.
  virtual Status AcquireJob(int64_t job, const std::string& owner, int64_t now_ms, int64_t until_ms,
                            bool force) = 0;
  virtual Status ReleaseJob(int64_t job, const std::string& owner) = 0;

  // Applies all ops in one transaction. accepted[i] says whether op i took effect
  // (false only for a Start or Finish refused by its fencing token). On a non-ok Status
  // nothing of the batch is stored.
  virtual Status Commit(const Batch& batch, std::vector<bool>* accepted) = 0;

  // Atomically claims up to `max` tasks of `job` (0: of any running job) that are ready
  // with not_before_ms <= now_ms, or running with lease_until_ms < now_ms (rescued: the
  // lost attempt counts). Each claim gets fence + 1, attempts + 1, the lease, and a
  // task.started event (task.rescued first for a rescue).
  virtual Result<std::vector<Claim>> ClaimTasks(int64_t job, const std::string& owner,
                                                int64_t now_ms, int64_t lease_ms, int max) = 0;
  // Extends a lease; kFailedPrecondition when `fence` is not the current token.
  virtual Status Heartbeat(int64_t job, const std::string& key, int64_t fence,
                           int64_t lease_until_ms) = 0;

  virtual Result<std::vector<TaskRow>> LoadTasks(int64_t job) = 0;
  virtual Result<TaskRow> GetTask(int64_t job, const std::string& key) = 0;
  // Events of `job` with seq > after_seq, oldest first, at most `limit`.
  virtual Result<std::vector<Event>> ListEvents(int64_t job, int64_t after_seq, int limit) = 0;

  // Signals from outside the engine (approve a gate, cancel a job); idempotent per
  // (job, kind, name). Also appends an event.
  virtual Status AddSignal(int64_t job, const Signal& signal) = 0;
  virtual Result<std::vector<Signal>> ListSignals(int64_t job) = 0;
  // Logs of `job`'s attempts: of one task (empty: all) and one attempt (0: all), stored
  // with at_ms >= since_ms (0: all; a follower's cursor), in task, attempt and stream order.
  virtual Result<std::vector<LogChunk>> ListLogs(int64_t job, const std::string& task, int attempt,
                                                 int64_t since_ms) = 0;
  // Removes a signal (retry clears a cancel request).
  virtual Status ClearSignal(int64_t job, const std::string& kind, const std::string& name) = 0;
};

}  // namespace dandori::engine
