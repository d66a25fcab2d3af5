// Database outages in the shared mode (issue 10): two engines (JobDrivers) and two task
// executors (DispatchWorker) run a job of 120 tasks with NO retry policy, each of which
// appends its task id to an effects file. Mid-job the PostgreSQL server is stopped
// `-m immediate` (SIGQUIT) for shorter than the leases, and (separately) for longer
// than every lease, then started again. Asserts: the job succeeds, no task failed, and
// every effect happened exactly once; /healthz answers 503 with a JSON reason while the
// database is down and 200 again after.
#include <fcntl.h>
#include <unistd.h>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_store.h"
#include "server/compile_for_test.h"
#include "server/dispatch.h"
#include "server/http_api.h"
#include "server/job_drivers.h"
#include "tests/pgharness/temp_postgres.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

constexpr int kTasks = 120;

v1::Table Compile(const std::string& text) { return testing::CompileFlow(text); }

std::map<std::string, int> ReadEffects(const std::string& path) {
  std::map<std::string, int> n;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) n[line]++;
  return n;
}

int Lines(const std::string& path) {
  int total = 0;
  for (auto& [k, v] : ReadEffects(path)) total += v;
  return total;
}

// One scenario: the database is down for `outage_ms` once `before` effects happened.
void RunWithOutage(int64_t outage_ms) {
  dandori::testing::TempPostgresOptions po;
  po.fsync = false;
  auto pg = dandori::testing::TempPostgres::Start(po);
  REQUIRE(pg.ok());
  REQUIRE((*pg)->CreateDatabase("outage").ok());
  std::string url = (*pg)->Url("outage");
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());

  char tmpl[] = "/tmp/dandori-outage-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string effects = std::string(tmpl) + "/effects";
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([effects](OperatorContext& ctx) -> Result<Value> {
                 std::this_thread::sleep_for(std::chrono::milliseconds(40));
                 int fd = open(effects.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
                 if (fd < 0) return Status::Permanent("cannot open the effects file");
                 std::string line = ctx.task_id + "\n";
                 bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
                 close(fd);
                 if (!ok) return Status::Permanent("cannot write the effects file");
                 return Value::MakeRecord({{"value", ctx.args.Get("value")}});
               }));
  v1::Table table = Compile("workflow w() {\n  foreach i in range(" + std::to_string(kTasks) +
                            ") parallel 16 {\n    stage t = noop(value: i)\n  }\n}\n");
  auto program = LoadTable(table, &reg);
  REQUIRE(program.ok());
  auto params = BindParams(**program, {});
  REQUIRE(params.ok());
  bool created = false;
  auto job = SubmitJob(**store, table, *params, "", tmpl, *SystemClock(), &created);
  REQUIRE(job.ok());

  std::vector<std::unique_ptr<JobDrivers>> engines;
  for (int e = 0; e < 2; ++e) {
    JobDriversOptions o;
    o.url = url;
    o.owner = "engine-" + std::to_string(e);
    o.registry = &reg;
    o.trivial_ops = {};  // every attempt goes through the dispatch queue
    o.poll_ms = 100;
    o.job_lease_ms = 2000;
    engines.push_back(std::make_unique<JobDrivers>(o));
    REQUIRE(engines.back()->Start().ok());
  }
  std::vector<std::unique_ptr<DispatchWorker>> workers;
  for (int w = 0; w < 2; ++w) {
    DispatchWorkerOptions o;
    o.url = url;
    o.name = "worker-" + std::to_string(w);
    o.registry = &reg;
    o.slots = w == 0 ? 4 : 16;  // free slots: a claim after the outage could rescue
    o.lease_ms = 1000;
    workers.push_back(std::make_unique<DispatchWorker>(o));
    REQUIRE(workers.back()->Start().ok());
  }
  ApiOptions ao;
  ao.url = url;
  ao.port = 0;
  ao.token = "t0ken";
  ApiServer api(ao);
  REQUIRE(api.Start().ok());
  httplib::Client http("127.0.0.1", api.port());

  // Mid-job: a third of the effects happened.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Lines(effects) < kTasks / 3 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(Lines(effects) < kTasks);
  store->reset();
  REQUIRE((*pg)->StopImmediate().ok());
  auto health = http.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 503);
  auto body = nlohmann::json::parse(health->body, nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  CHECK(body["status"] == "unavailable");
  CHECK(body["reason"].get<std::string>().find("database") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(outage_ms));
  REQUIRE((*pg)->Restart().ok());
  health = http.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);

  auto again = OpenPgStore(url);
  REQUIRE(again.ok());
  JobState end = JobState::kRunning;
  until = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < until) {
    auto j = (*again)->GetJob(job->id);
    REQUIRE(j.ok());
    end = j->state;
    if (end != JobState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  api.Stop();
  for (auto& w : workers) w->Stop(1000);
  for (auto& e : engines) e->Stop();
  auto info = (*again)->GetJob(job->id);
  REQUIRE(info.ok());
  INFO("job error: " << info->error);
  CHECK(end == JobState::kSucceeded);
  auto rows = (*again)->LoadTasks(job->id);
  REQUIRE(rows.ok());
  int failed = 0, succeeded = 0;
  for (const auto& r : *rows) {
    failed += r.state == TaskState::kFailed;
    succeeded += r.state == TaskState::kSucceeded;
  }
  CHECK(failed == 0);
  CHECK(succeeded == kTasks);
  auto n = ReadEffects(effects);
  int twice = 0;
  for (auto& [task, runs] : n) twice += runs > 1;
  if (twice > 0) {  // say what happened to the first task that ran twice
    for (auto& [task, runs] : n) {
      if (runs < 2) continue;
      auto events = (*again)->ListEvents(job->id, 0, 100000);
      REQUIRE(events.ok());
      for (const auto& e : *events) {
        if (e.task == task)
          std::fprintf(stderr, "EV %s %s %s #%d %s\n", task.c_str(), e.who.c_str(), e.what.c_str(),
                       e.attempt, e.detail.c_str());
      }
      break;
    }
  }
  CHECK(n.size() == static_cast<size_t>(kTasks));
  CHECK(twice == 0);
  std::filesystem::remove_all(tmpl);
}

}  // namespace

TEST_CASE("outage: PostgreSQL stopped -m immediate for shorter than the leases") {
  RunWithOutage(300);
}

TEST_CASE("outage: PostgreSQL stopped -m immediate for longer than every lease") {
  RunWithOutage(4000);
}

}  // namespace dandori::server
