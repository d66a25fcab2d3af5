// serve's retention (server/retention.h) on a real PostgreSQL: ended jobs older than the
// cut-off go with every row they own; running jobs, recent ones and a failed job whose
// alert is still pending stay; the Retention thread deletes on its own.
#include "server/retention.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "engine/pg/pg_pool.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"

namespace dandori::server {
namespace {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobSpec, Batch, ...)
using engine::testing::FreshDatabase;

int64_t NewJob(Store& s, const std::string& key) {
  JobSpec spec;
  spec.workflow = "wf";
  spec.table = std::string("\x08\x01", 2);
  spec.params = "p";
  spec.key = key;
  spec.workdir = "/tmp";
  bool created = false;
  auto j = s.CreateJob(spec, 1000, &created);
  REQUIRE(j.ok());
  // A task, a log, a signal and events of its own, so deletion has rows to find.
  TaskRow t;
  t.key = "s1";
  t.stage = "st";
  t.attempts = 1;
  t.fence = 1;
  t.owner = "A";
  t.lease_until_ms = 5000;
  Batch b;
  b.Start(j->id, t);
  b.AddLog(j->id, {"s1", 1, "stdout", "hi\n", false, 1100});
  std::vector<bool> acc;
  REQUIRE(s.Commit(b, &acc).ok());
  REQUIRE(s.AddSignal(j->id, Signal{"approve", "go", "me", 1200}).ok());
  return j->id;
}

void SetJob(pg::Conn& c, int64_t job, int state, int64_t updated_ms) {
  REQUIRE(c.Run({"set_job", "UPDATE dandori.jobs SET state = $2, updated_ms = $3 WHERE id = $1"},
                pg::Params().Int(job).Int4(state).Int(updated_ms))
              .ok());
}

int64_t Count(pg::Conn& c, const char* table_sql, int64_t job) {
  auto r = c.Run({"count", table_sql}, pg::Params().Int(job));
  REQUIRE(r.ok());
  return r->Int(0, 0);
}

}  // namespace

TEST_CASE("retention deletes old ended jobs with their rows, and nothing else") {
  std::string url = FreshDatabase();
  auto store = OpenPgStore(url, {.migrate = true});
  REQUIRE(store.ok());
  int64_t old_done = NewJob(**store, "old-done");
  int64_t old_cancelled = NewJob(**store, "old-cancelled");
  int64_t old_failed_alert = NewJob(**store, "old-failed");  // its alert stays pending
  int64_t old_running = NewJob(**store, "old-running");
  int64_t new_done = NewJob(**store, "new-done");
  auto conn = pg::Conn::Open(url);
  REQUIRE(conn.ok());
  pg::Conn& c = **conn;
  SetJob(c, old_done, 1, 2000);
  SetJob(c, old_cancelled, 3, 2000);
  SetJob(c, old_failed_alert, 2, 2000);  // the trigger queues its alert (pending)
  SetJob(c, old_running, 0, 2000);
  SetJob(c, new_done, 1, 9000);

  auto n = DeleteEndedJobs(c, 5000, 1);  // a batch of one: the oldest first
  REQUIRE(n.ok());
  CHECK(*n == 1);
  n = DeleteEndedJobs(c, 5000, 100);
  REQUIRE(n.ok());
  CHECK(*n == 1);
  for (int64_t gone : {old_done, old_cancelled}) {
    CHECK((*store)->GetJob(gone).status().code() == Code::kNotFound);
    for (const char* q : {"SELECT count(*) FROM dandori.tasks WHERE job = $1",
                          "SELECT count(*) FROM dandori.events WHERE job = $1",
                          "SELECT count(*) FROM dandori.signals WHERE job = $1",
                          "SELECT count(*) FROM dandori.logs WHERE job = $1"}) {
      INFO(q);
      CHECK(Count(c, q, gone) == 0);
    }
  }
  for (int64_t kept : {old_failed_alert, old_running, new_done}) {
    CHECK((*store)->GetJob(kept).ok());
    CHECK(Count(c, "SELECT count(*) FROM dandori.tasks WHERE job = $1", kept) == 1);
  }

  // Once its alert is delivered, the failed job goes too: by the Retention thread.
  REQUIRE(c.Run({"deliver", "UPDATE dandori.alerts SET state = 1 WHERE job = $1"},
                pg::Params().Int(old_failed_alert))
              .ok());
  RetentionOptions o;
  o.pool = std::make_shared<pg::ConnPool>(url, 1);
  o.retain_ms = 1;  // everything ended is old enough (times here are far in the past)
  o.every_ms = 50;
  Retention r(o);
  r.Start();
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gone = (*store)->GetJob(new_done).status().code() == Code::kNotFound &&
           (*store)->GetJob(old_failed_alert).status().code() == Code::kNotFound;
  }
  r.Stop();
  CHECK(gone);
  CHECK((*store)->GetJob(old_running).ok());
  CHECK(Count(c, "SELECT count(*) FROM dandori.alerts WHERE job = $1", old_failed_alert) == 0);
}

}  // namespace dandori::server
