#include "engine/store_contract.h"

#include <catch2/catch.hpp>

namespace dandori::engine {
namespace {

JobSpec Spec(std::string key = "") {
  JobSpec s;
  s.workflow = "wf";
  s.table = std::string("\x08\x01", 2);
  s.params = "p";
  s.key = std::move(key);
  s.workdir = "/tmp";
  return s;
}

TaskRow StartRow(const std::string& key, int attempts, int64_t fence, const std::string& owner,
                 int64_t until) {
  TaskRow r;
  r.key = key;
  r.stage = "st";
  r.attempts = attempts;
  r.fence = fence;
  r.owner = owner;
  r.lease_until_ms = until;
  return r;
}

TaskRow FinishRow(const std::string& key, int64_t fence, TaskState state, std::string output = "") {
  TaskRow r;
  r.key = key;
  r.fence = fence;
  r.state = state;
  r.output = std::move(output);
  return r;
}

int64_t NewJob(Store& s) {
  bool created = false;
  auto j = s.CreateJob(Spec(), 1000, &created);
  REQUIRE(j.ok());
  REQUIRE(created);
  return j->id;
}

}  // namespace

void RunStoreContract(const StoreFactory& make, const StoreFactory& reopen) {
  SECTION("jobs: create, get, list, idempotency key") {
    auto s = make();
    bool created = false;
    auto a = s->CreateJob(Spec("k1"), 1000, &created);
    REQUIRE(a.ok());
    CHECK(created);
    CHECK(a->id > 0);
    CHECK(a->state == JobState::kRunning);
    CHECK(a->workflow == "wf");
    CHECK(a->table == Spec().table);
    CHECK(a->params == "p");
    auto b = s->CreateJob(Spec("k1"), 2000, &created);
    REQUIRE(b.ok());
    CHECK_FALSE(created);
    CHECK(b->id == a->id);
    auto c = s->CreateJob(Spec("k2"), 3000, &created);
    REQUIRE(c.ok());
    CHECK(created);
    CHECK(c->id != a->id);
    auto d = s->CreateJob(Spec(), 3000, &created);
    auto e = s->CreateJob(Spec(), 3000, &created);
    REQUIRE((d.ok() && e.ok()));
    CHECK(d->id != e->id);  // no key: always a new job
    auto list = s->ListJobs(10);
    REQUIRE(list.ok());
    CHECK(list->size() == 4);
    CHECK(list->front().id == e->id);  // most recent first
    auto missing = s->GetJob(987654);
    CHECK(missing.status().code() == Code::kNotFound);
  }

  SECTION("labels and logs: kept per task, attempt and stream; any bytes") {
    auto s = make();
    int64_t job = NewJob(*s);
    TaskRow start = StartRow("s1/0", 1, 1, "A", 5000);
    start.label = "say[g=hi]";
    Batch b;
    b.Start(job, start);
    b.Start(job, StartRow("s2", 1, 1, "A", 5000));  // no label: a store from before labels
    std::vector<bool> acc;
    REQUIRE(s->Commit(b, &acc).ok());
    const std::string bytes("a\0b\xFF\n", 5);
    Batch end;
    end.Finish(job, FinishRow("s1/0", 1, TaskState::kSucceeded, "o"));  // no label: kept
    end.AddLog(job, {"s1/0", 1, "stdout", "hi\n", false, 1100});
    end.AddLog(job, {"s1/0", 1, "stderr", bytes, true, 1100});
    end.AddLog(job, {"s2", 1, "progress", "+0.0s 1/2 items\n", false, 1200});
    REQUIRE(s->Commit(end, &acc).ok());
    Batch again;  // the same attempt's stream written twice (a retried commit): one row
    again.AddLog(job, {"s1/0", 1, "stdout", "hi again\n", false, 1300});
    again.AddLog(job, {"s1/0", 2, "stdout", "second\n", false, 1400});
    REQUIRE(s->Commit(again, &acc).ok());

    auto t = s->GetTask(job, "s1/0");
    REQUIRE(t.ok());
    CHECK(t->label == "say[g=hi]");
    auto tasks = s->LoadTasks(job);
    REQUIRE(tasks.ok());
    REQUIRE(tasks->size() == 2);
    for (const TaskRow& r : *tasks) CHECK(r.label == (r.key == "s1/0" ? "say[g=hi]" : ""));

    auto all = s->ListLogs(job, "", 0, 0);
    REQUIRE(all.ok());
    REQUIRE(all->size() == 4);
    CHECK((*all)[0].task == "s1/0");
    CHECK((*all)[0].attempt == 1);
    CHECK((*all)[0].stream == "stderr");
    CHECK((*all)[0].text == bytes);
    CHECK((*all)[0].truncated);
    CHECK((*all)[1].text == "hi again\n");
    CHECK((*all)[1].at_ms == 1300);
    CHECK((*all)[2].attempt == 2);
    CHECK((*all)[3].task == "s2");
    auto one = s->ListLogs(job, "s1/0", 2, 0);
    REQUIRE(one.ok());
    REQUIRE(one->size() == 1);
    CHECK(one->front().text == "second\n");
    auto none = s->ListLogs(job + 1, "", 0, 0);
    REQUIRE(none.ok());
    CHECK(none->empty());
    auto recent = s->ListLogs(job, "", 0, 1300);  // a follower's cursor: stored at >= 1300
    REQUIRE(recent.ok());
    REQUIRE(recent->size() == 2);
    CHECK((*recent)[0].text == "hi again\n");
    CHECK((*recent)[1].text == "second\n");
  }

  SECTION("batch: start, finish, fencing refuses stale tokens") {
    auto s = make();
    int64_t job = NewJob(*s);
    Batch b;
    b.Start(job, StartRow("t1", 1, 1, "A", 5000));
    b.AddEvent({0, job, 1000, "A", "task.started", "t1", 1, ""});
    std::vector<bool> acc;
    REQUIRE(s->Commit(b, &acc).ok());
    CHECK(acc == std::vector<bool>{true, true});
    auto t = s->GetTask(job, "t1");
    REQUIRE(t.ok());
    CHECK(t->state == TaskState::kRunning);
    CHECK(t->fence == 1);
    CHECK(t->owner == "A");
    CHECK(t->attempts == 1);

    // A second claimer with the same token loses.
    Batch b2;
    b2.Start(job, StartRow("t1", 1, 1, "B", 5000));
    REQUIRE(s->Commit(b2, &acc).ok());
    CHECK(acc == std::vector<bool>{false});
    // Rescue by B with the next token wins; A's late result is refused.
    Batch b3;
    b3.Start(job, StartRow("t1", 2, 2, "B", 9000));
    REQUIRE(s->Commit(b3, &acc).ok());
    CHECK(acc == std::vector<bool>{true});
    Batch late;
    late.Finish(job, FinishRow("t1", 1, TaskState::kSucceeded, "stale"));
    REQUIRE(s->Commit(late, &acc).ok());
    CHECK(acc == std::vector<bool>{false});
    CHECK(s->Heartbeat(job, "t1", 1, 99999).code() == Code::kFailedPrecondition);
    CHECK(s->Heartbeat(job, "t1", 2, 99999).ok());
    Batch good;
    good.Finish(job, FinishRow("t1", 2, TaskState::kSucceeded, std::string("out\0put", 7)));
    REQUIRE(s->Commit(good, &acc).ok());
    CHECK(acc == std::vector<bool>{true});
    t = s->GetTask(job, "t1");
    REQUIRE(t.ok());
    CHECK(t->state == TaskState::kSucceeded);
    CHECK(t->output == std::string("out\0put", 7));
    CHECK(t->attempts == 2);
    CHECK(t->owner.empty());
    // A finished task cannot be finished again, even with its token.
    Batch again;
    again.Finish(job, FinishRow("t1", 2, TaskState::kFailed));
    REQUIRE(s->Commit(again, &acc).ok());
    CHECK(acc == std::vector<bool>{false});
    CHECK(s->GetTask(job, "t1")->state == TaskState::kSucceeded);
  }

  SECTION("claims: ready tasks, not_before, expired leases are rescued and count") {
    auto s = make();
    int64_t job = NewJob(*s);
    Batch b;
    for (int i = 0; i < 5; ++i) {
      TaskRow r;
      r.key = "r" + std::to_string(i);
      r.stage = "st";
      r.state = TaskState::kReady;
      r.not_before_ms = i < 3 ? 0 : 50'000;
      b.Put(job, r);
    }
    REQUIRE(s->Commit(b, nullptr).ok());
    auto c1 = s->ClaimTasks(job, "W1", 10'000, 1'000, 2);
    REQUIRE(c1.ok());
    REQUIRE(c1->size() == 2);
    auto c2 = s->ClaimTasks(job, "W2", 10'000, 1'000, 10);
    REQUIRE(c2.ok());
    REQUIRE(c2->size() == 1);  // the third ready one; two are not due
    for (auto& c : *c1) {
      CHECK(c.row.state == TaskState::kRunning);
      CHECK(c.row.fence == 1);
      CHECK(c.row.attempts == 1);
      CHECK(c.row.owner == "W1");
      CHECK(c.row.lease_until_ms == 11'000);
    }
    // Nothing due at the same instant.
    CHECK(s->ClaimTasks(job, "W3", 10'000, 1'000, 10)->empty());
    // W1's leases expire; W3 rescues them: a new attempt and token.
    auto c3 = s->ClaimTasks(job, "W3", 11'001, 1'000, 10);
    REQUIRE(c3.ok());
    CHECK(c3->size() == 3);
    for (auto& c : *c3) {
      CHECK(c.row.attempts == 2);
      CHECK(c.row.fence == 2);
      CHECK(c.row.owner == "W3");
    }
    std::vector<bool> acc;
    Batch late;
    late.Finish(job, FinishRow((*c1)[0].row.key, 1, TaskState::kSucceeded, "x"));
    REQUIRE(s->Commit(late, &acc).ok());
    CHECK(acc == std::vector<bool>{false});
    auto ev = s->ListEvents(job, 0, 1000);
    REQUIRE(ev.ok());
    int rescued = 0, started = 0;
    for (auto& e : *ev) {
      rescued += e.what == "task.rescued";
      started += e.what == "task.started";
    }
    CHECK(rescued == 3);
    CHECK(started == 6);
    // A retry put back to ready with a delay is claimable only when due.
    Batch retry;
    TaskRow rr = FinishRow((*c3)[0].row.key, 2, TaskState::kReady);
    rr.not_before_ms = 20'000;
    retry.Finish(job, rr);
    REQUIRE(s->Commit(retry, &acc).ok());
    CHECK(acc == std::vector<bool>{true});
    auto due = s->ClaimTasks(job, "W4", 19'999, 1'000, 1);
    REQUIRE(due.ok());
    for (auto& c : *due) CHECK(c.row.key != rr.key);
  }

  SECTION("claims only from running jobs") {
    auto s = make();
    int64_t job = NewJob(*s);
    Batch b;
    TaskRow r;
    r.key = "a";
    r.stage = "st";
    b.Put(job, r);
    b.SetJobState(job, JobState::kCancelled, 123'456);
    REQUIRE(s->Commit(b, nullptr).ok());
    CHECK(s->GetJob(job)->state == JobState::kCancelled);
    CHECK(s->GetJob(job)->updated_ms == 123'456);  // the engine's clock, not the database's
    CHECK(s->ClaimTasks(0, "W", 10, 10, 10)->empty());
  }

  SECTION("events are append-only and ordered") {
    auto s = make();
    int64_t j1 = NewJob(*s);
    int64_t j2 = NewJob(*s);
    Batch b;
    for (int i = 0; i < 10; ++i) {
      b.AddEvent({0, i % 2 ? j1 : j2, 1000 + i, "me", "x", "t", i, "d" + std::to_string(i)});
    }
    REQUIRE(s->Commit(b, nullptr).ok());
    auto e1 = s->ListEvents(j1, 0, 100);
    REQUIRE(e1.ok());
    // job.created + 5
    REQUIRE(e1->size() == 6);
    CHECK((*e1)[0].what == "job.created");
    for (size_t i = 1; i < e1->size(); ++i) {
      CHECK((*e1)[i].seq > (*e1)[i - 1].seq);
      CHECK((*e1)[i].job == j1);
    }
    CHECK((*e1)[1].detail == "d1");
    auto tail = s->ListEvents(j1, (*e1)[3].seq, 100);
    REQUIRE(tail.ok());
    CHECK(tail->size() == 2);
    auto lim = s->ListEvents(j1, 0, 2);
    CHECK(lim->size() == 2);
  }

  SECTION("signals: approve and cancel are idempotent and leave events") {
    auto s = make();
    int64_t job = NewJob(*s);
    REQUIRE(s->AddSignal(job, {"approve", "go", "alice", 5}).ok());
    REQUIRE(s->AddSignal(job, {"approve", "go", "bob", 6}).ok());
    REQUIRE(s->AddSignal(job, {"cancel", "", "carol", 7}).ok());
    auto sig = s->ListSignals(job);
    REQUIRE(sig.ok());
    CHECK(sig->size() == 2);
    auto ev = s->ListEvents(job, 0, 100);
    int approved = 0;
    for (auto& e : *ev) approved += e.what == "gate.approved";
    CHECK(approved == 1);
    REQUIRE(s->ClearSignal(job, "cancel", "").ok());
    CHECK(s->ListSignals(job)->size() == 1);
  }

  SECTION("job lease: one driver at a time") {
    auto s = make();
    int64_t job = NewJob(*s);
    REQUIRE(s->AcquireJob(job, "E1", 100, 1000, false).ok());
    CHECK(s->AcquireJob(job, "E2", 200, 1200, false).code() == Code::kFailedPrecondition);
    CHECK(s->AcquireJob(job, "E1", 200, 1200, false).ok());   // renew
    CHECK(s->AcquireJob(job, "E2", 1201, 2000, false).ok());  // expired
    CHECK(s->AcquireJob(job, "E1", 1300, 2000, true).ok());   // forced
    REQUIRE(s->ReleaseJob(job, "E1").ok());
    CHECK(s->AcquireJob(job, "E2", 1300, 2000, false).ok());
  }

  SECTION("put overwrites, load returns every task") {
    auto s = make();
    int64_t job = NewJob(*s);
    Batch b;
    for (int i = 0; i < 100; ++i) {
      TaskRow r;
      r.key = "k" + std::to_string(i);
      r.stage = "st";
      r.state = TaskState::kSucceeded;
      r.output = "o";
      b.Put(job, r);
    }
    TaskRow f;
    f.key = "k7";
    f.stage = "st";
    f.state = TaskState::kFailed;
    f.error = "boom";
    f.error_class = Code::kPermanent;
    b.Put(job, f);
    REQUIRE(s->Commit(b, nullptr).ok());
    auto all = s->LoadTasks(job);
    REQUIRE(all.ok());
    CHECK(all->size() == 100);
    auto k7 = s->GetTask(job, "k7");
    REQUIRE(k7.ok());
    CHECK(k7->state == TaskState::kFailed);
    CHECK(k7->error == "boom");
    CHECK(k7->error_class == Code::kPermanent);
    CHECK(s->GetTask(job, "nope").status().code() == Code::kNotFound);
  }

  if (reopen) {
    SECTION("a second handle sees committed state") {
      auto s = make();
      int64_t job = NewJob(*s);
      Batch b;
      b.Start(job, StartRow("x", 1, 1, "A", 100));
      REQUIRE(s->Commit(b, nullptr).ok());
      auto other = reopen();
      auto t = other->GetTask(job, "x");
      REQUIRE(t.ok());
      CHECK(t->state == TaskState::kRunning);
      std::vector<bool> acc;
      Batch steal;
      steal.Start(job, StartRow("x", 2, 2, "B", 100));
      REQUIRE(other->Commit(steal, &acc).ok());
      CHECK(acc == std::vector<bool>{true});
      Batch late;
      late.Finish(job, FinishRow("x", 1, TaskState::kSucceeded));
      REQUIRE(s->Commit(late, &acc).ok());
      CHECK(acc == std::vector<bool>{false});
    }
  }
}

}  // namespace dandori::engine
