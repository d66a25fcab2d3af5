// Start order does not matter (issue 10): a `dandori worker` process (dandori_chaos_node
// in its worker role: RunWorker with a test operator) started on a database without the
// dandori schema waits with a log line instead of exiting, and once serve's migration
// has run it joins and runs the tasks of a job; SIGTERM then stops it with status 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
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

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a worker started before the schema exists waits, then joins and runs tasks") {
  std::string url = FreshDatabase();
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  // The test operator's effects table; no dandori schema yet.
  REQUIRE((*conn)
              ->Exec("CREATE SCHEMA chaos; CREATE TABLE chaos.effects(job text, task text, "
                     "fence bigint, executor text, UNIQUE(job, task, fence))")
              .ok());
  char tmpl[] = "/tmp/dandori-order-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string log = std::string(tmpl) + "/worker.log";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    execl(DANDORI_CHAOS_NODE, DANDORI_CHAOS_NODE, "worker", url.c_str(), "4", "10",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(pid > 0);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ReadAll(log).find("waiting for the schema") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO("worker log: " << ReadAll(log));
  REQUIRE(ReadAll(log).find("waiting for the schema (the database has version 0") !=
          std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a few more checks
  REQUIRE(waitpid(pid, nullptr, WNOHANG) == 0);                 // still running

  // serve's part: migrate, submit, drive (no local slots: only the worker runs tasks).
  auto store = OpenPgStore(url);
  REQUIRE(store.ok());
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([](OperatorContext&) -> Result<Value> {
                 return Status::Permanent("the engine must not run tasks itself here");
               }));
  const int64_t job = testing::SubmitFlow(**store,
                                          "workflow o() {\n  foreach i in range(20) parallel 8 {\n"
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
  JobState state = JobState::kRunning;
  until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    state = (*store)->GetJob(job)->state;
    if (state != JobState::kRunning) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  engine.Stop();
  CHECK(state == JobState::kSucceeded);
  auto effects = (*conn)->Run({"order_effects",
                               "SELECT count(*), count(DISTINCT task) FROM chaos.effects WHERE "
                               "executor = $1"},
                              pg::Params().Text(std::to_string(pid)));
  REQUIRE(effects.ok());
  CHECK(effects->Int(0, 0) == 20);
  CHECK(effects->Int(0, 1) == 20);
  CHECK(ReadAll(log).find("the schema is ready") != std::string::npos);
  kill(pid, SIGTERM);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::filesystem::remove_all(tmpl);
}

}  // namespace dandori::server
