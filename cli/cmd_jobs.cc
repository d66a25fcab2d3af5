// Job commands: `status [JOB]`, `events JOB`, `approve JOB GATE`, `cancel JOB`,
// `resume JOB`, `retry JOB`, on a store (--store: SQLite file or postgres:// URL) or,
// with --server URL, through `dandori serve`'s HTTP API. A missing store or an unknown
// job is bad input (exit 2) and writes nothing.
#include <CLI/CLI.hpp>
#include <ctime>
#include <map>

#include "cli/api_client.h"
#include "cli/driver.h"
#include "cli/run_support.h"
#include "engine/job_runner.h"
#include "engine/loader.h"

namespace dandori::cli {
namespace {

struct JobArgs {
  std::string store;
  std::string job;
  std::string gate;
  ApiTarget target;  // server empty: work on the store
};

std::string Time(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// Opens the store and finds the job; on failure prints and returns the exit code.
struct Opened {
  std::unique_ptr<engine::Store> store;
  engine::JobInfo job;
};
Result<Opened> OpenJob(const JobArgs& a) {
  auto id = ParseJobId(a.job);
  if (!id.ok()) return id.status();
  auto store = OpenStoreArg(a.store, false);
  if (!store.ok()) return store.status();
  auto job = (*store)->GetJob(*id);
  if (!job.ok()) return job.status();
  return Opened{std::move(*store), std::move(*job)};
}

int Status_(const JobArgs& a) {
  if (a.job.empty()) {
    auto store = OpenStoreArg(a.store, false);
    if (!store.ok()) return Fail("status", store.status());
    auto jobs = (*store)->ListJobs(50);
    if (!jobs.ok()) return Fail("status", jobs.status());
    std::printf("%6s  %-10s  %-20s  %-19s  %s\n", "JOB", "STATE", "WORKFLOW", "CREATED", "KEY");
    for (const auto& j : *jobs) {
      std::printf("%6lld  %-10s  %-20s  %-19s  %s\n", static_cast<long long>(j.id),
                  std::string(engine::JobStateName(j.state)).c_str(), j.workflow.c_str(),
                  Time(j.created_ms).c_str(), j.key.c_str());
    }
    return kExitOk;
  }
  auto o = OpenJob(a);
  if (!o.ok()) return Fail("status", o.status());
  const engine::JobInfo& j = o->job;
  std::printf("job %lld  %s  workflow %s%s\n", static_cast<long long>(j.id),
              std::string(engine::JobStateName(j.state)).c_str(), j.workflow.c_str(),
              j.key.empty() ? "" : ("  key " + j.key).c_str());
  std::printf("created %s  updated %s%s\n", Time(j.created_ms).c_str(), Time(j.updated_ms).c_str(),
              j.owner.empty() ? "" : ("  engine " + j.owner).c_str());
  if (!j.error.empty()) std::printf("error: %s\n", j.error.c_str());
  auto tasks = o->store->LoadTasks(j.id);
  if (!tasks.ok()) return Fail("status", tasks.status());
  std::map<std::string, std::map<engine::TaskState, int>> counts;
  std::vector<const engine::TaskRow*> failed;
  for (const auto& t : *tasks) {
    counts[t.stage][t.state] += 1;
    if (t.state == engine::TaskState::kFailed) failed.push_back(&t);
  }
  std::printf("%-20s %9s %8s %8s %7s %9s\n", "STAGE", "SUCCEEDED", "RUNNING", "WAITING", "FAILED",
              "CANCELLED");
  for (auto& [stage, c] : counts) {
    std::printf("%-20s %9d %8d %8d %7d %9d\n", stage.c_str(), c[engine::TaskState::kSucceeded],
                c[engine::TaskState::kRunning], c[engine::TaskState::kReady],
                c[engine::TaskState::kFailed], c[engine::TaskState::kCancelled]);
  }
  for (size_t i = 0; i < failed.size() && i < 10; ++i) {
    std::printf("failed %s (attempt %d): %s\n", failed[i]->key.c_str(), failed[i]->attempts,
                failed[i]->error.c_str());
  }
  auto events = o->store->ListEvents(j.id, 0, 1'000'000);
  if (events.ok()) {
    std::map<std::string, std::string> waiting;
    for (const auto& e : *events) {
      if (e.what == "gate.waiting") waiting[e.task] = e.detail;
      if (e.what == "gate.passed") waiting.erase(e.task);
    }
    if (j.state == engine::JobState::kRunning) {
      for (auto& [gate, msg] : waiting) {
        std::printf("waiting for approval: %s %s  (dandori approve %lld %s)\n", gate.c_str(),
                    msg.c_str(), static_cast<long long>(j.id),
                    gate.substr(0, gate.find('/')).c_str());
      }
    }
  }
  return kExitOk;
}

int Events(const JobArgs& a) {
  auto o = OpenJob(a);
  if (!o.ok()) return Fail("events", o.status());
  int64_t after = 0;
  while (true) {
    auto ev = o->store->ListEvents(o->job.id, after, 10'000);
    if (!ev.ok()) return Fail("events", ev.status());
    if (ev->empty()) break;
    for (const auto& e : *ev) {
      std::printf("%s  %-16s %-14s %s%s%s  %s\n", Time(e.at_ms).c_str(), e.what.c_str(),
                  e.task.c_str(), e.attempt ? "#" : "",
                  e.attempt ? std::to_string(e.attempt).c_str() : "", "", e.detail.c_str());
      after = e.seq;
    }
  }
  return kExitOk;
}

int Approve(const JobArgs& a) {
  auto o = OpenJob(a);
  if (!o.ok()) return Fail("approve", o.status());
  auto program = engine::LoadTableBytes(o->job.table, nullptr);
  if (!program.ok()) return Fail("approve", program.status());
  std::string gates;
  bool found = false;
  for (const auto& s : (*program)->states) {
    if (s.kind != v1::GATE) continue;
    gates += (gates.empty() ? "" : ", ") + s.name;
    found |= s.name == a.gate;
  }
  if (!found) {
    return Fail("approve", Status::Invalid("job " + a.job + " has no gate '" + a.gate + "'" +
                                           (gates.empty() ? "" : " (gates: " + gates + ")")));
  }
  const char* user = std::getenv("USER");
  Status st = o->store->AddSignal(
      o->job.id,
      {"approve", a.gate, std::string("cli ") + (user ? user : "?"), SystemClock()->NowMs()});
  if (!st.ok()) return Fail("approve", st);
  std::printf("approved gate %s of job %lld\n", a.gate.c_str(), static_cast<long long>(o->job.id));
  return kExitOk;
}

int Cancel(const JobArgs& a) {
  auto o = OpenJob(a);
  if (!o.ok()) return Fail("cancel", o.status());
  if (o->job.state != engine::JobState::kRunning) {
    std::printf("job %lld already %s\n", static_cast<long long>(o->job.id),
                std::string(engine::JobStateName(o->job.state)).c_str());
    return kExitOk;
  }
  const char* user = std::getenv("USER");
  int64_t now = SystemClock()->NowMs();
  Status st = o->store->AddSignal(o->job.id,
                                  {"cancel", "", std::string("cli ") + (user ? user : "?"), now});
  if (!st.ok()) return Fail("cancel", st);
  bool engine_alive = !o->job.owner.empty() && o->job.owner_until_ms >= now &&
                      !engine::LocalOwnerDead(o->job.owner);
  if (!engine_alive) {
    // Nobody is running it: the job ends here.
    engine::Batch b;
    b.SetJobState(o->job.id, engine::JobState::kCancelled, now);
    b.AddEvent({0, o->job.id, now, "cli", "job.cancelled", "", 0, "no engine was running it"});
    Status c = o->store->Commit(b, nullptr);
    if (!c.ok()) return Fail("cancel", c);
    std::printf("job %lld cancelled\n", static_cast<long long>(o->job.id));
  } else {
    std::printf("cancel requested; engine %s stops job %lld\n", o->job.owner.c_str(),
                static_cast<long long>(o->job.id));
  }
  return kExitOk;
}

int Resume(const JobArgs& a) {
  auto o = OpenJob(a);
  if (!o.ok()) return Fail("resume", o.status());
  if (o->job.state != engine::JobState::kRunning) {
    std::printf("job %lld is %s; nothing to resume%s\n", static_cast<long long>(o->job.id),
                std::string(engine::JobStateName(o->job.state)).c_str(),
                o->job.state == engine::JobState::kSucceeded
                    ? ""
                    : " (dandori retry runs its failed tasks again)");
    return o->job.state == engine::JobState::kSucceeded ? kExitOk : kExitFailed;
  }
  return DriveWithProgress("resume", *o->store, a.store, o->job.id);
}

int Retry(const JobArgs& a) {
  auto o = OpenJob(a);
  if (!o.ok()) return Fail("retry", o.status());
  if (o->job.state == engine::JobState::kSucceeded) {
    std::printf("job %lld succeeded; nothing to retry\n", static_cast<long long>(o->job.id));
    return kExitOk;
  }
  OperatorRegistry registry;
  RegisterOperators(&registry);
  auto program = engine::LoadTableBytes(o->job.table, &registry);
  if (!program.ok()) return Fail("retry", program.status());
  auto n = engine::ResetFailedTasks(*o->store, o->job.id, *SystemClock(), "cli");
  if (!n.ok()) return Fail("retry", n.status());
  std::printf("job %lld: %d failed task(s) will run again; finished tasks stay finished\n",
              static_cast<long long>(o->job.id), *n);
  std::fflush(stdout);
  return DriveWithProgress("retry", *o->store, a.store, o->job.id);
}

// Through the API: `resume` and `retry` ask the server's engines to drive the job.
int Remote(const std::string& name, const JobArgs& a) {
  if (name == "status") return RemoteStatus(a.target, a.job);
  if (name == "events") return RemoteEvents(a.target, a.job);
  return RemoteAction(a.target, a.job, name, a.gate);
}

CommandMain Setup(CLI::App* sub, int (*fn)(const JobArgs&), bool job_required, bool gate) {
  auto a = std::make_shared<JobArgs>();
  auto* opt = sub->add_option("job", a->job, "job id");
  if (job_required) opt->required();
  if (gate) sub->add_option("gate", a->gate, "gate name")->required();
  auto* store = sub->add_option("--store", a->store,
                                "postgres:// URL or store file (default .dandori/state.db)");
  sub->add_option("--server", a->target.server,
                  "work through `dandori serve`'s API (http://HOST:PORT)")
      ->excludes(store);
  sub->add_option("--token-file", a->target.token_file, "the API token (default $DANDORI_TOKEN)");
  std::string name = sub->get_name();
  return [a, fn, name] {
    if (!a->target.server.empty()) return Remote(name, *a);
    return fn(*a);
  };
}

}  // namespace

DANDORI_COMMAND({"status", "Show jobs, or one job's stages, failures and gates",
                 [](CLI::App* s) { return Setup(s, Status_, false, false); }, 40});
DANDORI_COMMAND({"events", "Print a job's event history",
                 [](CLI::App* s) { return Setup(s, Events, true, false); }, 41});
DANDORI_COMMAND({"approve", "Approve a gate of a job",
                 [](CLI::App* s) { return Setup(s, Approve, true, true); }, 42});
DANDORI_COMMAND({"cancel", "Cancel a job (running operators are stopped)",
                 [](CLI::App* s) { return Setup(s, Cancel, true, false); }, 43});
DANDORI_COMMAND({"resume", "Resume an interrupted job here",
                 [](CLI::App* s) { return Setup(s, Resume, true, false); }, 44});
DANDORI_COMMAND({"retry", "Run a job's failed tasks again (finished tasks never repeat)",
                 [](CLI::App* s) { return Setup(s, Retry, true, false); }, 45});

}  // namespace dandori::cli
