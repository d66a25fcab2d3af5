// Policies bound from parameters at job start (engine/loader_bind.h, table format 4)
// and the workflow's run-wide `tolerate`, on a fake clock: the bound values are the ones
// the scheduler obeys, a bad value fails the job before any task runs naming the
// parameter and the policy's place, and failed fan-out items beyond their block's budget
// are charged to the workflow's.
#include "engine/loader_bind.h"
#include "engine/scheduler_test_util.h"

namespace dandori::engine {
namespace {

using testing::Fails;
using testing::Harness;
using testing::Ok;

v1::PolicyBinding* Bind(v1::Policy* p, v1::PolicyField f, v1::Code code, const char* source,
                        int line = 3) {
  v1::PolicyBinding* b = p->add_bound();
  b->set_field(f);
  code.set_source(source);
  *b->mutable_value() = std::move(code);
  b->mutable_loc()->set_line(line);
  b->mutable_loc()->set_col(5);
  return b;
}

TEST_CASE("bound policy: the timeout and retry count come from the job's parameters") {
  Harness h;
  TableBuilder b("bound");
  b.AddParam("limit", "duration", false, b.Const(Value::DurationMs(5'000)));
  b.AddParam("attempts", "int", false, b.Const(Value::Int(1)));
  v1::Policy p;
  Bind(&p, v1::POLICY_TIMEOUT, b.Param(0), "limit");
  Bind(&p, v1::POLICY_RETRIES, b.Param(1), "attempts");
  Bind(&p, v1::POLICY_BACKOFF_MIN, b.Param(0), "limit");
  Bind(&p, v1::POLICY_BACKOFF_MAX, b.Binary(v1::OP_MUL, b.Param(0), b.Const(Value::Int(4))),
       "limit * 4");
  b.Task("slow", "noop", {}, -1, {}, p);
  h.script = [](const Launch&) { return Ok(Value::MakeRecord({}), 60'000); };
  SECTION("defaults: 5s per attempt, 2 attempts, 5s apart") {
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Task("s0").attempts == 2);
    CHECK(h.Starts("s0") == std::vector<int64_t>{0, 10'000});
    CHECK(h.Task("s0").error.find("timed out after 5s") != std::string::npos);
  }
  SECTION("--param limit=2s attempts=3: 2s per attempt, 4 attempts, backoff 2s..8s") {
    auto r = h.Start(b.Build(), {{"limit", "2s"}, {"attempts", "3"}});
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Task("s0").attempts == 4);
    CHECK(h.Starts("s0") == std::vector<int64_t>{0, 4'000, 10'000, 20'000});
    CHECK(h.Task("s0").error.find("timed out after 2s") != std::string::npos);
  }
  SECTION("the shared Program keeps its bindings; each job gets its own values") {
    auto prog = LoadTable(b.Build(), &h.registry);
    REQUIRE(prog.ok());
    CHECK(HasPolicyBindings(**prog));
    auto params = BindParams(**prog, {{"limit", "7s"}});
    REQUIRE(params.ok());
    auto bound = BindPolicies(*prog, *params);
    REQUIRE(bound.ok());
    CHECK_FALSE(HasPolicyBindings(**bound));
    CHECK((*bound)->states[0].policy.timeout_ms() == 7'000);
    CHECK((*bound)->states[0].policy.backoff_max_ms() == 28'000);
    CHECK((*prog)->states[0].policy.timeout_ms() == 0);
    CHECK((*prog)->states[0].policy.bound_size() == 4);
  }
}

TEST_CASE("bound policy: a bad value fails the job at its start, naming parameter and place") {
  Harness h;
  TableBuilder b("bad");
  b.AddParam("limit", "duration", false, b.Const(Value::DurationMs(5'000)));
  b.AddParam("attempts", "int", false, b.Const(Value::Int(1)));
  v1::Policy p;
  SECTION("a timeout that comes out negative") {
    Bind(&p, v1::POLICY_TIMEOUT,
         b.Binary(v1::OP_SUB, b.Param(0), b.Const(Value::DurationMs(10'000))), "limit - 10s", 4);
    b.Task("a", "noop", {}, -1, {}, p);
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.store->GetJob(h.job)->error ==
          "test.flow:4:5: policy 'timeout limit - 10s' (parameter limit = 5s): a timeout must "
          "be longer than zero, got -5s");
    CHECK(h.Starts("s0").empty());  // nothing ran
    CHECK(h.Count("job.failed") == 1);
  }
  SECTION("a retry count out of range") {
    Bind(&p, v1::POLICY_RETRIES, b.Param(1), "attempts");
    b.Task("a", "noop", {}, -1, {}, p);
    auto r = h.Start(b.Build(), {{"attempts", "-1"}});
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.store->GetJob(h.job)->error ==
          "test.flow:3:5: policy 'retry attempts' (parameter attempts = -1): retry -1 is out of "
          "range: use 0 to 100");
    CHECK(h.Starts("s0").empty());
  }
  SECTION("a value of the wrong type") {
    Bind(&p, v1::POLICY_HEARTBEAT, b.Param(1), "attempts");
    b.Task("a", "noop", {}, -1, {}, p);
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.store->GetJob(h.job)->error.find("a heartbeat must be a duration, got 1") !=
          std::string::npos);
  }
}

TEST_CASE("loader: format 3 and 4 tables load; a binding in a format-3 table is refused") {
  TableBuilder b("v");
  b.AddParam("limit", "duration", false, b.Const(Value::DurationMs(5'000)));
  v1::Policy p;
  Bind(&p, v1::POLICY_TIMEOUT, b.Param(0), "limit");
  b.Task("a", "noop", {}, -1, {}, p);
  v1::Table t = b.Build();
  CHECK(LoadTable(t, nullptr).ok());
  t.set_format_version(3);
  auto old = LoadTable(t, nullptr);
  REQUIRE_FALSE(old.ok());
  CHECK(old.status().message().find("a policy bound from parameters in a table of format 3") !=
        std::string::npos);
  t.mutable_states(0)->mutable_policy()->clear_bound();
  CHECK(LoadTable(t, nullptr).ok());  // format 3 still loads
}

TEST_CASE("bound policy: a block's tolerate from a parameter") {
  Harness h;
  TableBuilder b("tol");
  b.AddParam("broken", "int", false, b.Const(Value::Int(0)));
  int loop = b.Begin(v1::FOREACH, "xs", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(4))}));
  Bind(b.state(loop).mutable_policy(), v1::POLICY_TOLERATE, b.Param(0), "broken");
  b.Task("up", "noop", {}, loop);
  b.End(loop);
  h.script = [](const Launch& l) {
    return l.ctx.task_id == "s1/2" ? Fails(Code::kPermanent, 10) : Ok(Value::MakeRecord({}), 10);
  };
  SECTION("broken=0: the failure fails the block") {
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
  }
  SECTION("broken=1: tolerated and reported") {
    auto r = h.Start(b.Build(), {{"broken", "1"}});
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kSucceeded);
    CHECK(h.Count("item.tolerated") == 1);
  }
}

// fanout zone in range(3) { rolling server in range(4) batch 2 { up } }: the workflow's
// tolerate takes failed servers that the rolling block (tolerate 0) does not.
TEST_CASE("workflow tolerate: a run-wide budget for failed fan-out items at any depth") {
  Harness h;
  TableBuilder b("fleet");
  int zones = b.Begin(v1::FANOUT, "zones", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(3))}));
  int roll =
      b.Begin(v1::ROLLING, "servers", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(4))}), zones);
  b.state(roll).mutable_block()->set_batch(2);
  int up = b.Task("up", "noop", {}, roll);
  b.End(roll);
  b.End(zones);
  std::set<std::string> broken;
  h.script = [&](const Launch& l) {
    return broken.count(l.ctx.task_id) ? Fails(Code::kPermanent, 10)
                                       : Ok(Value::MakeRecord({}), 100);
  };
  std::string first = "s" + std::to_string(up) + "/1/2";  // zone 1, server 2
  std::string second = "s" + std::to_string(up) + "/2/0";
  SECTION("without it one broken server fails its zone and the job") {
    broken = {first};
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
  }
  SECTION("tolerate 1: one broken server is reported; every other server is upgraded") {
    broken = {first};
    v1::Table t = b.Build();
    t.mutable_policy()->set_tolerate(1);
    auto r = h.Start(t);
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kSucceeded);
    CHECK(h.Starts("s" + std::to_string(up) + "/").size() == 12);
    CHECK(h.Task(first).state == TaskState::kFailed);
    CHECK(h.Count("item.tolerated") == 1);
    auto ev = h.store->ListEvents(h.job, 0, 1000);
    bool named = false;
    for (const Event& e : *ev) {
      named |= e.what == "item.tolerated" &&
               e.detail.find("1 of 1 tolerated by the workflow") != std::string::npos;
    }
    CHECK(named);
  }
  SECTION("tolerate 1 and two broken servers: the second fails its zone and the job") {
    broken = {first, second};
    v1::Table t = b.Build();
    t.mutable_policy()->set_tolerate(1);
    auto r = h.Start(t);
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Count("item.tolerated") == 1);
    CHECK(h.store->GetJob(h.job)->error.find("items failed") != std::string::npos);
  }
  SECTION("a bound workflow tolerate") {
    broken = {first, second};
    b.AddParam("broken", "int", false, b.Const(Value::Int(0)));
    v1::Table t = b.Build();
    Bind(t.mutable_policy(), v1::POLICY_TOLERATE, b.Param(0), "broken");
    auto r = h.Start(t, {{"broken", "2"}});
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kSucceeded);
    CHECK(h.Count("item.tolerated") == 2);
  }
}

}  // namespace
}  // namespace dandori::engine
