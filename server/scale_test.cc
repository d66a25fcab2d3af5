// Shared mode at scale (issue 11): one `dandori serve` process (dandori_chaos_node) with
// --db-connections 4 drives 500 concurrent small jobs to success, and the connections
// it holds (pg_stat_activity, by its application_name) never exceed 4 meanwhile.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/compile_for_test.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;

constexpr int kJobs = 500;
constexpr int kTasksPerJob = 3;

int64_t Scalar(pg::Conn& c, const char* name, const char* sql) {
  auto r = c.Run({name, sql});
  REQUIRE(r.ok());
  return r->Int(0, 0);
}

}  // namespace

TEST_CASE("one serve with --db-connections 4 drives 500 concurrent jobs within 4 connections") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  pg::Conn& c = **conn;
  REQUIRE(c.Exec("CREATE SCHEMA chaos; CREATE TABLE chaos.effects(job text, task text, fence "
                 "bigint, executor text, UNIQUE(job, task, fence))")
              .ok());
  v1::Table table = testing::CompileFlow(
      "workflow small() {\n"
      "  foreach i in range(3) {\n"
      "    stage t = noop(value: i)\n"
      "  }\n"
      "}\n");
  auto program = LoadTable(table, nullptr);
  REQUIRE(program.ok());
  auto params = BindParams(**program, {});
  REQUIRE(params.ok());
  for (int i = 0; i < kJobs; ++i) {
    bool created = false;
    REQUIRE(SubmitJob(**store, table, *params, "", "/tmp", *SystemClock(), &created).ok());
  }

  // The serve's connections carry their own application_name (libpq URL parameter).
  std::string serve_url =
      url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=scale_serve";
  pid_t pid = fork();
  if (pid == 0) {
    setenv("DANDORI_CHAOS_DB_CONNECTIONS", "4", 1);
    execl(DANDORI_CHAOS_NODE, DANDORI_CHAOS_NODE, "serve", serve_url.c_str(), "4", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto deadline = t0 + std::chrono::seconds(240);
  int64_t peak = 0, running = kJobs;
  while (std::chrono::steady_clock::now() < deadline) {
    peak = std::max(peak, Scalar(c, "held",
                                 "SELECT count(*) FROM pg_stat_activity WHERE "
                                 "application_name = 'scale_serve'"));
    running = Scalar(c, "running", "SELECT count(*) FROM dandori.jobs WHERE state = 0");
    if (running == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);

  int64_t succeeded = Scalar(c, "ok", "SELECT count(*) FROM dandori.jobs WHERE state = 1");
  int64_t tasks = Scalar(c, "tasks", "SELECT count(DISTINCT (job, task)) FROM chaos.effects");
  std::printf("scale: %lld of %d jobs succeeded in %.1f s; serve held at most %lld connections\n",
              static_cast<long long>(succeeded), kJobs, seconds, static_cast<long long>(peak));
  CHECK(running == 0);
  CHECK(succeeded == kJobs);
  CHECK(tasks == kJobs * kTasksPerJob);
  CHECK(peak >= 1);  // the sampler sees the serve at all
  CHECK(peak <= 4);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace dandori::server
