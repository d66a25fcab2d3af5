// Printing jobs, statuses and events: see job_view.h.
#include "cli/job_view.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "base/value.h"
#include "engine/task_label.h"

namespace dandori::cli {
namespace {

using engine::ShownName;
using engine::TaskState;

std::string Format(int64_t ms, bool utc, const char* fmt, const char* suffix) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  if (utc) {
    gmtime_r(&t, &tm);
  } else {
    localtime_r(&t, &tm);
  }
  char buf[48];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03d%s", static_cast<int>(ms % 1000), suffix);
  return buf;
}

Value Str(const std::string& s) { return Value::String(s); }

// Tasks per state, by state name.
Value Counts(const int64_t (&by_state)[engine::kTaskStates]) {
  Value::Record r;
  for (int i = 0; i < engine::kTaskStates; ++i) {
    r.emplace_back(std::string(engine::TaskStateName(static_cast<TaskState>(i))),
                   Value::Int(by_state[i]));
  }
  return Value::MakeRecord(std::move(r));
}

Value JobRecord(const engine::JobInfo& j) {
  return Value::MakeRecord({{"id", Value::Int(j.id)},
                            {"workflow", Str(j.workflow)},
                            {"state", Str(std::string(engine::JobStateName(j.state)))},
                            {"key", Str(j.key)},
                            {"error", Str(j.error)},
                            {"created_ms", Value::Int(j.created_ms)},
                            {"updated_ms", Value::Int(j.updated_ms)},
                            {"owner", Str(j.owner)}});
}

void PrintJson(const Value& v) {
  std::printf("%s\n", v.ToJson().c_str());
  std::fflush(stdout);
}

void PrintStatusJson(const engine::JobStatus& s) {
  Value job = JobRecord(s.job);
  Value::Record r = job.record();
  Value::Record tasks = Counts(s.totals).record();
  tasks.insert(tasks.begin(), {"total", Value::Int(s.total)});
  r.emplace_back("tasks", Value::MakeRecord(std::move(tasks)));
  Value::List stages;
  for (const auto& c : s.stages) {
    Value::Record st = Counts(c.by_state).record();
    st.insert(st.begin(), {"stage", Str(c.stage)});
    stages.push_back(Value::MakeRecord(std::move(st)));
  }
  r.emplace_back("stages", Value::MakeList(std::move(stages)));
  Value::List failed;
  for (const auto& t : s.failed) {
    failed.push_back(
        Value::MakeRecord({{"task", Str(t.key)},
                           {"label", Str(t.label)},
                           {"stage", Str(t.stage)},
                           {"attempts", Value::Int(t.attempts)},
                           {"error", Str(t.error)},
                           {"error_class", Str(std::string(CodeName(t.error_class)))}}));
  }
  r.emplace_back("failed_tasks", Value::MakeList(std::move(failed)));
  Value::List gates;
  for (const auto& g : s.waiting) {
    gates.push_back(Value::MakeRecord(
        {{"gate", Str(g.gate)}, {"task", Str(g.task)}, {"message", Str(g.message)}}));
  }
  r.emplace_back("waiting_gates", Value::MakeList(std::move(gates)));
  Value::List alerts;
  for (const auto& al : s.alerts) {
    alerts.push_back(Value::MakeRecord({{"state", Str(al.state)},
                                        {"attempts", Value::Int(al.attempts)},
                                        {"error", Str(al.error)},
                                        {"next_try_ms", Value::Int(al.next_try_ms)},
                                        {"created_ms", Value::Int(al.created_ms)}}));
  }
  r.emplace_back("alerts", Value::MakeList(std::move(alerts)));
  PrintJson(Value::MakeRecord(std::move(r)));
}

}  // namespace

std::string TimeText(int64_t ms) { return Format(ms, false, "%Y-%m-%d %H:%M:%S", ""); }
std::string TimeIso(int64_t ms) { return Format(ms, true, "%Y-%m-%dT%H:%M:%S", "Z"); }

std::string CliWho() {
  const char* user = std::getenv("USER");
  return std::string("cli ") + (user ? user : "?");
}

void PrintEvent(const engine::Event& e, bool json, const std::string& label) {
  if (json) {
    return PrintJson(Value::MakeRecord({{"seq", Value::Int(e.seq)},
                                        {"job", Value::Int(e.job)},
                                        {"at_ms", Value::Int(e.at_ms)},
                                        {"time", Str(TimeIso(e.at_ms))},
                                        {"what", Str(e.what)},
                                        {"task", Str(e.task)},
                                        {"label", Str(label)},
                                        {"attempt", Value::Int(e.attempt)},
                                        {"who", Str(e.who)},
                                        {"detail", Str(e.detail)}}));
  }
  std::string attempt = e.attempt ? "#" + std::to_string(e.attempt) : "";
  std::printf("%s  %-16s %-14s %-3s %s\n", TimeText(e.at_ms).c_str(), e.what.c_str(),
              ShownName(label, e.task).c_str(), attempt.c_str(), e.detail.c_str());
  std::fflush(stdout);
}

void PrintLog(const engine::TaskLog& l, bool json) {
  const engine::LogChunk& c = l.chunk;
  if (json) {
    return PrintJson(Value::MakeRecord({{"task", Str(c.task)},
                                        {"label", Str(l.label)},
                                        {"attempt", Value::Int(c.attempt)},
                                        {"stream", Str(c.stream)},
                                        {"at_ms", Value::Int(c.at_ms)},
                                        {"truncated", Value::Bool(c.truncated)},
                                        {"text", Str(c.text)}}));
  }
  std::string name = l.label.empty() ? c.task : l.label + " (" + c.task + ")";
  std::printf("== %s attempt %d, %s%s ==\n", name.c_str(), c.attempt, c.stream.c_str(),
              c.truncated ? ", its last part only" : "");
  std::fputs(c.text.c_str(), stdout);
  if (!c.text.empty() && c.text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

void PrintJobListHeader(bool json) {
  if (json) return;
  std::printf("%6s  %-10s  %-20s  %-23s  %s\n", "JOB", "STATE", "WORKFLOW", "CREATED", "KEY");
}

void PrintJobLine(const engine::JobInfo& j, bool json) {
  if (json) return PrintJson(JobRecord(j));
  std::printf("%6lld  %-10s  %-20s  %-23s  %s\n", static_cast<long long>(j.id),
              std::string(engine::JobStateName(j.state)).c_str(), j.workflow.c_str(),
              TimeText(j.created_ms).c_str(), j.key.c_str());
}

void PrintStatus(const engine::JobStatus& s, bool json) {
  if (json) return PrintStatusJson(s);
  const engine::JobInfo& j = s.job;
  auto id = static_cast<long long>(j.id);
  std::printf("job %lld  %s  %s%s\n", id, j.workflow.c_str(),
              std::string(engine::JobStateName(j.state)).c_str(),
              j.key.empty() ? "" : ("  key " + j.key).c_str());
  std::printf("created %s  updated %s%s\n", TimeText(j.created_ms).c_str(),
              TimeText(j.updated_ms).c_str(),
              j.owner.empty() ? "" : ("  engine " + j.owner).c_str());
  if (!j.error.empty()) std::printf("error: %s\n", j.error.c_str());
  std::printf("%-20s %9s %8s %8s %7s %9s %7s\n", "STAGE", "SUCCEEDED", "RUNNING", "WAITING",
              "FAILED", "CANCELLED", "SKIPPED");
  for (const auto& c : s.stages) {
    auto n = [&](TaskState st) { return static_cast<long long>(c.by_state[static_cast<int>(st)]); };
    std::printf("%-20s %9lld %8lld %8lld %7lld %9lld %7lld\n", c.stage.c_str(),
                n(TaskState::kSucceeded), n(TaskState::kRunning), n(TaskState::kReady),
                n(TaskState::kFailed), n(TaskState::kCancelled), n(TaskState::kSkipped));
  }
  for (size_t i = 0; i < s.failed.size() && i < 10; ++i) {
    const engine::TaskRow& t = s.failed[i];
    std::printf("failed %s (attempt %d): %s\n", ShownName(t.label, t.key).c_str(), t.attempts,
                t.error.c_str());
  }
  if (s.failed.size() > 10) std::printf("... and %zu more failed\n", s.failed.size() - 10);
  for (const auto& g : s.waiting) {
    std::printf("waiting for approval: %s%s%s  (dandori approve %lld %s)\n", g.task.c_str(),
                g.message.empty() ? "" : " — ", g.message.c_str(), id, g.gate.c_str());
  }
  for (const auto& al : s.alerts) {
    if (al.state == "delivered") {
      std::printf("alert delivered (%d %s)\n", al.attempts, al.attempts == 1 ? "try" : "tries");
      continue;
    }
    std::string next =
        al.state == "pending" && al.next_try_ms > 0 ? "; next try " + TimeText(al.next_try_ms) : "";
    std::printf("alert %s after %d %s%s%s%s\n", al.state.c_str(), al.attempts,
                al.attempts == 1 ? "try" : "tries", al.error.empty() ? "" : ": ", al.error.c_str(),
                next.c_str());
  }
}

namespace {

// Every failed task by name (its error names the .flow location), the first 10.
void PrintFailed(const std::vector<engine::TaskRow>& failed, long long id) {
  for (size_t i = 0; i < failed.size() && i < 10; ++i) {
    const engine::TaskRow& t = failed[i];
    std::printf("  failed %s (attempt %d): %s\n", ShownName(t.label, t.key).c_str(), t.attempts,
                t.error.c_str());
  }
  if (failed.size() > 10) {
    std::printf("  ... and %zu more failed (dandori status %lld)\n", failed.size() - 10, id);
  }
}

}  // namespace

int PrintEnd(const engine::JobInfo& j, const std::vector<engine::TaskRow>* failed) {
  auto id = static_cast<long long>(j.id);
  switch (j.state) {
    case engine::JobState::kSucceeded:
      if (failed && !failed->empty()) {  // failures a `tolerate` allowed, or a group retried
        std::printf(
            "job %lld succeeded with %zu failed task%s (tolerated, or retried in a group)\n", id,
            failed->size(), failed->size() == 1 ? "" : "s");
        PrintFailed(*failed, id);
        return 0;
      }
      std::printf("job %lld succeeded\n", id);
      return 0;
    case engine::JobState::kCancelled:
      std::printf("job %lld cancelled\n", id);
      return 1;
    case engine::JobState::kFailed:
      std::printf("job %lld failed: %s\n", id, j.error.c_str());
      if (failed) PrintFailed(*failed, id);
      std::printf(
          "  see: dandori logs %lld; dandori events %lld; run again the failed tasks: "
          "dandori retry %lld\n",
          id, id, id);
      return 1;
    default:
      std::printf("job %lld is running\n", id);
      return 1;
  }
}

}  // namespace dandori::cli
