// The chaos test (issue: shared durable mode): 2 serve + 3 worker processes on one
// database run a 5,000-task job while a random process is killed with SIGKILL (and
// started again) at least 20 times. Asserts: the job completes; no task is lost (all
// 5,000 succeeded, each with an effect); no result is accepted twice (one
// task.succeeded event per task, and effects are unique per (task, fencing token)).
// Prints the longest time a dead worker's attempt waited to be rescued.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

constexpr int kTasks = 5000;

pid_t StartNode(const std::string& role, const std::string& url, int slots) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string s = std::to_string(slots);
    execl(DANDORI_CHAOS_NODE, DANDORI_CHAOS_NODE, role.c_str(), url.c_str(), s.c_str(), "60",
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

TEST_CASE("chaos: 2 serve + 3 worker processes, 20+ kill -9, nothing lost or accepted twice") {
  std::string url = FreshDatabase();
  REQUIRE(OpenPgStore(url).ok());
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  pg::Conn& c = **conn;
  REQUIRE(c.Exec("CREATE SCHEMA chaos; CREATE TABLE chaos.effects(job text, task text, fence "
                 "bigint, executor text, UNIQUE(job, task, fence))")
              .ok());

  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int f = sm.Add("chaos.flow",
                 "workflow chaos(n: int = 5000) {\n"
                 "  foreach i in range(n) parallel 200 {\n"
                 "    stage rec = noop(value: i) { retry 20 }\n"
                 "  }\n"
                 "}\n");
  auto out = compiler::CompileSource(f, sm, diags);
  REQUIRE(out.table.has_value());
  auto program = LoadTable(*out.table, nullptr);
  REQUIRE(program.ok());
  auto params = BindParams(**program, {});
  REQUIRE(params.ok());
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  bool created = false;
  auto job = SubmitJob(**store, *out.table, *params, "chaos", "/tmp", *SystemClock(), &created);
  REQUIRE(job.ok());

  struct Node {
    std::string role;
    int slots;
    pid_t pid;
  };
  std::vector<Node> nodes = {
      {"serve", 4, 0}, {"serve", 4, 0}, {"worker", 8, 0}, {"worker", 8, 0}, {"worker", 8, 0}};
  for (auto& n : nodes) n.pid = StartNode(n.role, url, n.slots);

  std::mt19937 rng(12345);
  int kills = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto deadline = t0 + std::chrono::seconds(110);
  JobState state = JobState::kRunning;
  auto next_kill = t0 + std::chrono::milliseconds(700);
  while (std::chrono::steady_clock::now() < deadline) {
    auto j = (*store)->GetJob(job->id);
    REQUIRE(j.ok());
    state = j->state;
    if (state == JobState::kFailed) std::printf("chaos-debug: job error: %s\n", j->error.c_str());
    if (state != JobState::kRunning) break;
    if (std::chrono::steady_clock::now() >= next_kill) {
      Node& n = nodes[rng() % nodes.size()];
      kill(n.pid, SIGKILL);
      waitpid(n.pid, nullptr, 0);
      ++kills;
      n.pid = StartNode(n.role, url, n.slots);
      next_kill = std::chrono::steady_clock::now() + std::chrono::milliseconds(250 + rng() % 400);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& n : nodes) {
    kill(n.pid, SIGTERM);
  }
  for (auto& n : nodes) {
    int st = 0;
    waitpid(n.pid, &st, 0);
  }

  int64_t succeeded =
      Scalar(c, "q1", "SELECT count(*) FROM dandori.tasks WHERE state = 2 AND key LIKE 's%'");
  int64_t tasks_with_effect = Scalar(c, "q2", "SELECT count(DISTINCT task) FROM chaos.effects");
  int64_t accepted_twice =
      Scalar(c, "q3",
             "SELECT count(*) FROM (SELECT task FROM dandori.events WHERE what = 'task.succeeded' "
             "GROUP BY job, task HAVING count(*) > 1) x");
  int64_t succeeded_events = Scalar(
      c, "q4", "SELECT count(DISTINCT task) FROM dandori.events WHERE what = 'task.succeeded'");
  int64_t effects = Scalar(c, "q5", "SELECT count(*) FROM chaos.effects");
  int64_t fence_mismatch =
      Scalar(c, "q6", "SELECT count(*) FROM dandori.tasks WHERE fence < attempts");
  int64_t rescues = Scalar(c, "q7",
                           "SELECT COALESCE((SELECT value FROM dandori.counters WHERE name = "
                           "'dispatch_rescues'), 0)");
  int64_t max_wait = Scalar(c, "q8",
                            "SELECT COALESCE((SELECT value FROM dandori.counters WHERE name = "
                            "'dispatch_max_rescue_wait_ms'), 0)");
  int64_t task_rescues =
      Scalar(c, "q9", "SELECT count(*) FROM dandori.events WHERE what = 'task.rescued'");
  std::printf(
      "chaos: job %s in %.1f s with %d kills; %lld tasks succeeded, %lld with an effect, %lld "
      "effects recorded (re-runs after kills), %lld attempt rescues (longest wait for rescue "
      "of a dead worker's attempt: %lld ms), %lld task rescues after engine deaths\n",
      std::string(JobStateName(state)).c_str(), seconds, kills, static_cast<long long>(succeeded),
      static_cast<long long>(tasks_with_effect), static_cast<long long>(effects),
      static_cast<long long>(rescues), static_cast<long long>(max_wait),
      static_cast<long long>(task_rescues));
  CHECK(state == JobState::kSucceeded);
  CHECK(kills >= 20);
  CHECK(succeeded == kTasks);
  CHECK(tasks_with_effect == kTasks);
  CHECK(succeeded_events == kTasks);
  CHECK(accepted_twice == 0);
  CHECK(fence_mismatch == 0);
}

}  // namespace dandori::server
