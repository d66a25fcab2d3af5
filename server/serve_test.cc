// Serve-level promises: alerts are an outbox (a pending one survives serve's SIGTERM and
// the next serve delivers it once; a permanent refusal is not retried); an executor stopped
// gracefully hands its running attempts back so another executor takes them at once instead of
// after the lease.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "compiler/compile.h"
#include "engine/job_control.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/alerts.h"
#include "server/compile_for_test.h"
#include "server/dispatch.h"
#include "server/http_api.h"
#include "server/job_drivers.h"
#include "server/serve.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

v1::Table Compile(const std::string& text) { return testing::CompileFlow(text); }

int64_t Submit(Store& store, const v1::Table& table) {
  auto program = LoadTable(table, nullptr);
  REQUIRE(program.ok());
  auto params = BindParams(**program, {});
  REQUIRE(params.ok());
  bool created = false;
  auto job = SubmitJob(store, table, *params, "", "/tmp", *SystemClock(), &created);
  REQUIRE(job.ok());
  return job->id;
}

// A real `dandori serve` process (dandori_chaos_node), no local slots.
pid_t StartServe(const std::string& url) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(DANDORI_CHAOS_NODE, DANDORI_CHAOS_NODE, "serve", url.c_str(), "0", "10",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int ExitStatus(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("an alert pending when serve gets SIGTERM is delivered once by the next serve") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  httplib::Server hook;
  std::atomic<int> refused{0}, delivered{0}, permanent{0};
  std::atomic<bool> healthy{false};
  std::string last_body;
  std::mutex mu;
  hook.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    if (!healthy) {
      ++refused;
      res.status = 500;
      return;
    }
    ++delivered;
    std::lock_guard<std::mutex> lock(mu);
    last_body = req.body;
  });
  hook.Post("/refuse", [&](const httplib::Request&, httplib::Response& res) {
    ++permanent;
    res.status = 400;
  });
  int port = hook.bind_to_any_port("127.0.0.1");
  std::thread t([&] { hook.listen_after_bind(); });
  std::string base = "http://127.0.0.1:" + std::to_string(port);

  // A failed job: the outbox row comes with the failure, in the same transaction.
  v1::Table table = Compile("workflow a() {\n  stage s = noop(value: 1)\n}\n");
  auto failed_job = [&] {
    int64_t id = Submit(**store, table);
    Batch b;
    b.SetJobState(id, JobState::kFailed, SystemClock()->NowMs(), "boom");
    REQUIRE((*store)->Commit(b, nullptr).ok());
    return id;
  };
  int64_t job = failed_job();
  auto rows = (*store)->ListAlerts(job);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].state == 0);  // pending: no serve has sent it yet

  auto alert = [&](int64_t id) {
    auto r = (*store)->ListAlerts(id);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 1);
    return (*r)[0];
  };
  auto wait_until = [](const std::function<bool()>& done) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  };
  // serve 1: the target answers 500; SIGTERM after its first try.
  setenv("DANDORI_CHAOS_ALERT_URL", (base + "/hook").c_str(), 1);
  pid_t first = StartServe(url);
  REQUIRE(wait_until([&] { return refused >= 1; }));
  kill(first, SIGTERM);
  CHECK(ExitStatus(first) == 0);
  PgStore::AlertRow pending = alert(job);
  CHECK(pending.state == 0);
  CHECK(pending.attempts >= 1);
  CHECK(pending.error.find("500") != std::string::npos);
  CHECK(delivered == 0);
  {  // the API shows it
    ApiOptions ao;
    ao.url = url;
    ao.port = 0;
    ao.token = "t0ken";
    ApiServer api(ao);
    REQUIRE(api.Start().ok());
    httplib::Client http("127.0.0.1", api.port());
    auto res = http.Get("/v1/jobs/" + std::to_string(job), {{"Authorization", "Bearer t0ken"}});
    REQUIRE(res);
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    INFO(res->body);
    REQUIRE(j["alerts"].size() == 1);
    CHECK(j["alerts"][0]["state"] == "pending");
    CHECK(j["alerts"][0]["error"].get<std::string>().find("500") != std::string::npos);
    api.Stop();
  }
  {  // ... and so does `dandori status` on the database (the same ReadAlerts)
    auto st = GetStatus(**store, job);
    REQUIRE(st.ok());
    REQUIRE(ReadAlerts(**store, &*st).ok());
    REQUIRE(st->alerts.size() == 1);
    CHECK(st->alerts[0].state == "pending");
    CHECK(st->alerts[0].attempts == pending.attempts);
    CHECK(st->alerts[0].next_try_ms == pending.not_before_ms);
  }

  // serve 2, the target healthy again: delivered once.
  healthy = true;
  pid_t second = StartServe(url);
  REQUIRE(wait_until([&] { return alert(job).state == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // no second delivery
  kill(second, SIGTERM);
  CHECK(ExitStatus(second) == 0);
  CHECK(delivered == 1);
  {
    std::lock_guard<std::mutex> lock(mu);
    CHECK(last_body == "{\"text\":\"dandori: job " + std::to_string(job) + " failed: boom\"}");
  }

  // A permanent refusal (4xx) is not tried again: the alert is failed, with the error.
  int64_t job2 = failed_job();
  AlertSenderOptions ao;
  ao.url = url;
  ao.alert_url = base + "/refuse";
  ao.name = "sender";
  AlertSender sender(ao);
  sender.Start();
  REQUIRE(wait_until([&] { return alert(job2).state == 2; }));
  sender.Stop();
  CHECK(permanent == 1);
  CHECK(alert(job2).error.find("400") != std::string::npos);
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
