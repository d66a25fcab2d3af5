// Job control: the job verbs a person or a program uses on a job — submit, status,
// events (and following them), approve, cancel, resume, retry — on any Store, with
// their rules decided here once. The CLI (cli/cmd_jobs.cc, cli/cmd_submit.cc) and the
// HTTP API (server/http_api_routes.cc) are thin callers: they parse, call one function
// here, and render the result (text, JSON, an HTTP status). The contract test
// (engine/job_control_contract.cc) runs these rules on SQLite and on PostgreSQL.
//
// Rules (errors are Status codes; the CLI exits 2 for all of them, the API answers
// 404 kNotFound, 400 kInvalidArgument, 409 kFailedPrecondition):
//  * an unknown job is kNotFound;
//  * approve names a gate of the job's Table, else kInvalidArgument listing the gates;
//    approving a gate before it is reached is allowed (it then passes at once);
//  * approve and cancel on a job that has ended are kFailedPrecondition;
//  * cancel of a job that no live engine drives (no job lease, a lapsed one, or an
//    owner process on this host that died) ends the job here, cancelled; otherwise it
//    leaves a cancel signal that the driving engine acts on;
//  * resume is only for a running job (kFailedPrecondition once it ended: a failed or
//    cancelled one is retried instead); retry only for a failed or cancelled one.
//
// Thread rules: like the Store passed in (one thread at a time per Store object).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/value.h"
#include "dandori/v1/table.pb.h"
#include "engine/store.h"
#include "stdlib/operator.h"

namespace dandori::engine {

// ---- submit ----

struct Submitted {
  JobInfo job;
  bool created = false;  // false: the job with this idempotency key existed
};
// Creates the job of `table` with already bound `params`, or returns the job with `key`.
Result<Submitted> SubmitBound(Store& store, const v1::Table& table, const Value& params,
                              const std::string& key, const std::string& workdir, Clock& clock);

struct SubmitRequest {
  v1::Table table;
  std::map<std::string, std::string> params;  // NAME -> text (engine::BindParams)
  std::string key;                            // idempotency key; empty = none
  std::string workdir = ".";
};
// Loads the Table (operators resolved against `registry` when given), binds the
// parameters (kInvalidArgument naming the bad one) and submits.
Result<Submitted> Submit(Store& store, const SubmitRequest& request,
                         const OperatorRegistry* registry, Clock& clock);

// ---- status ----

// The gates of `job` still waiting, derived from its events (the one derivation): a
// gate.waiting without a later gate.passed for the same task, whose gate has not been
// approved yet. Empty once the job has ended.
std::vector<WaitingGate> WaitingGates(const JobInfo& job, const std::vector<Event>& events);

constexpr int kTaskStates = 6;  // TaskState values 0..5
struct StageCounts {
  std::string stage;
  int64_t by_state[kTaskStates] = {};  // indexed by TaskState
};
// One delivery of serve's --alert-url for a job (the outbox, server/alerts.h).
struct AlertState {
  std::string state;  // pending | delivered | failed
  int attempts = 0;
  std::string error;        // the last try's error
  int64_t next_try_ms = 0;  // pending: not before
  int64_t created_ms = 0;
};

struct JobStatus {
  JobInfo job;
  std::vector<StageCounts> stages;  // by stage name
  int64_t totals[kTaskStates] = {};
  int64_t total = 0;
  std::vector<TaskRow> failed;  // the failed tasks (without outputs), in key order
  std::vector<WaitingGate> waiting;
  std::vector<AlertState> alerts;  // PostgreSQL only (engine/pg/pg_store.h ReadAlerts)
};
Result<JobStatus> GetStatus(Store& store, int64_t job);
// The same for a job already read (lists).
Result<JobStatus> Describe(Store& store, const JobInfo& job);

// ---- events ----

// Events of `job` after `after_seq`, oldest first, at most `limit` (kNotFound for an
// unknown job).
Result<std::vector<Event>> ListJobEvents(Store& store, int64_t job, int64_t after_seq, int limit);

struct FollowOptions {
  bool follow = false;  // keep reading new events until the job has ended
  int poll_ms = 200;
  int page = 1000;
};
// Calls `on_event` for every event of `job` after `after_seq`, oldest first. With
// follow, polls for new ones and returns once the job has ended and all its events
// were passed on. `on_event` returning false stops early (Ok).
Status StreamEvents(Store& store, int64_t job, int64_t after_seq, const FollowOptions& options,
                    const std::function<bool(const Event&)>& on_event);

// Waits until `job` has ended (polling every poll_ms); returns it as it ended.
Result<JobInfo> WaitForEnd(Store& store, int64_t job, int poll_ms = 250);

// ---- names and logs ----

// Task key -> label ("drain[zone=z03, server=z03-s040]") of `job`'s stored tasks, for
// printing events and logs with names instead of keys.
Result<std::map<std::string, std::string>> TaskLabels(Store& store, int64_t job);

struct TaskLog {
  LogChunk chunk;
  std::string label;  // the task's label ("" when it has none)
};
// The logs of `job`, in task, attempt and stream order: of the tasks `task` names (a
// task key "s3/2", else a label "encode[i=2]", else a stage name: all its tasks; empty:
// every task) and of one attempt (0: every attempt). kNotFound for an unknown job, or a
// `task` naming none (the error shows how to name one). The text is valid UTF-8 (base/utf8.h: bad
// bytes read U+FFFD). Only logs stored with at_ms >= since_ms (0: all; see LogCursor).
Result<std::vector<TaskLog>> ReadLogs(Store& store, int64_t job, const std::string& task,
                                      int attempt, int64_t since_ms);

// A follower's place in a job's logs (`dandori logs --follow`, locally or through the
// API): each read asks for the logs stored since a little before the newest one seen
// (engines' clocks and commits may lag each other by up to kOverlapMs), and Fresh()
// passes each (task, attempt, stream) on once.
class LogCursor {
 public:
  static constexpr int64_t kOverlapMs = 30'000;
  int64_t since_ms() const { return newest_ms_ > kOverlapMs ? newest_ms_ - kOverlapMs : 0; }
  bool Fresh(const LogChunk& c);
  bool any() const { return !shown_.empty(); }

 private:
  int64_t newest_ms_ = 0;
  std::set<std::tuple<std::string, int, std::string>> shown_;
};

// ---- steering ----

Result<JobInfo> Approve(Store& store, int64_t job, const std::string& gate, const std::string& who,
                        Clock& clock);

// True when a live engine holds the job's lease at now_ms.
bool EngineAlive(const JobInfo& job, int64_t now_ms);

struct Cancelled {
  JobInfo job;         // as stored after the cancel
  bool ended = false;  // true: no live engine drove it, the job ended here
  std::string engine;  // otherwise: the engine that will stop it
};
Result<Cancelled> Cancel(Store& store, int64_t job, const std::string& who, Clock& clock);

// The job, if it can be resumed (it is running); kFailedPrecondition once it ended.
Result<JobInfo> CheckResumable(Store& store, int64_t job);
// For engines that watch the store (serve): records job.resume_requested, which wakes
// them; one whose job lease lapsed is replaced at once.
Result<JobInfo> RequestResume(Store& store, int64_t job, const std::string& who, Clock& clock);

struct Retried {
  JobInfo job;
  int reset = 0;  // tasks that will run again
};
// Failed and cancelled tasks of a failed or cancelled job become ready again and the
// job is running again (drive or resume it afterwards). With `registry`, the Table is
// loaded against it first, so a job whose operators this binary lacks is refused
// before anything is reset.
Result<Retried> Retry(Store& store, int64_t job, const std::string& who, Clock& clock,
                      const OperatorRegistry* registry);

}  // namespace dandori::engine
