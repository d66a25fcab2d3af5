// The PostgreSQL store under concurrency (issue 11): a reader following a job's events by
// seq during concurrent commits (and claims, of several jobs) never skips one (events
// commit in seq order per job),
// set-based commits keep per-task order and fencing, and pooled stores share a fixed
// number of connections.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_pool.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"

namespace dandori::engine {
namespace {

using testing::FreshDatabase;

TaskRow Row(const std::string& key, TaskState state, int64_t fence) {
  TaskRow r;
  r.key = key;
  r.stage = "t";
  r.state = state;
  r.attempts = static_cast<int>(fence);
  r.fence = fence;
  r.owner = state == TaskState::kRunning ? "E" : "";
  r.lease_until_ms = state == TaskState::kRunning ? 1'000'000 : 0;
  r.updated_ms = 1;
  return r;
}

}  // namespace

TEST_CASE("a reader following events by seq during concurrent commits sees every one, in order") {
  std::string url = FreshDatabase();
  auto s = OpenPgStore(url);
  REQUIRE(s.ok());
  bool created = false;
  auto job = (*s)->CreateJob({"wf", "t", "p", "", "/"}, 1, &created);
  REQUIRE(job.ok());
  constexpr int kWriters = 4, kCommits = 150, kPerCommit = 3;
  std::atomic<int> writing{kWriters};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto ws = OpenPgStore(url, {.migrate = false});
      REQUIRE(ws.ok());
      for (int c = 0; c < kCommits; ++c) {
        Batch b;
        for (int e = 0; e < kPerCommit; ++e) {
          b.AddEvent({0, job->id, 1, "w" + std::to_string(w), "test.event", "", c, ""});
        }
        REQUIRE((*ws)->Commit(b, nullptr).ok());
      }
      --writing;
    });
  }
  std::vector<int64_t> seen;
  int64_t after = 0;
  bool monotonic = true;
  while (true) {
    bool last_round = writing.load() == 0;
    auto ev = (*s)->ListEvents(job->id, after, 100'000);
    REQUIRE(ev.ok());
    for (const Event& e : *ev) {
      if (e.seq <= after) monotonic = false;
      after = e.seq;
      if (e.what == "test.event") seen.push_back(e.seq);
    }
    if (last_round) break;
  }
  for (auto& t : writers) t.join();
  auto all = (*s)->ListEvents(job->id, 0, 100'000);
  REQUIRE(all.ok());
  int64_t total = 0;
  for (const Event& e : *all) total += e.what == "test.event";
  CHECK(monotonic);
  CHECK(total == kWriters * kCommits * kPerCommit);
  CHECK(static_cast<int64_t>(seen.size()) == total);  // the follower skipped none
}

TEST_CASE("readers of several jobs see every event in seq order under commits and claims") {
  // Writers commit events to several jobs at once, and claimers start tasks of any job
  // (ClaimTasks writes task.started events in the same statement); a follower of each
  // job by seq must see exactly what the job has at the end.
  std::string url = FreshDatabase();
  auto s = OpenPgStore(url);
  REQUIRE(s.ok());
  constexpr int kJobs = 3, kWriters = 3, kCommits = 80, kClaimers = 2, kTasks = 120;
  std::vector<int64_t> jobs;
  for (int j = 0; j < kJobs; ++j) {
    bool created = false;
    auto job = (*s)->CreateJob({"wf", "t" + std::to_string(j), "p", "", "/"}, 1, &created);
    REQUIRE(job.ok());
    jobs.push_back(job->id);
    Batch b;
    for (int t = 0; t < kTasks; ++t)
      b.Put(job->id, Row("k" + std::to_string(t), TaskState::kReady, 0));
    REQUIRE((*s)->Commit(b, nullptr).ok());
  }
  std::atomic<int> busy{kWriters + kClaimers};
  std::atomic<int64_t> claimed{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto ws = OpenPgStore(url, {.migrate = false});
      REQUIRE(ws.ok());
      for (int c = 0; c < kCommits; ++c) {
        Batch b;
        for (int j = 0; j < kJobs; ++j) {
          if ((c + j + w) % 3 == 0) continue;  // two of the three jobs per commit
          b.AddEvent({0, jobs[j], 1, "w" + std::to_string(w), "test.event", "", c, ""});
        }
        REQUIRE((*ws)->Commit(b, nullptr).ok());
      }
      --busy;
    });
  }
  for (int c = 0; c < kClaimers; ++c) {
    threads.emplace_back([&, c] {
      auto cs = OpenPgStore(url, {.migrate = false});
      REQUIRE(cs.ok());
      while (true) {
        auto got = (*cs)->ClaimTasks(0, "C" + std::to_string(c), 10, 1'000'000, 4);
        REQUIRE(got.ok());
        if (got->empty()) break;
        claimed += static_cast<int64_t>(got->size());
      }
      --busy;
    });
  }
  std::vector<std::vector<int64_t>> seen(kJobs);
  std::vector<int64_t> after(kJobs, 0);
  bool monotonic = true;
  while (true) {
    bool last_round = busy.load() == 0;
    for (int j = 0; j < kJobs; ++j) {
      auto ev = (*s)->ListEvents(jobs[j], after[j], 100'000);
      REQUIRE(ev.ok());
      for (const Event& e : *ev) {
        if (e.seq <= after[j]) monotonic = false;
        after[j] = e.seq;
        seen[j].push_back(e.seq);
      }
    }
    if (last_round) break;
  }
  for (auto& t : threads) t.join();
  CHECK(monotonic);
  CHECK(claimed.load() == kJobs * kTasks);
  for (int j = 0; j < kJobs; ++j) {
    auto all = (*s)->ListEvents(jobs[j], 0, 100'000);
    REQUIRE(all.ok());
    std::vector<int64_t> seqs;
    for (const Event& e : *all) seqs.push_back(e.seq);
    CHECK(seen[j] == seqs);  // the follower skipped none
  }
}

TEST_CASE("a set-based commit keeps each task's order and refuses stale fences per task") {
  std::string url = FreshDatabase();
  auto s = OpenPgStore(url);
  REQUIRE(s.ok());
  bool created = false;
  auto job = (*s)->CreateJob({"wf", "t", "p", "", "/"}, 1, &created);
  REQUIRE(job.ok());
  // Interleaved as the scheduler writes them: Start a, Start b, Finish a, Start a again
  // (a retry: fence 2), Finish b, and a Start of c with a stale fence (refused).
  Batch b;
  b.Start(job->id, Row("s0/a", TaskState::kRunning, 1));
  b.Start(job->id, Row("s0/b", TaskState::kRunning, 1));
  b.Finish(job->id, Row("s0/a", TaskState::kReady, 1));
  b.Start(job->id, Row("s0/a", TaskState::kRunning, 2));
  b.Finish(job->id, Row("s0/b", TaskState::kSucceeded, 1));
  b.Start(job->id, Row("s0/c", TaskState::kRunning, 3));
  std::vector<bool> accepted;
  REQUIRE((*s)->Commit(b, &accepted).ok());
  CHECK(accepted == std::vector<bool>{true, true, true, true, true, false});
  auto a = (*s)->GetTask(job->id, "s0/a");
  REQUIRE(a.ok());
  CHECK(a->state == TaskState::kRunning);
  CHECK(a->fence == 2);
  auto bt = (*s)->GetTask(job->id, "s0/b");
  REQUIRE(bt.ok());
  CHECK(bt->state == TaskState::kSucceeded);
  CHECK((*s)->GetTask(job->id, "s0/c").status().code() == Code::kNotFound);
  // A second engine with the old fences is refused task by task.
  Batch stale;
  stale.Finish(job->id, Row("s0/a", TaskState::kSucceeded, 1));
  stale.Start(job->id, Row("s0/b", TaskState::kRunning, 1));
  REQUIRE((*s)->Commit(stale, &accepted).ok());
  CHECK(accepted == std::vector<bool>{false, false});
}

TEST_CASE("pooled stores share the pool's connections") {
  std::string url = FreshDatabase();
  REQUIRE(OpenPgStore(url).ok());
  std::string named =
      url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=pooltest";
  auto pool = std::make_shared<pg::ConnPool>(named, 2);
  std::vector<std::unique_ptr<PgStore>> stores;
  for (int i = 0; i < 50; ++i) stores.push_back(OpenPooledPgStore(pool));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 50; i += 8) {
        bool created = false;
        auto j = stores[i]->CreateJob({"wf", "t", "p", "", "/"}, 1, &created);
        if (!j.ok() || !stores[i]->GetJob(j->id).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  auto admin = pg::Conn::Open(url);
  REQUIRE(admin.ok());
  auto n = (*admin)->Run({"count_pool",
                          "SELECT count(*) FROM pg_stat_activity WHERE "
                          "application_name = 'pooltest'"});
  REQUIRE(n.ok());
  CHECK(n->Int(0, 0) >= 1);
  CHECK(n->Int(0, 0) <= 2);
}

}  // namespace dandori::engine
