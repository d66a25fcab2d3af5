// /metrics: see metrics.h.
#include "server/metrics.h"

#include <cstdio>
#include <map>

#include "base/clock.h"
#include "engine/pg/pg_store.h"
#include "server/dispatch.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(ms) / 1000.0);
  return buf;
}

// Label values: escape backslash, quote and newline.
std::string Label(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out;
}

void Family(std::string* out, const std::string& name, const std::string& type,
            const std::string& help) {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

void Histogram::Observe(int64_t ms) {
  if (ms < 0) ms = 0;
  size_t i = 0;
  while (i < kBoundsMs.size() && ms > kBoundsMs[i]) ++i;
  buckets_[i]++;
  count_++;
  sum_ms_ += ms;
}

void Histogram::Render(const std::string& name, const std::string& help, std::string* out) const {
  Family(out, name, "histogram", help);
  int64_t cum = 0;
  for (size_t i = 0; i < kBoundsMs.size(); ++i) {
    cum += buckets_[i].load();
    *out += name + "_bucket{le=\"" + Seconds(kBoundsMs[i]) + "\"} " + std::to_string(cum) + "\n";
  }
  cum += buckets_[kBoundsMs.size()].load();
  *out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  *out += name + "_sum " + Seconds(sum_ms_.load()) + "\n";
  *out += name + "_count " + std::to_string(count_.load()) + "\n";
}

Result<std::string> RenderMetrics(PgStore& store, const DispatchStats* local) {
  std::string out;
  auto jobs = store.CountJobs();
  if (!jobs.ok()) return jobs.status();
  Family(&out, "dandori_jobs", "gauge", "Jobs in the database by state.");
  std::map<int, int64_t> by_state;
  for (auto& [s, n] : *jobs) by_state[s] = n;
  for (int s = 0; s <= 3; ++s) {
    out += "dandori_jobs{state=\"" + std::string(JobStateName(static_cast<JobState>(s))) + "\"} " +
           std::to_string(by_state[s]) + "\n";
  }
  auto tasks = store.CountTasks(0);
  if (!tasks.ok()) return tasks.status();
  Family(&out, "dandori_tasks", "gauge", "Tasks in the database by state and operator.");
  for (const auto& t : *tasks) {
    out += "dandori_tasks{state=\"" + std::string(TaskStateName(static_cast<TaskState>(t.state))) +
           "\",op=\"" + Label(t.op) + "\"} " + std::to_string(t.count) + "\n";
  }
  auto gauges = store.Gauges(SystemClock()->NowMs());
  if (!gauges.ok()) return gauges.status();
  std::map<std::string, int64_t> g(gauges->begin(), gauges->end());
  Family(&out, "dandori_queue_depth", "gauge",
         "Attempts queued for an executor, and tasks due but not started.");
  out += "dandori_queue_depth{queue=\"dispatch\"} " + std::to_string(g["dispatch_queued"]) + "\n";
  out += "dandori_queue_depth{queue=\"tasks_due\"} " + std::to_string(g["tasks_due"]) + "\n";
  Family(&out, "dandori_attempts_running", "gauge", "Attempts running on executors.");
  out += "dandori_attempts_running " + std::to_string(g["dispatch_running"]) + "\n";
  Family(&out, "dandori_retries_total", "counter", "Task attempts retried after a failure.");
  out += "dandori_retries_total " + std::to_string(g["retries_total"]) + "\n";
  Family(&out, "dandori_lease_rescues_total", "counter",
         "Leases rescued after their holder died: tasks (engine) and attempts (executor).");
  out += "dandori_lease_rescues_total{level=\"task\"} " + std::to_string(g["task_rescues_total"]) +
         "\n";
  out += "dandori_lease_rescues_total{level=\"attempt\"} " + std::to_string(g["dispatch_rescues"]) +
         "\n";
  Family(&out, "dandori_rescue_wait_max_seconds", "gauge",
         "Longest time an attempt of a dead executor waited to be rescued.");
  out += "dandori_rescue_wait_max_seconds " + Seconds(g["dispatch_max_rescue_wait_ms"]) + "\n";
  Family(&out, "dandori_alerts", "gauge",
         "Alerts in the outbox not delivered: pending (to be tried again) or failed.");
  out += "dandori_alerts{state=\"pending\"} " + std::to_string(g["alerts_pending"]) + "\n";
  out += "dandori_alerts{state=\"failed\"} " + std::to_string(g["alerts_failed"]) + "\n";
  if (local) {
    local->attempt_ms.Render("dandori_attempt_duration_seconds",
                             "Operator run time of attempts executed by this process.", &out);
    local->claim_ms.Render("dandori_claim_latency_seconds",
                           "Time from an attempt being queued to this process claiming it.", &out);
    Family(&out, "dandori_executor_attempts_total", "counter",
           "Attempts executed by this process by result.");
    out += "dandori_executor_attempts_total{result=\"succeeded\"} " +
           std::to_string(local->succeeded.load()) + "\n";
    out += "dandori_executor_attempts_total{result=\"failed\"} " +
           std::to_string(local->failed.load()) + "\n";
    out += "dandori_executor_attempts_total{result=\"refused\"} " +
           std::to_string(local->refused.load()) + "\n";
  }
  return out;
}

}  // namespace dandori::server
