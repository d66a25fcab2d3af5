// Scheduler semantics on a fake clock: sequence and data flow, retries and backoff,
// timeouts and heartbeats, parallel limits and pools, fan-out isolation, rolling waves
// and failure budgets, groups, gates, cancel, handlers, resume and fencing.
#include "engine/scheduler_test_util.h"

namespace dandori::engine {
namespace {

using testing::Fails;
using testing::Harness;
using testing::Ok;

v1::Code NoopArgs(TableBuilder& b, v1::Code value) {
  return b.Record({{"value", std::move(value)}});
}

TEST_CASE("sequence: stages run in order and read earlier outputs") {
  Harness h;
  TableBuilder b("seq");
  int a = b.Task("a", "noop", NoopArgs(b, b.Const(Value::Int(1))));
  int c = b.Task(
      "c", "noop",
      NoopArgs(b, b.Binary(v1::OP_ADD, b.Field(b.Stage(a), "value"), b.Const(Value::Int(10)))), -1,
      {a});
  h.script = [](const Launch& l) { return Ok(l.ctx.args, 1000); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Starts("s" + std::to_string(a)) == std::vector<int64_t>{0});
  CHECK(h.Starts("s" + std::to_string(c)) == std::vector<int64_t>{1000});
  CHECK(h.Output("s1").Get("value") == Value::Int(11));
  CHECK(h.store->GetJob(h.job)->state == JobState::kSucceeded);
  CHECK(h.Count("task.succeeded") == 2);
}

TEST_CASE("retries: exact attempts and exponential backoff instants") {
  Harness h;
  TableBuilder b("retry");
  b.Task("flaky", "noop", {}, -1, {}, RetryPolicy(3, 5'000, 120'000));
  h.script = [](const Launch& l) { return l.ctx.attempt < 3 ? Fails(Code::kTransient) : Ok(); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  // 5s after the first failure, then 10s after the second.
  CHECK(h.Starts("s0") == std::vector<int64_t>{0, 5'000, 15'000});
  CHECK(h.Task("s0").attempts == 3);
  CHECK(h.Count("task.retrying") == 2);
}

TEST_CASE("retries: exhausted retries fail the job; backoff is capped") {
  Harness h;
  TableBuilder b("retry");
  b.Task("bad", "noop", {}, -1, {}, RetryPolicy(4, 1'000, 3'000));
  h.script = [](const Launch&) { return Fails(Code::kTimeout, 500); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  // each attempt takes 0.5s; delays 1s, 2s, 3s (capped), 3s
  CHECK(h.Starts("s0") == std::vector<int64_t>{0, 1'500, 4'000, 7'500, 11'000});
  CHECK(h.Task("s0").state == TaskState::kFailed);
  CHECK(h.Task("s0").error_class == Code::kTimeout);
  auto job = h.store->GetJob(h.job);
  CHECK(job->state == JobState::kFailed);
  CHECK(job->error.find("boom") != std::string::npos);
}

TEST_CASE("errors: a failed task names its stage's place in the .flow source") {
  Harness h;
  TableBuilder b("where");
  b.Task("first", "noop", {});
  b.Task("probe", "noop", {}, -1, {0});
  h.script = [](const Launch& l) { return l.ctx.task_id == "s1" ? Fails(Code::kPermanent) : Ok(); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  // TableBuilder puts state i at test.flow:(i+1):1.
  const std::string want = "test.flow:2:1: stage probe (noop): permanent: boom";
  CHECK(h.Task("s1").error == want);
  CHECK(h.store->GetJob(h.job)->error == want);
  auto ev = h.store->ListEvents(h.job, 0, 1'000);
  REQUIRE(ev.ok());
  bool seen = false;
  for (const auto& e : *ev) seen |= e.what == "task.failed" && e.detail == want;
  CHECK(seen);
}

TEST_CASE("errors: an argument that cannot be evaluated names its stage's place") {
  Harness h;
  TableBuilder b("where");
  b.Task("first", "noop", {});
  b.Task("bad", "noop", b.Record({{"value", b.Field(b.Const(Value::Int(1)), "x")}}), -1, {0});
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  std::string err = h.store->GetJob(h.job)->error;
  INFO(err);
  CHECK(err.rfind("test.flow:2:1: stage bad (noop): arguments `", 0) == 0);
  CHECK(err.find("test.flow:2:1", 1) == std::string::npos);  // named once
  CHECK(h.Task("s1").error == err);
}

TEST_CASE("retries: jitter stays within [delay/2, delay]") {
  Harness h;
  TableBuilder b("jitter");
  b.Task("j", "noop", {}, -1, {}, RetryPolicy(8, 1'000, 16'000, true));
  h.script = [](const Launch&) { return Fails(Code::kTransient); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  auto s = h.Starts("s0");
  REQUIRE(s.size() == 9);
  bool any_below_full = false;
  for (size_t i = 1; i < s.size(); ++i) {
    int64_t full = std::min<int64_t>(16'000, 1'000LL << (i - 1));
    int64_t d = s[i] - s[i - 1];
    CHECK(d >= full / 2);
    CHECK(d <= full);
    any_below_full |= d < full;
  }
  CHECK(any_below_full);
}

TEST_CASE("retries: permanent errors and classes outside retry_on are not retried") {
  Harness h;
  TableBuilder b("perm");
  b.Task("p", "noop", {}, -1, {}, RetryPolicy(5, 1'000));
  v1::Policy only_timeout = RetryPolicy(5, 1'000);
  only_timeout.add_retry_on(v1::TIMEOUT);
  b.Task("t", "noop", {}, -1, {0}, only_timeout);
  h.script = [](const Launch& l) {
    return Fails(l.ctx.task_id == "s0" ? Code::kPermanent : Code::kTransient);
  };
  SECTION("permanent") {
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Starts("s0").size() == 1);
    CHECK(h.Starts("s1").empty());  // the sequence stopped
  }
  SECTION("transient when only timeout is retried") {
    h.script = [](const Launch&) { return Fails(Code::kTransient); };
    b.state(0).mutable_policy()->set_retries(0);
    b.state(1).clear_deps();
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(h.Starts("s1").size() == 1);
  }
}

TEST_CASE("lost: a dead executor's attempt counts; without a policy it is retried once") {
  Harness h;
  TableBuilder b("lost");
  b.Task("z", "noop", {}, -1, {}, v1::Policy());  // no retry policy
  SECTION("lost once: a second attempt, which succeeds") {
    h.script = [](const Launch& l) { return l.ctx.attempt == 1 ? Fails(Code::kLost) : Ok(); };
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kSucceeded);
    CHECK(h.Task("s0").attempts == 2);
    CHECK(h.Count("task.retrying") == 1);
  }
  SECTION("lost twice: the task fails, classed lost") {
    h.script = [](const Launch&) { return Fails(Code::kLost); };
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Starts("s0").size() == 2);
    CHECK(h.Task("s0").error_class == Code::kLost);
    CHECK(h.Task("s0").error.find("lost: ") != std::string::npos);
  }
  SECTION("a class list without lost does not retry it") {
    v1::Policy p = RetryPolicy(3, 1'000);
    p.add_retry_on(v1::TRANSIENT);
    *b.state(0).mutable_policy() = p;
    h.script = [](const Launch&) { return Fails(Code::kLost); };
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(h.Starts("s0").size() == 1);
  }
  SECTION("retry 3 retries lost three times, like transient errors") {
    *b.state(0).mutable_policy() = RetryPolicy(3, 1'000);
    h.script = [](const Launch&) { return Fails(Code::kLost); };
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(h.Starts("s0").size() == 4);
  }
}

TEST_CASE("timeout per attempt cancels the operator and counts as a timeout") {
  Harness h;
  TableBuilder b("timeout");
  v1::Policy p = RetryPolicy(1, 2'000);
  p.set_timeout_ms(60'000);
  b.Task("slow", "noop", {}, -1, {}, p);
  h.script = [](const Launch&) { return Ok(Value::MakeRecord({}), 600'000); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.Starts("s0") == std::vector<int64_t>{0, 62'000});
  CHECK(h.clock.NowMs() - h.t0 == 122'000);
  CHECK(h.Task("s0").error_class == Code::kTimeout);
  CHECK(h.runner.launches()[0].link->cancel.cancelled());
}

TEST_CASE("heartbeat: silence longer than the heartbeat fails the attempt") {
  Harness h;
  TableBuilder b("hb");
  v1::Policy p;
  p.set_heartbeat_ms(30'000);
  b.Task("quiet", "noop", {}, -1, {}, p);
  b.Task("chatty", "noop", {}, -1, {}, p);
  h.script = [](const Launch& l) {
    SimOutcome o = Ok(Value::MakeRecord({}), 100'000);
    o.heartbeats = l.ctx.task_id == "s1";
    return o;
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.Task("s0").state == TaskState::kFailed);
  CHECK(h.Task("s0").error.find("heartbeat") != std::string::npos);
  CHECK(h.Task("s1").state == TaskState::kSucceeded);
}

TEST_CASE("foreach parallel N is never exceeded; outputs are collected with [*]") {
  Harness h;
  TableBuilder b("fe");
  int loop = b.Begin(v1::FOREACH, "each", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(10))}));
  b.state(loop).mutable_block()->set_parallel(3);
  int enc = b.Task("enc", "noop", NoopArgs(b, b.Var(loop)), loop);
  b.End(loop);
  b.Task("merge", "noop", NoopArgs(b, b.StageAll(enc)), -1, {loop});
  h.script = [](const Launch& l) {
    int64_t v = l.ctx.args.Get("value").is_null() ? 0 : 0;
    (void)v;
    return Ok(l.ctx.args, 1'000 + (l.ctx.task_id.size() % 3) * 100);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.runner.max_in_flight() == 3);
  CHECK(h.Starts("s1/").size() == 10);
  Value merged = h.Output("s3").Get("value");
  REQUIRE(merged.kind() == Value::Kind::kList);
  REQUIRE(merged.list().size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(merged.list()[i].Get("value") == Value::Int(i));
}

TEST_CASE("worker pools are named limits shared by all blocks") {
  Harness h;
  TableBuilder b("pools");
  int loop = b.Begin(v1::FANOUT, "zones", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(8))}));
  int t = b.Task("enc", "noop", {}, loop);
  b.state(t).set_pool("encoders");  // capacity 2 in the harness
  b.End(loop);
  h.script = [](const Launch&) { return Ok(Value::MakeRecord({}), 1'000); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.runner.max_in_flight() == 2);
  CHECK(h.clock.NowMs() - h.t0 == 4'000);
  CHECK(h.pools.Get("encoders")->max_seen() == 2);
}

TEST_CASE("fanout: a failed branch fails only itself") {
  Harness h;
  TableBuilder b("fan");
  int loop = b.Begin(v1::FANOUT, "zones", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(5))}));
  int first = b.Task("first", "noop", {}, loop);
  b.Task("second", "noop", {}, loop, {first});
  b.End(loop);
  b.Task("after", "noop", {}, -1, {loop});
  h.script = [](const Launch& l) {
    return l.ctx.task_id == "s1/2" ? Fails(Code::kPermanent, 10) : Ok(Value::MakeRecord({}), 100);
  };
  SECTION("no tolerate: the other branches complete, then the block fails") {
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Starts("s2/").size() == 4);  // branch 2 stopped after its failure
    CHECK(h.Task("s1/2").state == TaskState::kFailed);
    CHECK(h.Starts("s4").empty());
    CHECK(h.store->GetJob(h.job)->error.find("1 of 5 items failed") != std::string::npos);
  }
  SECTION("tolerate 1: one failed branch is allowed") {
    b.state(loop).mutable_block()->set_has_tolerate(true);
    b.state(loop).mutable_block()->set_tolerate(1);
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kSucceeded);
    CHECK(h.Starts("s4").size() == 1);
  }
  SECTION("tolerate 0: the block fails, but only after siblings ran") {
    b.state(loop).mutable_block()->set_has_tolerate(true);
    b.state(loop).mutable_block()->set_tolerate(0);
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Starts("s2/").size() == 4);
    CHECK(h.Starts("s4").empty());
    CHECK(h.store->GetJob(h.job)->error.find("1 of 5 items failed") != std::string::npos);
  }
}

TEST_CASE("rolling: waves of batch N; the failure budget aborts the rest") {
  Harness h;
  TableBuilder b("roll");
  int loop = b.Begin(v1::ROLLING, "servers", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(10))}));
  b.state(loop).mutable_block()->set_batch(3);
  b.state(loop).mutable_block()->set_has_tolerate(true);
  b.state(loop).mutable_block()->set_tolerate(1);
  b.Task("up", "noop", {}, loop);
  b.End(loop);
  SECTION("budget exceeded in the second wave") {
    h.script = [](const Launch& l) {
      bool bad = l.ctx.task_id == "s1/1" || l.ctx.task_id == "s1/4";
      return bad ? Fails(Code::kPermanent, 1'000) : Ok(Value::MakeRecord({}), 1'000);
    };
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kFailed);
    CHECK(h.Starts("s1/") == std::vector<int64_t>{0, 0, 0, 1'000, 1'000, 1'000});
    CHECK(h.Count("wave.started") == 2);
  }
  SECTION("within budget: every wave runs, in order") {
    b.state(loop).mutable_block()->set_batch(0);
    b.state(loop).mutable_block()->set_batch_percent(40);  // 4 per wave
    h.script = [](const Launch& l) {
      return l.ctx.task_id == "s1/1" ? Fails(Code::kPermanent, 1'000)
                                     : Ok(Value::MakeRecord({}), 1'000);
    };
    auto r = h.Start(b.Build());
    REQUIRE(r.ok());
    CHECK(*r == RunOutcome::kSucceeded);
    CHECK(h.Starts("s1/") ==
          std::vector<int64_t>{0, 0, 0, 0, 1'000, 1'000, 1'000, 1'000, 2'000, 2'000});
    CHECK(h.Count("wave.started") == 3);
  }
}

TEST_CASE("group: a retry policy retries the whole body") {
  Harness h;
  TableBuilder b("group");
  int g = b.Begin(v1::GROUP, "cycle", {});
  *b.state(g).mutable_policy() = RetryPolicy(2, 1'000);
  int restart = b.Task("restart", "noop", {}, g);
  b.Task("health", "noop", {}, g, {restart});
  b.End(g);
  int fails = 0;
  h.script = [&](const Launch& l) {
    if (l.op_name == "noop" && l.ctx.task_id.rfind("s2/", 0) == 0 && fails < 2) {
      ++fails;
      return Fails(Code::kTransient, 100);
    }
    return Ok(Value::MakeRecord({}), 100);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Starts("s1/").size() == 3);  // restart ran once per group attempt
  CHECK(h.Starts("s2/").size() == 3);
  CHECK(h.Starts("s1/") == std::vector<int64_t>{0, 1'200, 3'400});
  CHECK(h.Count("group.retrying") == 2);
}

TEST_CASE("approve gates wait for the signal") {
  Harness h;
  TableBuilder b("gate");
  int before = b.Task("before", "noop", {});
  int gate = b.Gate("go", -1, {before});
  b.Task("after", "noop", {}, -1, {gate});
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kBlocked);
  CHECK(h.Starts("s2").empty());
  CHECK(h.Count("gate.waiting") == 1);
  REQUIRE(h.store->AddSignal(h.job, {"approve", "go", "alice", h.clock.NowMs()}).ok());
  r = h.Continue();
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Starts("s2").size() == 1);
}

TEST_CASE("cancel reaches running operators and ends the job cancelled") {
  Harness h;
  TableBuilder b("cancel");
  int loop = b.Begin(v1::FOREACH, "each", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(20))}));
  b.state(loop).mutable_block()->set_parallel(4);
  b.Task("work", "noop", {}, loop);
  b.End(loop);
  int launched = 0;
  h.script = [&](const Launch&) {
    if (++launched == 6) h.sched->RequestCancel();
    return Ok(Value::MakeRecord({}), 10'000);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kCancelled);
  // The second round of 4 was already claimed when the cancel came; nothing after it.
  CHECK(h.Starts("s1/").size() == 8);
  int cancelled = 0;
  for (const Launch& l : h.runner.launches()) cancelled += l.link->cancel.cancelled();
  CHECK(cancelled == 4);
  CHECK(h.Count("task.cancelled") == 4);
  CHECK(h.store->GetJob(h.job)->state == JobState::kCancelled);
}

TEST_CASE("on failure handler runs with the error record") {
  Harness h;
  TableBuilder b("handler");
  b.Task("bad", "noop", {});
  int hf = b.Begin(v1::ON_FAILURE, "on_failure", {});
  b.Task("alert", "noop", NoopArgs(b, b.Field(b.Error(), "message")), hf);
  b.End(hf);
  h.script = [](const Launch& l) {
    return l.ctx.task_id == "s0" ? Fails(Code::kPermanent) : Ok(l.ctx.args);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.Output("s2").Get("value") == Value::String("boom"));
  CHECK(h.Count("handler.started") == 1);
}

TEST_CASE("a failed on success handler runs the on failure handler; the job fails") {
  Harness h;
  TableBuilder b("handlers");
  b.Task("work", "noop", {});
  int hf = b.Begin(v1::ON_FAILURE, "on_failure", {});
  int alert = b.Task("alert", "noop", NoopArgs(b, b.Field(b.Error(), "stage")), hf);
  b.End(hf);
  int hs = b.Begin(v1::ON_SUCCESS, "on_success", {});
  int tell = b.Task("tell", "noop", {}, hs);
  b.End(hs);
  std::string tell_key = "s" + std::to_string(tell);
  h.script = [tell_key](const Launch& l) {
    return l.ctx.task_id == tell_key ? Fails(Code::kPermanent) : Ok(l.ctx.args);
  };
  v1::Table t = b.Build();
  // The Table says so, and the engine does what the Table says.
  CHECK(t.states(hs).next().failed() == hf);
  auto r = h.Start(t);
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.Task("s0").state == TaskState::kSucceeded);
  CHECK(h.Task(tell_key).state == TaskState::kFailed);
  CHECK(h.Output("s" + std::to_string(alert)).Get("value") == Value::String("tell"));
  CHECK(h.Count("handler.failed") == 1);
  CHECK(h.Count("handler.started") == 1);
  CHECK(h.store->GetJob(h.job)->error.find("boom") != std::string::npos);
}

TEST_CASE("an ok on success handler ends in SUCCEED; a failure handler never runs") {
  Harness h;
  TableBuilder b("handlers");
  b.Task("work", "noop", {});
  int hf = b.Begin(v1::ON_FAILURE, "on_failure", {});
  b.Task("alert", "noop", {}, hf);
  b.End(hf);
  int hs = b.Begin(v1::ON_SUCCESS, "on_success", {});
  b.Task("tell", "noop", {}, hs);
  b.End(hs);
  h.script = [](const Launch& l) { return Ok(l.ctx.args); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Count("handler.started") == 0);
  CHECK(h.Starts("s2").empty());
}

TEST_CASE("resume: a 100,000-stage sequential chain resumes without recursion") {
  Harness h;
  TableBuilder b("chain");
  constexpr int kStages = 99'998;  // + SUCCEED + FAIL = the 100,000-state limit
  for (int i = 0; i < kStages; ++i) {
    b.Task("t" + std::to_string(i), "noop", {}, -1,
           i == 0 ? std::vector<int>{} : std::vector{i - 1});
  }
  // Every stage but the last finished under an engine that died.
  std::vector<TaskRow> done;
  for (int i = 0; i + 1 < kStages; ++i) {
    TaskRow row;
    row.key = "s" + std::to_string(i);
    row.stage = "t" + std::to_string(i);
    row.state = TaskState::kSucceeded;
    row.attempts = 1;
    row.output = EncodeValue(Value::MakeRecord({}));
    done.push_back(std::move(row));
  }
  h.script = [](const Launch& l) { return Ok(l.ctx.args); };
  auto r = h.Resume(b.Build(), std::move(done));
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.runner.launches().size() == 1);  // only the last stage ran
}

TEST_CASE("when false skips a stage; its dependents still run") {
  Harness h;
  TableBuilder b("when");
  int a = b.Task("a", "noop", {});
  *b.state(a).mutable_when() = b.Const(Value::Bool(false));
  b.Task("b", "noop", {}, -1, {a});
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Starts("s0").empty());
  CHECK(h.Starts("s1").size() == 1);
}

TEST_CASE("idempotency key returns the same job") {
  Harness h;
  TableBuilder b("idem");
  b.Task("a", "noop", {});
  v1::Table t = b.Build();
  bool created = false;
  auto j1 = SubmitJob(*h.store, t, Value::MakeRecord({}), "nightly", "/", h.clock, &created);
  REQUIRE(j1.ok());
  CHECK(created);
  auto j2 = SubmitJob(*h.store, t, Value::MakeRecord({}), "nightly", "/", h.clock, &created);
  REQUIRE(j2.ok());
  CHECK_FALSE(created);
  CHECK(j1->id == j2->id);
}

TEST_CASE("resume: finished tasks never run again; an interrupted task runs again free") {
  Harness h;
  TableBuilder b("resume");
  int loop = b.Begin(v1::FOREACH, "each", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(4))}));
  b.Task("work", "noop", NoopArgs(b, b.Var(loop)), loop);  // no retry policy
  b.End(loop);
  // A previous engine finished item 0 and died while running item 1.
  TaskRow done;
  done.key = "s1/0";
  done.stage = "work";
  done.state = TaskState::kSucceeded;
  done.attempts = 1;
  done.fence = 1;
  done.output = EncodeValue(Value::MakeRecord({{"value", Value::Int(100)}}));
  TaskRow running;
  running.key = "s1/1";
  running.stage = "work";
  running.state = TaskState::kRunning;
  running.attempts = 1;
  running.fence = 1;
  running.owner = "dead-engine";
  auto r = h.Resume(b.Build(), {done, running});
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Starts("s1/0").empty());
  CHECK(h.Starts("s1/1").size() == 1);
  CHECK(h.Task("s1/1").attempts == 1);  // the interrupted attempt was given back
  CHECK(h.Task("s1/1").fence == 2);     // but its token is superseded
  CHECK(h.Output("s1/0").Get("value") == Value::Int(100));
  CHECK(h.Count("task.interrupted") == 1);
}

TEST_CASE("resume: a task interrupted more than max_interruptions times fails, named") {
  Harness h;
  h.options.max_interruptions = 2;
  TableBuilder b("loop");
  b.Task("crasher", "noop", {});
  TaskRow running;  // started 3 times, each time its engine died: 2 given back so far
  running.key = "s0";
  running.stage = "crasher";
  running.state = TaskState::kRunning;
  running.attempts = 1;
  running.fence = 3;
  running.owner = "dead-engine";
  auto r = h.Resume(b.Build(), {running});
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.Starts("s0").empty());
  CHECK(h.Task("s0").error.find("interrupted 3 times") != std::string::npos);
  CHECK(h.Task("s0").error.find("stage crasher") != std::string::npos);
}

TEST_CASE("fencing: an engine whose token was superseded stops without writing") {
  Harness h;
  TableBuilder b("fence");
  b.Task("a", "noop", {});
  b.Task("b", "noop", {}, -1, {0});
  h.script = [&](const Launch& l) {
    // Another engine takes the task over while this attempt runs.
    Batch steal;
    TaskRow row;
    row.key = l.ctx.task_id;
    row.stage = "a";
    row.attempts = 2;
    row.fence = 2;
    row.owner = "other";
    steal.Start(h.job, row);
    REQUIRE(h.store->Commit(steal, nullptr).ok());
    return Ok(Value::MakeRecord({}), 100);
  };
  auto r = h.Start(b.Build());
  CHECK(r.status().code() == Code::kFailedPrecondition);
  CHECK(h.Task("s0").owner == "other");
  CHECK(h.Task("s0").state == TaskState::kRunning);
  CHECK(h.Starts("s1").empty());
}

TEST_CASE("loader refuses another format version, naming both") {
  TableBuilder b("v");
  v1::Table t = b.Build();
  t.set_format_version(7);
  auto p = LoadTable(t, nullptr);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().message().find("7") != std::string::npos);
  CHECK(p.status().message().find("versions 2 to 4") != std::string::npos);
  CHECK(p.status().message().find("upgrade dandori") != std::string::npos);
  t.set_format_version(2);  // format 2 means the same under format 4's engine
  CHECK(LoadTable(t, nullptr).ok());
  t.set_format_version(1);  // a .flowc from before the transitions drove the engine
  auto old = LoadTable(t, nullptr);
  REQUIRE_FALSE(old.ok());
  CHECK(old.status().message().find("recompile the .flow file") != std::string::npos);
}

TEST_CASE("parameters: types, defaults, required, unknown") {
  TableBuilder b("params");
  b.AddParam("n", "int", true);
  b.AddParam("d", "duration", false, b.Const(Value::DurationMs(5'000)));
  b.AddParam("l", "list<int>", false, b.Const(Value::MakeList({})));
  auto p = LoadTable(b.Build(), nullptr);
  REQUIRE(p.ok());
  auto ok = BindParams(**p, {{"n", "42"}, {"l", "[1,2]"}});
  REQUIRE(ok.ok());
  CHECK(ok->Get("n") == Value::Int(42));
  CHECK(ok->Get("d") == Value::DurationMs(5'000));
  CHECK(ok->Get("l").list().size() == 2);
  CHECK(BindParams(**p, {{"n", "x"}}).status().code() == Code::kInvalidArgument);
  CHECK(BindParams(**p, {}).status().message().find("missing required parameter n") !=
        std::string::npos);
  CHECK(BindParams(**p, {{"n", "1"}, {"zz", "1"}}).status().message().find("unknown") !=
        std::string::npos);
}

TEST_CASE("scratch: one root per store, so job 1 of two stores never shares a folder") {
  std::string a = ScratchRootFor("/w/.dandori/state.db", "/w");
  CHECK(a == "/w/.dandori/scratch/state");
  CHECK(ScratchRootFor("/w/other.db", "/w") == "/w/scratch/other");
  CHECK(ScratchRootFor("/w/.dandori/b.db", "/w") != a);
  std::string pg1 = ScratchRootFor("postgres://u:secret@db1:5432/app", "/w");
  std::string pg2 = ScratchRootFor("postgres://u@db2:5432/app", "/w");
  CHECK(pg1.rfind("/w/.dandori/scratch/postgres-", 0) == 0);
  CHECK(pg1.size() == std::string("/w/.dandori/scratch/postgres-").size() + 16);
  CHECK(pg1 != pg2);
  CHECK(pg1.find("secret") == std::string::npos);
  // The same database under another user is the same store.
  CHECK(ScratchRootFor("postgres://v@db1:5432/app", "/w") == pg1);
  // Relative store paths resolve against the current folder.
  CHECK(ScratchRootFor(".dandori/state.db", "/w") ==
        (std::filesystem::current_path() / ".dandori/scratch/state").string());
}

}  // namespace
}  // namespace dandori::engine
