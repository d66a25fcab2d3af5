// Global operator pools (server/global_pools.h) on a real PostgreSQL: two jobs whose
// tasks share a pool with a global capacity of 2, driven by two engines and run by two
// executors of 4 slots each, never run more than 2 of those tasks at once (counted by
// the operator itself, and from the dispatch rows' claim / end times), and both finish.
// Without the cap up to 8 would run at once. Plus the --pool NAME=N parser.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/compile_for_test.h"
#include "server/dispatch.h"
#include "server/global_pools.h"
#include "server/job_drivers.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

}  // namespace

TEST_CASE("two jobs competing for a global pool of 2 never run more than 2 of its tasks") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  // The operator counts how many of its runs overlap; each run holds its slot a while.
  std::atomic<int> now_running{0}, most{0}, runs{0};
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([&](OperatorContext& ctx) -> Result<Value> {
                 int n = ++now_running;
                 int seen = most.load();
                 while (n > seen && !most.compare_exchange_weak(seen, n)) {
                 }
                 std::this_thread::sleep_for(std::chrono::milliseconds(30));
                 --now_running;
                 ++runs;
                 return Value::MakeRecord({{"value", ctx.args.Get("value")}});
               }));
  REQUIRE(SetGlobalPools(**conn, {{"encoders", 2}}, 0).ok());
  auto listed = ListGlobalPools(**conn);
  REQUIRE(listed.ok());
  CHECK(*listed == std::map<std::string, int>{{"encoders", 2}});

  v1::Table table = testing::CompileFlow(
      "workflow w() {\n"
      "  foreach i in range(12) parallel 8 {\n"
      "    stage t = noop(value: i) { pool encoders }\n"
      "  }\n"
      "}\n");
  int64_t a = testing::SubmitTable(**store, table, &reg);
  int64_t b = testing::SubmitTable(**store, table, &reg);

  // Every attempt goes through the dispatch queue.
  auto engines = testing::StartEngines(url, &reg, 2);
  auto workers = testing::StartWorkers(url, &reg, 2, 4);
  // Meanwhile, from the database: claimed-and-not-ended attempts of the pool.
  int64_t most_rows = 0;
  std::atomic<bool> done{false};
  std::thread watch([&] {
    auto c = pg::Conn::Open(url);
    REQUIRE(c.ok());
    while (!done) {
      auto r = (*c)->Run({"running_encoders",
                          "SELECT count(*) FROM dandori.dispatch WHERE pool = 'encoders' "
                          "AND state = 1"});
      if (r.ok()) most_rows = std::max(most_rows, r->Int(0, 0));
    }
  });
  CHECK(testing::WaitForEnd(**store, a, 120) == JobState::kSucceeded);
  CHECK(testing::WaitForEnd(**store, b, 120) == JobState::kSucceeded);
  done = true;
  watch.join();
  for (auto& w : workers) w->Stop(1000);
  for (auto& e : engines) e->Stop();
  CHECK(runs.load() == 24);
  CHECK(most.load() <= 2);
  CHECK(most.load() >= 1);
  CHECK(most_rows <= 2);
}

TEST_CASE("a pool without a global capacity is not capped across jobs") {
  // The same two jobs with no dandori.pools row: the executors' 8 slots fill (shows the
  // first test's limit is the global pool, not something else).
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  std::atomic<int> now_running{0}, most{0};
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([&](OperatorContext& ctx) -> Result<Value> {
                 int n = ++now_running;
                 int seen = most.load();
                 while (n > seen && !most.compare_exchange_weak(seen, n)) {
                 }
                 std::this_thread::sleep_for(std::chrono::milliseconds(200));
                 --now_running;
                 return Value::MakeRecord({{"value", ctx.args.Get("value")}});
               }));
  v1::Table table = testing::CompileFlow(
      "workflow w() {\n"
      "  foreach i in range(8) parallel 8 {\n"
      "    stage t = noop(value: i) { pool encoders }\n"
      "  }\n"
      "}\n");
  int64_t a = testing::SubmitTable(**store, table, &reg);
  int64_t b = testing::SubmitTable(**store, table, &reg);
  JobDriversOptions eo;
  eo.url = url;
  eo.owner = "engine";
  eo.registry = &reg;
  eo.trivial_ops = {};
  eo.poll_ms = 100;
  JobDrivers engine(eo);
  REQUIRE(engine.Start().ok());
  DispatchWorkerOptions wo;
  wo.url = url;
  wo.name = "worker";
  wo.registry = &reg;
  wo.slots = 8;
  DispatchWorker worker(wo);
  REQUIRE(worker.Start().ok());
  CHECK(testing::WaitForEnd(**store, a, 120) == JobState::kSucceeded);
  CHECK(testing::WaitForEnd(**store, b, 120) == JobState::kSucceeded);
  worker.Stop(1000);
  engine.Stop();
  CHECK(most.load() > 2);
}

TEST_CASE("--pool NAME=N is parsed with clear errors") {
  auto ok = ParsePoolSpec("media.encode=8");
  REQUIRE(ok.ok());
  CHECK(ok->first == "media.encode");
  CHECK(ok->second == 8);
  CHECK(ParsePoolSpec("encoders=0")->second == 0);
  CHECK(ParsePoolSpec("=8").status().message() ==
        "--pool =8: no NAME= (give NAME=N, e.g. media.encode=8)");
  CHECK(ParsePoolSpec("a b=1").status().message() ==
        "--pool a b=1: the name may hold only letters, digits, '.', '_' and '-' (give NAME=N, "
        "e.g. media.encode=8)");
  CHECK(!ParsePoolSpec("x=-1").ok());
  CHECK(!ParsePoolSpec("x=9999999").ok());
  CHECK(!ParsePoolSpec("x").ok());
}

}  // namespace dandori::server
