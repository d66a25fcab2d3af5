// Job control: see job_control.h.
#include "engine/job_control.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "base/utf8.h"
#include "engine/job_runner.h"
#include "engine/loader.h"

namespace dandori::engine {
namespace {

std::string JobName(int64_t job) { return "job " + std::to_string(job); }

Status Ended(const JobInfo& j, const std::string& verb) {
  return Status::FailedPrecondition(JobName(j.id) + " has already ended (" +
                                    std::string(JobStateName(j.state)) + "); nothing to " + verb);
}

// The gate names of a job's Table, in Table order.
Result<std::vector<std::string>> GateNames(const JobInfo& j) {
  auto program = LoadTableBytes(j.table, nullptr);
  if (!program.ok()) return program.status();
  std::vector<std::string> out;
  for (const auto& s : (*program)->states) {
    if (s.kind == v1::GATE) out.push_back(s.name);
  }
  return out;
}

std::string GateOf(const std::string& task) { return task.substr(0, task.find('/')); }

}  // namespace

Result<Submitted> SubmitBound(Store& store, const v1::Table& table, const Value& params,
                              const std::string& key, const std::string& workdir, Clock& clock) {
  Submitted out;
  auto info = SubmitJob(store, table, params, key, workdir, clock, &out.created);
  if (!info.ok()) return info.status();
  out.job = std::move(*info);
  return out;
}

Result<Submitted> Submit(Store& store, const SubmitRequest& request,
                         const OperatorRegistry* registry, Clock& clock) {
  auto program = LoadTable(request.table, registry);
  if (!program.ok()) return Status::Invalid(program.status().message());
  auto params = BindParams(**program, request.params);
  if (!params.ok()) return Status::Invalid(params.status().message());
  return SubmitBound(store, request.table, *params, request.key, request.workdir, clock);
}

std::vector<WaitingGate> WaitingGates(const JobInfo& job, const std::vector<Event>& events) {
  if (job.state != JobState::kRunning) return {};
  std::map<std::string, std::string> waiting;  // task -> message
  std::set<std::string> approved;              // gate names
  for (const Event& e : events) {
    if (e.what == "gate.waiting") waiting[e.task] = e.detail;
    if (e.what == "gate.passed") waiting.erase(e.task);
    if (e.what == "gate.approved") approved.insert(e.task);  // the signal: task = gate name
  }
  std::vector<WaitingGate> out;
  for (const auto& [task, message] : waiting) {
    std::string gate = GateOf(task);
    if (!approved.count(gate)) out.push_back({gate, task, message});
  }
  return out;
}

Result<JobStatus> Describe(Store& store, const JobInfo& job) {
  JobStatus st;
  st.job = job;
  auto tasks = store.LoadTasks(job.id);
  if (!tasks.ok()) return tasks.status();
  std::map<std::string, StageCounts> stages;
  for (TaskRow& t : *tasks) {
    int s = static_cast<int>(t.state);
    if (s < 0 || s >= kTaskStates) continue;
    StageCounts& c = stages[t.stage];
    c.stage = t.stage;
    c.by_state[s] += 1;
    st.totals[s] += 1;
    st.total += 1;
    if (t.state == TaskState::kFailed) {
      t.output.clear();
      st.failed.push_back(std::move(t));
    }
  }
  for (auto& [name, c] : stages) st.stages.push_back(c);
  std::sort(st.failed.begin(), st.failed.end(),
            [](const TaskRow& a, const TaskRow& b) { return a.key < b.key; });
  if (job.state == JobState::kRunning) {
    std::vector<Event> all;
    Status s = StreamEvents(store, job.id, 0, {}, [&](const Event& e) {
      if (e.what.rfind("gate.", 0) == 0) all.push_back(e);
      return true;
    });
    if (!s.ok()) return s;
    st.waiting = WaitingGates(job, all);
  }
  return st;
}

Result<std::map<std::string, std::string>> TaskLabels(Store& store, int64_t job) {
  auto tasks = store.LoadTasks(job);
  if (!tasks.ok()) return tasks.status();
  std::map<std::string, std::string> out;
  for (const TaskRow& t : *tasks) {
    if (!t.label.empty()) out[t.key] = t.label;
  }
  return out;
}

bool LogCursor::Fresh(const LogChunk& c) {
  newest_ms_ = std::max(newest_ms_, c.at_ms);
  return shown_.insert({c.task, c.attempt, c.stream}).second;
}

Result<std::vector<TaskLog>> ReadLogs(Store& store, int64_t job, const std::string& task,
                                      int attempt, int64_t since_ms) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  auto tasks = store.LoadTasks(job);
  if (!tasks.ok()) return tasks.status();
  std::map<std::string, std::string> labels;  // the named tasks: key -> label
  auto pick = [&](auto&& match) {
    for (const TaskRow& t : *tasks) {
      if (match(t)) labels[t.key] = t.label;
    }
    return !labels.empty();
  };
  if (task.empty()) {
    pick([](const TaskRow&) { return true; });
  } else if (!pick([&](const TaskRow& t) { return t.key == task; }) &&
             !pick([&](const TaskRow& t) { return t.label == task; }) &&
             !pick([&](const TaskRow& t) { return t.stage == task; })) {
    return Status::NotFound("job " + std::to_string(job) + " has no task " + task +
                            " (name a task key like s3/2, a label like encode[i=2] or a stage)");
  }
  std::string key = labels.size() == 1 && !task.empty() ? labels.begin()->first : "";
  auto chunks = store.ListLogs(job, key, attempt, since_ms);
  if (!chunks.ok()) return chunks.status();
  std::vector<TaskLog> out;
  for (LogChunk& c : *chunks) {
    auto it = labels.find(c.task);
    if (it == labels.end()) continue;
    c.text = ValidUtf8(c.text);
    out.push_back({std::move(c), it->second});
  }
  return out;
}

Result<JobStatus> GetStatus(Store& store, int64_t job) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  return Describe(store, *info);
}

Result<std::vector<Event>> ListJobEvents(Store& store, int64_t job, int64_t after_seq, int limit) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  return store.ListEvents(job, after_seq, limit);
}

Status StreamEvents(Store& store, int64_t job, int64_t after_seq, const FollowOptions& options,
                    const std::function<bool(const Event&)>& on_event) {
  int64_t after = after_seq;
  while (true) {
    // The state first: events committed with (or before) the end are read below.
    auto info = store.GetJob(job);
    if (!info.ok()) return info.status();
    bool ended = info->state != JobState::kRunning;
    while (true) {
      auto ev = store.ListEvents(job, after, options.page);
      if (!ev.ok()) return ev.status();
      for (const Event& e : *ev) {
        after = e.seq;
        if (!on_event(e)) return Status::Ok();
      }
      if (static_cast<int>(ev->size()) < options.page) break;
    }
    if (!options.follow || ended) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(options.poll_ms));
  }
}

Result<JobInfo> WaitForEnd(Store& store, int64_t job, int poll_ms) {
  while (true) {
    auto info = store.GetJob(job);
    if (!info.ok()) return info.status();
    if (info->state != JobState::kRunning) return info;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

Result<JobInfo> Approve(Store& store, int64_t job, const std::string& gate, const std::string& who,
                        Clock& clock) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  if (gate.empty()) return Status::Invalid("a gate name is required");
  if (info->state != JobState::kRunning) return Ended(*info, "approve");
  auto gates = GateNames(*info);
  if (!gates.ok()) return gates.status();
  if (std::find(gates->begin(), gates->end(), gate) == gates->end()) {
    std::string names;
    for (const auto& g : *gates) names += (names.empty() ? "" : ", ") + g;
    return Status::Invalid(JobName(job) + " has no gate '" + gate + "'" +
                           (names.empty() ? " (it has no gates)" : " (gates: " + names + ")"));
  }
  DANDORI_RETURN_IF_ERROR(store.AddSignal(job, {"approve", gate, who, clock.NowMs()}));
  return store.GetJob(job);
}

bool EngineAlive(const JobInfo& job, int64_t now_ms) {
  return !job.owner.empty() && job.owner_until_ms >= now_ms && !LocalOwnerDead(job.owner);
}

Result<Cancelled> Cancel(Store& store, int64_t job, const std::string& who, Clock& clock) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  if (info->state != JobState::kRunning) return Ended(*info, "cancel");
  int64_t now = clock.NowMs();
  DANDORI_RETURN_IF_ERROR(store.AddSignal(job, {"cancel", "", who, now}));
  Cancelled out;
  if (EngineAlive(*info, now)) {
    out.engine = info->owner;
  } else {
    // Nobody drives it: the job ends here. An engine that takes it over meanwhile
    // sees the cancel signal and ends it the same way.
    Batch b;
    b.SetJobState(job, JobState::kCancelled, now);
    b.AddEvent({0, job, now, who, "job.cancelled", "", 0, "no engine was running it"});
    DANDORI_RETURN_IF_ERROR(store.Commit(b, nullptr));
    out.ended = true;
  }
  auto fresh = store.GetJob(job);
  if (!fresh.ok()) return fresh.status();
  out.job = std::move(*fresh);
  return out;
}

Result<JobInfo> CheckResumable(Store& store, int64_t job) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  if (info->state == JobState::kRunning) return info;
  if (info->state == JobState::kSucceeded) return Ended(*info, "resume");
  return Status::FailedPrecondition(JobName(job) + " has ended (" +
                                    std::string(JobStateName(info->state)) +
                                    "); retry runs its failed tasks again");
}

Result<JobInfo> RequestResume(Store& store, int64_t job, const std::string& who, Clock& clock) {
  auto info = CheckResumable(store, job);
  if (!info.ok()) return info.status();
  Batch b;
  int64_t now = clock.NowMs();
  b.SetJobState(job, JobState::kRunning, now);
  b.AddEvent({0, job, now, who, "job.resume_requested", "", 0, info->owner});
  DANDORI_RETURN_IF_ERROR(store.Commit(b, nullptr));
  return store.GetJob(job);
}

Result<Retried> Retry(Store& store, int64_t job, const std::string& who, Clock& clock,
                      const OperatorRegistry* registry) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  if (info->state == JobState::kRunning) {
    return Status::FailedPrecondition(JobName(job) +
                                      " is still running; only a failed or cancelled job is "
                                      "retried (resume drives a running one)");
  }
  if (info->state == JobState::kSucceeded) return Ended(*info, "retry");
  if (registry) {
    auto program = LoadTableBytes(info->table, registry);
    if (!program.ok()) return program.status();
  }
  auto n = ResetFailedTasks(store, job, clock, who);
  if (!n.ok()) return n.status();
  Retried out;
  out.reset = *n;
  auto fresh = store.GetJob(job);
  if (!fresh.ok()) return fresh.status();
  out.job = std::move(*fresh);
  return out;
}

}  // namespace dandori::engine
