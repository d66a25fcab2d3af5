// `dandori logs JOB [TASK] [--attempt N] [--follow] [--json]`: the stored logs of a
// job's attempts (operator lines, progress lines, a subprocess's stdout / stderr
// tails), on a store (--store) or through `dandori serve`'s API (--server). TASK is a
// task key ("s3/2"), a label ("encode[i=2]") or a stage name (its tasks);
// engine/job_control.h ReadLogs resolves it.
// An attempt's log is stored when the attempt ends, so --follow prints each attempt's
// log as it ends, until the job has ended.
#include <CLI/CLI.hpp>
#include <chrono>
#include <set>
#include <thread>
#include <tuple>

#include "cli/api_client.h"
#include "cli/driver.h"
#include "cli/job_view.h"
#include "engine/job_control.h"

namespace dandori::cli {
namespace {

struct LogsArgs {
  std::string store;
  std::string job;
  std::string task;
  int attempt = 0;
  bool json = false;
  bool follow = false;
  ApiTarget target;
};

int Logs(const LogsArgs& a) {
  auto id = ParseJobId(a.job);
  if (!id.ok()) return Fail("logs", id.status());
  auto store = OpenStoreArg(a.store, false);
  if (!store.ok()) return Fail("logs", store.status());
  engine::LogCursor cursor;
  while (true) {
    // The state first: logs stored with (or before) the job's end are read below.
    auto job = (*store)->GetJob(*id);
    if (!job.ok()) return Fail("logs", job.status());
    bool ended = job->state != engine::JobState::kRunning;
    auto logs = engine::ReadLogs(**store, *id, a.task, a.attempt, cursor.since_ms());
    if (!logs.ok()) return Fail("logs", logs.status());
    for (const engine::TaskLog& l : *logs) {
      if (cursor.Fresh(l.chunk)) PrintLog(l, a.json);
    }
    if (!a.follow || ended) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (!cursor.any() && !a.json) {
    std::fprintf(stderr, "dandori logs: job %s%s has no logs%s\n", a.job.c_str(),
                 a.task.empty() ? "" : (" task " + a.task).c_str(),
                 a.attempt ? (" for attempt " + std::to_string(a.attempt)).c_str() : "");
  }
  return kExitOk;
}

CommandMain Setup(CLI::App* sub) {
  auto a = std::make_shared<LogsArgs>();
  sub->add_option("job", a->job, "job id")->required();
  sub->add_option("task", a->task,
                  "a task key (s3/2), label (encode[i=2]) or stage name; default: every task");
  sub->add_option("--attempt", a->attempt, "only this attempt (default: every attempt)")
      ->check(CLI::Range(1, 1 << 20));
  sub->add_flag("--json", a->json, "one JSON object per log (docs/cli.md)");
  sub->add_flag("-f,--follow", a->follow,
                "print each attempt's log as it ends, until the job ends");
  AddStoreOrServer(sub, &a->store, &a->target);
  return [a] {
    if (!a->target.server.empty()) {
      return RemoteLogs(a->target, a->job, a->task, a->attempt, a->json, a->follow);
    }
    return Logs(*a);
  };
}

}  // namespace

DANDORI_COMMAND({"logs", "Print the logs of a job's attempts (a task's, by key or label)",
                 [](CLI::App* s) { return Setup(s); }, 46});

}  // namespace dandori::cli
