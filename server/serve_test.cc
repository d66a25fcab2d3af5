// Serve-level promises: alerts are retried with backoff (and not retried on a
// permanent refusal); an executor stopped gracefully hands its running attempts back so
// another executor takes them at once instead of after the lease.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/alerts.h"
#include "server/dispatch.h"
#include "server/job_drivers.h"
#include "server/serve.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

}  // namespace

TEST_CASE("alerts are retried on transient failures, not on permanent ones") {
  httplib::Server hook;
  std::atomic<int> calls{0};
  std::string last_body;
  hook.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    int n = ++calls;
    last_body = req.body;
    res.status = n <= 2 ? 503 : 200;
  });
  hook.Post("/refuse", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 400;
  });
  int port = hook.bind_to_any_port("127.0.0.1");
  std::thread t([&] { hook.listen_after_bind(); });
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  Status ok = PostAlert(base + "/hook", "job 7 failed: boom", {.backoff_min_ms = 10});
  CHECK(ok.ok());
  CHECK(calls == 3);
  CHECK(last_body == "{\"text\":\"job 7 failed: boom\"}");
  calls = 0;
  Status refused = PostAlert(base + "/refuse", "x", {.backoff_min_ms = 10});
  CHECK_FALSE(refused.ok());
  CHECK(calls == 1);
  hook.stop();
  t.join();
}

TEST_CASE("a gracefully stopped executor hands its attempts back at once") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  // Executor A's operator runs until cancelled; executor B's returns at once.
  std::atomic<int> slow_started{0};
  OperatorRegistry slow, fast;
  slow.Register("noop", MakeOperator([&](OperatorContext& ctx) -> Result<Value> {
                  ++slow_started;
                  while (!ctx.cancelled())
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                  return Status::Cancelled("stopped");
                }));
  fast.Register("noop", MakeOperator([](OperatorContext& ctx) -> Result<Value> {
                  return Value::MakeRecord({{"value", ctx.args.Get("value")}});
                }));
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int f = sm.Add("h.flow",
                 "workflow h() {\n  foreach i in range(4) parallel 4 {\n"
                 "    stage t = noop(value: i)\n  }\n}\n");
  auto out = compiler::CompileSource(f, sm, diags);
  REQUIRE(out.table.has_value());
  auto program = LoadTable(*out.table, &fast);
  REQUIRE(program.ok());
  auto params = BindParams(**program, {});
  REQUIRE(params.ok());
  bool created = false;
  auto job = SubmitJob(**store, *out.table, *params, "", "/tmp", *SystemClock(), &created);
  REQUIRE(job.ok());

  JobDriversOptions eo;
  eo.url = url;
  eo.owner = "engine";
  eo.registry = &fast;
  eo.trivial_ops = {};
  eo.poll_ms = 100;
  JobDrivers engine(eo);
  REQUIRE(engine.Start().ok());
  DispatchWorkerOptions ao;
  ao.url = url;
  ao.name = "A";
  ao.registry = &slow;
  ao.slots = 4;
  ao.lease_ms = 30'000;  // a rescue after the lease would take far longer than the test
  DispatchWorker a(ao);
  REQUIRE(a.Start().ok());
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (slow_started < 4 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(slow_started == 4);
  DispatchWorkerOptions bo = ao;
  bo.name = "B";
  bo.registry = &fast;
  DispatchWorker b(bo);
  REQUIRE(b.Start().ok());
  auto t0 = std::chrono::steady_clock::now();
  a.Stop(100);  // grace 100 ms: then cancel and hand back
  JobState state = JobState::kRunning;
  while (std::chrono::steady_clock::now() < t0 + std::chrono::seconds(10)) {
    state = (*store)->GetJob(job->id)->state;
    if (state != JobState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(state == JobState::kSucceeded);
  CHECK(b.stats().succeeded == 4);
  CHECK(a.stats().succeeded == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  b.Stop(1000);
  engine.Stop();
}

}  // namespace dandori::server
