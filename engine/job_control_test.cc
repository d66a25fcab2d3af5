// The job-control contract (engine/job_control.h), run on the embedded SQLite store and
// on a real PostgreSQL server: the same verbs, the same rules, the same answers. Jobs are
// driven by the real Scheduler (fake clock, simulated operators) so that gates wait and
// jobs end the way they do in production.
#include "engine/job_control.h"

#include <catch2/catch.hpp>
#include <thread>

#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "engine/scheduler_test_util.h"

namespace dandori::engine {
namespace {

using testing::Fails;
using testing::Ok;

// Two handles on one fresh database: `a` for the test (and its scheduler), `b` for a
// second thread.
struct Stores {
  std::unique_ptr<Store> a, b;
};
using StoresFactory = std::function<Stores()>;

struct Fixture {
  Stores stores;
  Store& store;
  FakeClock clock;
  OperatorRegistry registry;
  SimRunner::Script script = [](const Launch&) { return Ok(); };
  SimRunner runner{&clock, [this](const Launch& l) { return script(l); }};
  PoolSet pools{{{"core", 16}}, 16};
  std::unique_ptr<Scheduler> sched;

  explicit Fixture(const StoresFactory& make) : stores(make()), store(*stores.a) {
    testing::RegisterDummies(&registry);
  }

  int64_t Submit(const v1::Table& table, std::map<std::string, std::string> params = {}) {
    auto s = engine::Submit(store, {table, std::move(params), "", "/tmp"}, &registry, clock);
    REQUIRE(s.ok());
    return s->job.id;
  }
  // Drives `job` until it ends or blocks (at a gate).
  RunOutcome Drive(int64_t job) {
    if (!sched) {
      auto info = store.GetJob(job);
      REQUIRE(info.ok());
      auto prog = LoadTableBytes(info->table, &registry);
      REQUIRE(prog.ok());
      auto params = DecodeValue(info->params);
      REQUIRE(params.ok());
      SchedulerOptions o;
      o.owner = "test-engine";
      o.return_when_blocked = true;
      o.signal_poll_ms = 3'600'000;  // each Drive reads the signals first
      o.scratch_root = testing::TempPath("scratch");
      sched = std::make_unique<Scheduler>(*prog, &store, &runner, &clock, &pools, job, *params, o);
      REQUIRE(sched->Load().ok());
    }
    auto r = sched->Run();
    REQUIRE(r.ok());
    return *r;
  }
  std::vector<std::string> Whats(int64_t job) {
    auto ev = ListJobEvents(store, job, 0, 10'000);
    REQUIRE(ev.ok());
    std::vector<std::string> out;
    for (const Event& e : *ev) out.push_back(e.what);
    return out;
  }
};

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// before → approve go "deploy ${n}?" → after
v1::Table GateTable() {
  TableBuilder b("gated");
  b.AddParam("n", "int", false, b.Const(Value::Int(7)));
  int before = b.Task("before", "noop", {});
  int gate = b.Gate("go", -1, {before});
  b.state(gate).mutable_message()->CopyFrom(b.Const(Value::String("deploy?")));
  b.Task("after", "noop", {}, -1, {gate});
  return b.Build();
}

v1::Table FailTable() {
  TableBuilder b("failing");
  b.Task("bad", "fail", {});
  return b.Build();
}

void RunJobControlContract(const StoresFactory& make) {
  SECTION("submit binds parameters, refuses bad ones, and is idempotent per key") {
    Fixture f(make);
    auto bad = Submit(f.store, {GateTable(), {{"n", "seven"}}, "", "/tmp"}, &f.registry, f.clock);
    CHECK(bad.status().code() == Code::kInvalidArgument);
    auto a = Submit(f.store, {GateTable(), {{"n", "3"}}, "k", "/tmp"}, &f.registry, f.clock);
    REQUIRE(a.ok());
    CHECK(a->created);
    auto b = Submit(f.store, {GateTable(), {{"n", "3"}}, "k", "/tmp"}, &f.registry, f.clock);
    REQUIRE(b.ok());
    CHECK_FALSE(b->created);
    CHECK(b->job.id == a->job.id);
    CHECK(GetStatus(f.store, 99).status().code() == Code::kNotFound);
    CHECK(ListJobEvents(f.store, 99, 0, 10).status().code() == Code::kNotFound);
  }

  SECTION("a waiting gate is listed until approved; unknown gates and ended jobs refused") {
    Fixture f(make);
    int64_t job = f.Submit(GateTable());
    CHECK(f.Drive(job) == RunOutcome::kBlocked);
    auto st = GetStatus(f.store, job);
    REQUIRE(st.ok());
    REQUIRE(st->waiting.size() == 1);
    CHECK(st->waiting[0].gate == "go");
    CHECK(st->waiting[0].task == "go");
    CHECK(st->waiting[0].message == "deploy?");
    REQUIRE(st->stages.size() == 1);
    CHECK(st->stages[0].stage == "before");
    CHECK(st->stages[0].by_state[static_cast<int>(TaskState::kSucceeded)] == 1);
    CHECK(st->total == 1);

    auto unknown = Approve(f.store, job, "og", "alice", f.clock);
    CHECK(unknown.status().code() == Code::kInvalidArgument);
    CHECK(unknown.status().message() ==
          "job " + std::to_string(job) + " has no gate 'og' (gates: go)");
    CHECK_FALSE(Has(f.Whats(job), "gate.approved"));

    REQUIRE(Approve(f.store, job, "go", "alice", f.clock).ok());
    st = GetStatus(f.store, job);
    REQUIRE(st.ok());
    CHECK(st->waiting.empty());  // approved: no longer waiting for a person
    CHECK(f.Drive(job) == RunOutcome::kSucceeded);
    st = GetStatus(f.store, job);
    REQUIRE(st.ok());
    CHECK(st->job.state == JobState::kSucceeded);
    CHECK(st->totals[static_cast<int>(TaskState::kSucceeded)] == 2);

    auto again = Approve(f.store, job, "go", "alice", f.clock);
    CHECK(again.status().code() == Code::kFailedPrecondition);
    CHECK(again.status().message().find("already ended (succeeded)") != std::string::npos);
    CHECK(Cancel(f.store, job, "alice", f.clock).status().code() == Code::kFailedPrecondition);
    CHECK(CheckResumable(f.store, job).status().code() == Code::kFailedPrecondition);
    CHECK(Retry(f.store, job, "alice", f.clock, nullptr).status().code() ==
          Code::kFailedPrecondition);
    auto whats = f.Whats(job);
    CHECK(whats.front() == "job.created");
    CHECK(Has(whats, "gate.waiting"));
    CHECK(Has(whats, "gate.passed"));
    CHECK(whats.back() == "job.succeeded");
  }

  SECTION("a gate approved before it is reached passes at once") {
    Fixture f(make);
    int64_t job = f.Submit(GateTable());
    REQUIRE(Approve(f.store, job, "go", "bob", f.clock).ok());
    CHECK(f.Drive(job) == RunOutcome::kSucceeded);
  }

  SECTION("cancel of a job no engine drives ends it; retry runs it again") {
    Fixture f(make);
    int64_t job = f.Submit(GateTable());
    auto c = Cancel(f.store, job, "carol", f.clock);
    REQUIRE(c.ok());
    CHECK(c->ended);
    CHECK(c->job.state == JobState::kCancelled);
    CHECK(Has(f.Whats(job), "job.cancelled"));
    CHECK(CheckResumable(f.store, job).status().code() == Code::kFailedPrecondition);
    auto r = Retry(f.store, job, "carol", f.clock, &f.registry);
    REQUIRE(r.ok());
    CHECK(r->job.state == JobState::kRunning);
    CHECK(CheckResumable(f.store, job).ok());
    CHECK(f.Drive(job) == RunOutcome::kBlocked);  // the cancel request was cleared
  }

  SECTION("cancel of a job a live engine drives leaves it to that engine") {
    Fixture f(make);
    int64_t job = f.Submit(GateTable());
    int64_t now = SystemClock()->NowMs();
    REQUIRE(f.store.AcquireJob(job, LocalOwner(), now, now + 600'000, false).ok());
    auto c = Cancel(f.store, job, "dave", *SystemClock());
    REQUIRE(c.ok());
    CHECK_FALSE(c->ended);
    CHECK(c->engine == LocalOwner());
    CHECK(c->job.state == JobState::kRunning);
    auto sig = f.store.ListSignals(job);
    REQUIRE(sig.ok());
    REQUIRE(sig->size() == 1);
    CHECK((*sig)[0].kind == "cancel");
    auto resumed = RequestResume(f.store, job, "dave", f.clock);
    REQUIRE(resumed.ok());
    CHECK(Has(f.Whats(job), "job.resume_requested"));
  }

  SECTION("retry resets a failed job's failed tasks") {
    Fixture f(make);
    f.script = [](const Launch&) { return Fails(Code::kPermanent); };
    int64_t job = f.Submit(FailTable());
    CHECK(f.Drive(job) == RunOutcome::kFailed);
    auto st = GetStatus(f.store, job);
    REQUIRE(st.ok());
    REQUIRE(st->failed.size() == 1);
    CHECK(st->failed[0].key == "s0");
    CHECK(st->failed[0].error.find("boom") != std::string::npos);
    CHECK(Approve(f.store, job, "go", "x", f.clock).status().code() == Code::kFailedPrecondition);
    auto r = Retry(f.store, job, "erin", f.clock, &f.registry);
    REQUIRE(r.ok());
    CHECK(r->reset == 1);
    CHECK(r->job.state == JobState::kRunning);
    CHECK(Retry(f.store, job, "erin", f.clock, nullptr).status().code() ==
          Code::kFailedPrecondition);  // running now
  }

  SECTION("following events ends when the job ends, with every event") {
    Fixture f(make);
    int64_t job = f.Submit(GateTable());
    std::vector<std::string> seen;
    Status followed;
    std::thread follower([&] {
      followed =
          StreamEvents(*f.stores.b, job, 0, {.follow = true, .poll_ms = 5}, [&](const Event& e) {
            seen.push_back(e.what);
            return true;
          });
    });
    CHECK(f.Drive(job) == RunOutcome::kBlocked);
    REQUIRE(Approve(f.store, job, "go", "frank", f.clock).ok());
    CHECK(f.Drive(job) == RunOutcome::kSucceeded);
    follower.join();
    REQUIRE(followed.ok());
    CHECK(seen == f.Whats(job));
    REQUIRE(!seen.empty());
    CHECK(seen.back() == "job.succeeded");
  }
}

}  // namespace

TEST_CASE("job control contract on the SQLite store") {
  RunJobControlContract([] {
    std::string path = testing::TempPath("state.db");
    auto open = [&] {
      auto s = OpenSqliteStore(path, {.create = true, .busy_timeout_ms = 5000, .durable = false});
      REQUIRE(s.ok());
      return std::move(*s);
    };
    Stores out;
    out.a = open();
    out.b = open();
    return out;
  });
}

TEST_CASE("job control contract on the PostgreSQL store") {
  RunJobControlContract([] {
    std::string url = testing::FreshDatabase();
    auto open = [&] {
      auto s = OpenPgStore(url);
      REQUIRE(s.ok());
      return std::unique_ptr<Store>(std::move(*s));
    };
    Stores out;
    out.a = open();
    out.b = open();
    return out;
  });
}

}  // namespace dandori::engine
