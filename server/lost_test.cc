// Zombie rescue in the shared mode (issue 10): a `dandori worker` process killed with
// SIGKILL mid-attempt stops renewing its attempt leases; another worker then ends those
// attempts as `lost` (a real attempt), and the engine, following the default policy,
// retries each once although the stage has no retry policy: the job succeeds with
// every task at attempt 2, the retry saying why.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/compile_for_test.h"
#include "server/job_drivers.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

// A worker process (dandori_chaos_node) whose operator works for work_ms.
pid_t StartWorker(const std::string& url, int work_ms) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string w = std::to_string(work_ms);
    execl(DANDORI_CHAOS_NODE, DANDORI_CHAOS_NODE, "worker", url.c_str(), "4", w.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int64_t Scalar(pg::Conn& c, const char* name, const char* sql) {
  auto r = c.Run({name, sql});
  REQUIRE(r.ok());
  return r->Int(0, 0);
}

}  // namespace

TEST_CASE("lost: a killed worker's attempts are real attempts, retried once by default") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  pg::Conn& c = **conn;
  REQUIRE(c.Exec("CREATE SCHEMA chaos; CREATE TABLE chaos.effects(job text, task text, fence "
                 "bigint, executor text, UNIQUE(job, task, fence))")
              .ok());
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([](OperatorContext&) -> Result<Value> {
                 return Status::Permanent("the engine must not run tasks itself here");
               }));
  const int64_t job = testing::SubmitFlow(**store,
                                          "workflow l() {\n  foreach i in range(3) parallel 3 {\n"
                                          "    stage t = noop(value: i)\n  }\n}\n",
                                          &reg);
  JobDriversOptions eo;
  eo.url = url;
  eo.owner = "engine";
  eo.registry = &reg;
  eo.trivial_ops = {};
  eo.poll_ms = 100;
  JobDrivers engine(eo);
  REQUIRE(engine.Start().ok());

  // Worker 1 takes all three attempts and works "forever"; kill -9 it mid-attempt.
  pid_t first = StartWorker(url, 600'000);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Scalar(c, "running", "SELECT count(*) FROM dandori.dispatch WHERE state = 1") < 3 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(Scalar(c, "running2", "SELECT count(*) FROM dandori.dispatch WHERE state = 1") == 3);
  kill(first, SIGKILL);
  waitpid(first, nullptr, 0);
  pid_t second = StartWorker(url, 10);

  JobState state = JobState::kRunning;
  until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    state = (*store)->GetJob(job)->state;
    if (state != JobState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(second, SIGTERM);
  waitpid(second, nullptr, 0);
  engine.Stop();
  INFO("job error: " << (*store)->GetJob(job)->error);
  CHECK(state == JobState::kSucceeded);
  auto rows = (*store)->LoadTasks(job);
  REQUIRE(rows.ok());
  int at_two = 0;
  for (const auto& r : *rows) at_two += r.state == TaskState::kSucceeded && r.attempts == 2;
  CHECK(at_two == 3);
  auto events = (*store)->ListEvents(job, 0, 1000);
  REQUIRE(events.ok());
  int lost = 0;
  for (const auto& e : *events) {
    lost += e.what == "task.retrying" && e.detail.find("lost: its executor") != std::string::npos;
  }
  CHECK(lost == 3);
  // Each task's effect: once, by the second worker, at attempt 2 (the first never wrote).
  CHECK(Scalar(c, "effects", "SELECT count(*) FROM chaos.effects WHERE fence = 2") == 3);
  CHECK(Scalar(c, "effects_all", "SELECT count(*) FROM chaos.effects") == 3);
}

}  // namespace dandori::server
