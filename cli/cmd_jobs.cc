// Job commands: `status [JOB] [--json]`, `events JOB [--json] [--follow]`,
// `approve JOB GATE`, `cancel JOB`, `resume JOB`, `retry JOB`, on a store (--store:
// SQLite file or postgres:// URL) or, with --server URL, through `dandori serve`'s HTTP
// API. The rules (which gate, which job state) are engine/job_control.h's; this file
// parses, calls it and prints (cli/job_view.h). A missing store, an unknown job or gate,
// or a verb the job's state refuses is bad input (exit 2) and writes nothing.
#include <CLI/CLI.hpp>
#include <chrono>
#include <map>

#include "cli/api_client.h"
#include "cli/driver.h"
#include "cli/job_view.h"
#include "cli/run_support.h"
#include "engine/job_control.h"
#include "engine/pg/pg_store.h"

namespace dandori::cli {
namespace {

struct JobArgs {
  std::string store;
  std::string job;
  std::string gate;
  bool json = false;
  bool follow = false;
  ApiTarget target;  // server empty: work on the store
};

struct Opened {
  std::unique_ptr<engine::Store> store;
  int64_t job = 0;
};
Result<Opened> Open(const JobArgs& a) {
  auto id = ParseJobId(a.job);
  if (!id.ok()) return id.status();
  auto store = OpenStoreArg(a.store, false);
  if (!store.ok()) return store.status();
  return Opened{std::move(*store), *id};
}

int Status_(const JobArgs& a) {
  if (a.job.empty()) {
    auto store = OpenStoreArg(a.store, false);
    if (!store.ok()) return Fail("status", store.status());
    auto jobs = (*store)->ListJobs(50);
    if (!jobs.ok()) return Fail("status", jobs.status());
    PrintJobListHeader(a.json);
    for (const auto& j : *jobs) PrintJobLine(j, a.json);
    return kExitOk;
  }
  auto o = Open(a);
  if (!o.ok()) return Fail("status", o.status());
  auto st = engine::GetStatus(*o->store, o->job);
  if (!st.ok()) return Fail("status", st.status());
  Status alerts = engine::ReadAlerts(*o->store, &*st);
  if (!alerts.ok()) return Fail("status", alerts);
  PrintStatus(*st, a.json);
  return kExitOk;
}

int Events(const JobArgs& a) {
  auto o = Open(a);
  if (!o.ok()) return Fail("events", o.status());
  // Task names: read once, and again (at most once a second) when an event names a task
  // stored since.
  std::map<std::string, std::string> labels;
  auto read_at = std::chrono::steady_clock::now() - std::chrono::seconds(2);
  auto label_of = [&](const std::string& key) -> std::string {
    if (key.empty()) return "";
    auto it = labels.find(key);
    auto now = std::chrono::steady_clock::now();
    if (it == labels.end() && now - read_at >= std::chrono::seconds(1)) {
      read_at = now;
      if (auto l = engine::TaskLabels(*o->store, o->job); l.ok()) labels = std::move(*l);
      it = labels.find(key);
    }
    return it == labels.end() ? "" : it->second;
  };
  Status st =
      engine::StreamEvents(*o->store, o->job, 0, {.follow = a.follow}, [&](const engine::Event& e) {
        PrintEvent(e, a.json, label_of(e.task));
        return true;
      });
  if (!st.ok()) return Fail("events", st);
  return kExitOk;
}

int Approve(const JobArgs& a) {
  auto o = Open(a);
  if (!o.ok()) return Fail("approve", o.status());
  auto j = engine::Approve(*o->store, o->job, a.gate, CliWho(), *SystemClock());
  if (!j.ok()) return Fail("approve", j.status());
  std::printf("approved gate %s of job %lld\n", a.gate.c_str(), static_cast<long long>(j->id));
  return kExitOk;
}

int Cancel(const JobArgs& a) {
  auto o = Open(a);
  if (!o.ok()) return Fail("cancel", o.status());
  auto c = engine::Cancel(*o->store, o->job, CliWho(), *SystemClock());
  if (!c.ok()) return Fail("cancel", c.status());
  auto id = static_cast<long long>(c->job.id);
  if (c->ended) {
    std::printf("job %lld cancelled (no engine was running it)\n", id);
  } else {
    std::printf("cancel requested; engine %s stops job %lld\n", c->engine.c_str(), id);
  }
  return kExitOk;
}

int Resume(const JobArgs& a) {
  auto o = Open(a);
  if (!o.ok()) return Fail("resume", o.status());
  auto j = engine::CheckResumable(*o->store, o->job);
  if (!j.ok()) return Fail("resume", j.status());
  return DriveWithProgress("resume", *o->store, a.store, o->job);
}

int Retry(const JobArgs& a) {
  auto o = Open(a);
  if (!o.ok()) return Fail("retry", o.status());
  OperatorRegistry registry;
  RegisterOperators(&registry);
  auto r = engine::Retry(*o->store, o->job, CliWho(), *SystemClock(), &registry);
  if (!r.ok()) return Fail("retry", r.status());
  std::printf("job %lld: %d failed task(s) will run again; finished tasks stay finished\n",
              static_cast<long long>(o->job), r->reset);
  std::fflush(stdout);
  return DriveWithProgress("retry", *o->store, a.store, o->job);
}

// Through the API: `resume` and `retry` ask the server's engines to drive the job.
int Remote(const std::string& name, const JobArgs& a) {
  if (name == "status") return RemoteStatus(a.target, a.job, a.json);
  if (name == "events") return RemoteEvents(a.target, a.job, a.json, a.follow);
  return RemoteAction(a.target, a.job, name, a.gate);
}

enum Flags { kJob = 1, kJobRequired = 2, kGate = 4, kJson = 8, kFollow = 16 };

CommandMain Setup(CLI::App* sub, int (*fn)(const JobArgs&), int flags) {
  auto a = std::make_shared<JobArgs>();
  auto* opt = sub->add_option("job", a->job, "job id");
  if (flags & kJobRequired) opt->required();
  if (flags & kGate) sub->add_option("gate", a->gate, "gate name")->required();
  if (flags & kJson) sub->add_flag("--json", a->json, "one JSON object per line (docs/cli.md)");
  if (flags & kFollow) {
    sub->add_flag("-f,--follow", a->follow, "keep printing new events until the job ends");
  }
  AddStoreOrServer(sub, &a->store, &a->target);
  std::string name = sub->get_name();
  return [a, fn, name] {
    if (!a->target.server.empty()) return Remote(name, *a);
    return fn(*a);
  };
}

}  // namespace

DANDORI_COMMAND({"status", "Show jobs, or one job's stages, failures and gates",
                 [](CLI::App* s) { return Setup(s, Status_, kJob | kJson); }, 40});
DANDORI_COMMAND({"events", "Print a job's event history (--follow: until it ends)",
                 [](CLI::App* s) { return Setup(s, Events, kJobRequired | kJson | kFollow); }, 41});
DANDORI_COMMAND({"approve", "Approve a gate of a running job",
                 [](CLI::App* s) { return Setup(s, Approve, kJobRequired | kGate); }, 42});
DANDORI_COMMAND({"cancel", "Cancel a running job (running operators are stopped)",
                 [](CLI::App* s) { return Setup(s, Cancel, kJobRequired); }, 43});
DANDORI_COMMAND({"resume", "Resume an interrupted job here",
                 [](CLI::App* s) { return Setup(s, Resume, kJobRequired); }, 44});
DANDORI_COMMAND({"retry", "Run a failed or cancelled job's failed tasks again",
                 [](CLI::App* s) { return Setup(s, Retry, kJobRequired); }, 45});

}  // namespace dandori::cli
