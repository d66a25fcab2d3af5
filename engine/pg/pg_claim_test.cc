// Concurrency promises of the PostgreSQL store on a real server: concurrent claimers
// never get the same task, LISTEN/NOTIFY wakes an idle worker, `--ops` filtering.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "dandori/v1/table.pb.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"

namespace dandori::engine {
namespace {

using testing::FreshDatabase;

std::unique_ptr<PgStore> Open(const std::string& url) {
  auto s = OpenPgStore(url);
  if (!s.ok()) FAIL(s.status().ToString());
  return std::move(*s);
}

int64_t JobWithReadyTasks(Store& s, int n, const std::string& table = "t") {
  bool created = false;
  auto job = s.CreateJob({"wf", table, "p", "", "/"}, 1, &created);
  REQUIRE(job.ok());
  Batch b;
  for (int i = 0; i < n; ++i) {
    TaskRow r;
    r.key = "s" + std::to_string(i % 2) + "/" + std::to_string(i);
    r.stage = "st";
    b.Put(job->id, r);
  }
  REQUIRE(s.Commit(b, nullptr).ok());
  return job->id;
}

}  // namespace

TEST_CASE("concurrent claimers never get the same task") {
  std::string url = FreshDatabase();
  auto setup = Open(url);
  constexpr int kTasks = 1500;
  int64_t job = JobWithReadyTasks(*setup, kTasks);
  std::mutex mu;
  std::map<std::string, int> claimed;  // guarded by mu
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      auto s = Open(url);
      std::string owner = "W" + std::to_string(w);
      while (true) {
        auto c = s->ClaimTasks(w % 2 ? job : 0, owner, 100, 60'000, 8);
        if (!c.ok()) {
          ++errors;
          return;
        }
        if (c->empty()) return;
        Batch done;
        for (auto& cl : *c) {
          TaskRow f;
          f.key = cl.row.key;
          f.fence = cl.row.fence;
          f.state = TaskState::kSucceeded;
          f.output = owner;
          done.Finish(cl.job, f);
          std::lock_guard<std::mutex> lock(mu);
          claimed[cl.row.key]++;
        }
        std::vector<bool> acc;
        if (!s->Commit(done, &acc).ok()) ++errors;
        for (bool a : acc) errors += a ? 0 : 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(claimed.size() == kTasks);
  int twice = 0;
  for (auto& [k, n] : claimed) twice += n > 1;
  CHECK(twice == 0);
  auto rows = setup->LoadTasks(job);
  REQUIRE(rows.ok());
  int ok = 0;
  for (auto& r : *rows) ok += r.state == TaskState::kSucceeded && r.attempts == 1;
  CHECK(ok == kTasks);
}

TEST_CASE("an idle worker is woken by NOTIFY when work becomes due") {
  std::string url = FreshDatabase();
  auto waiter = Open(url);
  auto producer = Open(url);
  REQUIRE(waiter->WaitForWork(0).ok());  // starts listening
  (void)waiter->WaitForWork(0);          // drain anything pending
  auto t0 = std::chrono::steady_clock::now();
  std::thread put([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    JobWithReadyTasks(*producer, 1);
  });
  auto woke = waiter->WaitForWork(10'000);
  auto waited = std::chrono::steady_clock::now() - t0;
  put.join();
  REQUIRE(woke.ok());
  CHECK(*woke);
  CHECK(waited < std::chrono::seconds(10));
  // Without new work the wait times out (after draining the job's own wake-ups).
  while (*waiter->WaitForWork(200)) {
  }
  auto idle = waiter->WaitForWork(100);
  REQUIRE(idle.ok());
  CHECK_FALSE(*idle);
}

TEST_CASE("claims can be restricted to operator families") {
  std::string url = FreshDatabase();
  auto s = Open(url);
  v1::Table table;
  table.add_states()->set_op("media.encode");
  table.add_states()->set_op("fleet.drain");
  int64_t job = JobWithReadyTasks(*s, 10, table.SerializeAsString());
  auto media = s->ClaimTasksFor(0, "W", 100, 1000, 100, {"media.*"});
  INFO(media.status().ToString());
  REQUIRE(media.ok());
  CHECK(media->size() == 5);
  for (auto& c : *media) CHECK(c.row.key.rfind("s0/", 0) == 0);
  auto none = s->ClaimTasksFor(job, "W", 100, 1000, 100, {"media.*", "core.noop"});
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto exact = s->ClaimTasksFor(job, "W", 100, 1000, 100, {"fleet.drain"});
  REQUIRE(exact.ok());
  CHECK(exact->size() == 5);
  auto counts = s->CountTasks(job);
  REQUIRE(counts.ok());
  int64_t running = 0;
  for (auto& c : *counts) running += c.state == 1 ? c.count : 0;
  CHECK(running == 10);
}

}  // namespace dandori::engine
