// Shared durable mode end to end on a real PostgreSQL: two engines (JobDrivers) and
// task executors (DispatchWorker) in one process, sharing one database, run a fan-out
// job to completion; every task runs and is accepted once; an executor stopped
// mid-run hands its attempts back.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/compile_for_test.h"
#include "server/dispatch.h"
#include "server/job_drivers.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

// A no-op that counts its runs per task (registered under the `noop` signature).
struct Counter {
  std::mutex mu;
  std::map<std::string, int> runs;  // guarded by mu
};

v1::Table Compile(const std::string& text) { return testing::CompileFlow(text); }

}  // namespace

TEST_CASE("two engines and two executors share a database and finish a fan-out job") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  Counter counter;
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([&](OperatorContext& ctx) -> Result<Value> {
                 std::lock_guard<std::mutex> lock(counter.mu);
                 counter.runs[ctx.task_id]++;
                 ctx.Log("log", "ran " + ctx.task_id + "\n");
                 return Value::MakeRecord({{"value", ctx.args.Get("value")}});
               }));
  v1::Table table = Compile(
      "workflow w() {\n"
      "  foreach i in range(300) parallel 64 {\n"
      "    stage t = noop(value: i)\n"
      "  }\n"
      "}\n");
  int64_t job = testing::SubmitTable(**store, table, &reg);

  // Every attempt goes through the dispatch queue.
  auto engines = testing::StartEngines(url, &reg, 2);
  auto workers = testing::StartWorkers(url, &reg, 2, 8);
  CHECK(testing::WaitForEnd(**store, job, 60) == JobState::kSucceeded);
  for (auto& w : workers) w->Stop(1000);
  for (auto& e : engines) e->Stop();

  auto rows = (*store)->LoadTasks(job);
  REQUIRE(rows.ok());
  int succeeded = 0, labelled = 0;
  for (auto& r : *rows) {
    succeeded += r.state == TaskState::kSucceeded;
    labelled += r.label.rfind("t[i=", 0) == 0;
  }
  CHECK(succeeded >= 300);
  CHECK(labelled == 300);  // "t[i=17]": the executors' reports keep the engine's labels
  // Each attempt's log line came back with the executor's report.
  auto logs = (*store)->ListLogs(job, "", 0, 0);
  REQUIRE(logs.ok());
  CHECK(logs->size() == 300);
  for (const LogChunk& l : *logs) CHECK(l.text == "ran " + l.task + "\n");
  std::lock_guard<std::mutex> lock(counter.mu);
  int twice = 0, ran = 0;
  for (auto& [k, n] : counter.runs) {
    twice += n > 1;
    ran += 1;
  }
  CHECK(ran == 300);
  CHECK(twice == 0);
  int64_t accepted = workers[0]->stats().succeeded + workers[1]->stats().succeeded;
  CHECK(accepted == 300);
}

}  // namespace dandori::server
