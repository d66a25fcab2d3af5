// Run-wide timeouts and budgets: a `timeout` on a group, a loop or the workflow caps the
// total time across every retry and item inside it (the attempts' own timeouts are
// per attempt); when it fires the tasks inside are cancelled and the block fails with
// a timeout naming it. Fake clock: no test waits for real time.
#include "engine/scheduler_test_util.h"

namespace dandori::engine::testing {
namespace {

v1::Policy TimeoutPolicy(int64_t ms, int retries = 0, int64_t backoff_ms = 0) {
  v1::Policy p = RetryPolicy(retries, backoff_ms, backoff_ms);
  p.set_timeout_ms(ms);
  return p;
}

TEST_CASE("group timeout caps the total time across the group's retries") {
  Harness h;
  TableBuilder b("group_timeout");
  int g = b.Begin(v1::GROUP, "upgrade", {});
  // 5 attempts of 2s + 1s backoff would take 14s; the group has 5s in all.
  *b.state(g).mutable_policy() = TimeoutPolicy(5'000, 4, 1'000);
  int restart = b.Task("restart", "noop", {}, g);
  b.Task("health", "noop", {}, g, {restart});
  b.End(g);
  h.script = [&](const Launch& l) {
    if (l.ctx.task_id.rfind("s2/", 0) == 0) return Fails(Code::kTransient, 1'500);
    return Ok(Value::MakeRecord({}), 1'000);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  // Attempts at 0 and 3.5s (2.5s + 1s backoff); the second one's health check is cut
  // at 5s, and there is no third attempt.
  CHECK(h.Starts("s1/") == std::vector<int64_t>{0, 3'500});
  CHECK(h.Count("block.timed_out") == 1);
  CHECK(h.Count("group.retrying") == 1);
  CHECK(h.clock.NowMs() - h.t0 == 5'000);
  const std::string& m = h.sched->failure_message();
  CHECK(m.find("group upgrade ran past its timeout of 5s") != std::string::npos);
  CHECK(m.find("(in attempt 2)") != std::string::npos);
  INFO(m);
  // The health check running at 5s was cancelled, not left running.
  CHECK(h.Task("s2/1").state == TaskState::kCancelled);
}

TEST_CASE("group timeout also ends a retry wait") {
  Harness h;
  TableBuilder b("group_wait");
  int g = b.Begin(v1::GROUP, "upgrade", {});
  *b.state(g).mutable_policy() = TimeoutPolicy(5'000, 3, 60'000);  // 1 min backoff
  b.Task("restart", "noop", {}, g);
  b.End(g);
  h.script = [&](const Launch&) { return Fails(Code::kTransient, 1'000); };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.Starts("s1/").size() == 1);
  CHECK(h.clock.NowMs() - h.t0 == 5'000);  // not the minute of the backoff
  CHECK(h.sched->failure_message().find("first failure: restart") != std::string::npos);
}

TEST_CASE("fan-out timeout caps all branches and the retries inside them") {
  Harness h;
  TableBuilder b("fanout_timeout");
  int loop = b.Begin(v1::FANOUT, "zones", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(3))}));
  b.state(loop).mutable_block()->set_parallel(1);  // one branch at a time: 3 x 4s
  *b.state(loop).mutable_policy() = TimeoutPolicy(10'000);
  b.Task("drain", "noop", {}, loop, {}, RetryPolicy(1, 0, 0));
  b.End(loop);
  int attempts = 0;
  h.script = [&](const Launch&) {
    // Every item fails once, then succeeds: each item takes 2 + 2 seconds.
    return ++attempts % 2 == 1 ? Fails(Code::kTransient, 2'000) : Ok(Value::MakeRecord({}), 2'000);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.clock.NowMs() - h.t0 == 10'000);
  CHECK(h.Starts("s1/").size() == 5);  // items 0 and 1 (2 attempts each), item 2's first
  const std::string& m = h.sched->failure_message();
  INFO(m);
  CHECK(m.find("fanout zones ran past its timeout of 10s (2 of 3 items done, 0 failed)") !=
        std::string::npos);
}

TEST_CASE("a loop that finishes in time is not failed by its timeout later") {
  Harness h;
  TableBuilder b("loop_in_time");
  int loop = b.Begin(v1::FOREACH, "each", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(2))}));
  *b.state(loop).mutable_policy() = TimeoutPolicy(10'000);
  b.Task("work", "noop", {}, loop);
  int after = b.End(loop);
  b.Task("after", "noop", {}, -1, {after});
  h.script = [&](const Launch& l) {
    return Ok(Value::MakeRecord({}), l.ctx.task_id.rfind("s4", 0) == 0 ? 30'000 : 1'000);
  };
  auto r = h.Start(b.Build());
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kSucceeded);
  CHECK(h.Count("block.timed_out") == 0);
}

TEST_CASE("workflow timeout caps the total time across retries and fails the job") {
  Harness h;
  TableBuilder b("wf_timeout");
  b.Task("drain", "noop", {}, -1, {}, RetryPolicy(10, 1'000, 1'000));
  v1::Table t = b.Build();
  t.mutable_policy()->set_timeout_ms(7'000);
  h.script = [&](const Launch&) { return Fails(Code::kTransient, 2'000); };
  auto r = h.Start(t);
  REQUIRE(r.ok());
  CHECK(*r == RunOutcome::kFailed);
  CHECK(h.clock.NowMs() - h.t0 == 7'000);
  CHECK(h.Starts("s0").size() == 3);  // 0, 3s, 6s
  CHECK(h.sched->failure_message().find("ran past its timeout of 7s") != std::string::npos);
}

}  // namespace
}  // namespace dandori::engine::testing
