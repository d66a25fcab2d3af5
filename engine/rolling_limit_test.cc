// Rolling windows and capacity floors: RollingLimit's arithmetic, then the scheduler on
// a fake clock. Each item is one task whose duration the script picks, so every item's
// interval [start, end) is known and the tests can count, at every instant, the items in
// flight and the items out (running, or failed: a failed item stays out).
#include "engine/rolling_limit.h"

#include "engine/scheduler_test_util.h"

namespace dandori::engine {
namespace {

using testing::Fails;
using testing::Harness;
using testing::Ok;

v1::Block Rolling(int window, double keep_percent) {
  v1::Block b;
  b.set_kind(v1::ROLLING);
  b.set_window(window);
  if (keep_percent >= 0) {
    b.set_has_keep(true);
    b.set_keep_percent(keep_percent);
  }
  return b;
}

TEST_CASE("RollingLimit: window, floor, failed items stay out") {
  RollingLimit l(Rolling(3, 80), 10);  // floor 8: 2 out at most
  CHECK(l.window() == 3);
  CHECK(l.floor() == 8);
  CHECK(l.max_out() == 2);
  l.Started();
  l.Started();
  CHECK_FALSE(l.MayStart());  // the floor, not the window, holds the third
  l.Failed();
  CHECK_FALSE(l.MayStart());  // failed: no longer running, still out
  l.Succeeded();
  CHECK(l.MayStart());
  l.Started();
  l.Failed();
  CHECK(l.Stuck());
  CHECK(l.Why() ==
        "2 of 10 items are out (failed, not known to be serving again) and 'keep 8 "
        "serving' allows 2 out; no other item can be taken out");

  RollingLimit pct(Rolling(0, -1), 150);
  CHECK(pct.window() == 150);  // waves (no window): the wave is the cap
  v1::Block w = Rolling(0, 90);
  w.set_window_percent(5);
  RollingLimit zone(w, 150);
  CHECK(zone.window() == 8);   // 5% of 150 rounded up
  CHECK(zone.floor() == 135);  // 90% of 150 rounded up
  CHECK(zone.max_out() == 15);
  RollingLimit small(w, 5);  // 90% of 5 is 4.5: all 5 must stay
  CHECK(small.max_out() == 0);
  CHECK(small.Stuck());
  CHECK(small.Why() == "'keep 5 serving' of 5 items leaves no item to take out");
}

struct Item {
  int64_t start = -1, end = -1;
  bool failed = false;
};

// Runs a rolling block over n items, one task each; `fails` items fail (permanently),
// item i takes duration(i) ms. Fills `items` from the launches.
struct RollRun {
  Harness h;
  TableBuilder b{"roll"};
  int loop = -1;
  std::vector<Item> items;
  std::set<int> fails;
  std::function<int64_t(int)> duration = [](int i) { return 1'000 + (i * 37 % 11) * 300; };

  explicit RollRun(int n) : items(n) {
    loop = b.Begin(v1::ROLLING, "servers", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(n))}));
    b.Task("up", "noop", {}, loop);
    b.End(loop);
  }
  v1::Block* block() { return b.state(loop).mutable_block(); }
  Result<RunOutcome> Run() {
    h.script = [this](const Launch& l) {
      int i = std::stoi(l.ctx.task_id.substr(l.ctx.task_id.find('/') + 1));
      Item& it = items[i];
      it.start = h.clock.NowMs() - h.t0;
      it.end = it.start + duration(i);
      it.failed = fails.count(i) > 0;
      return it.failed ? Fails(Code::kPermanent, duration(i))
                       : Ok(Value::MakeRecord({}), duration(i));
    };
    return h.Start(b.Build());
  }
  // At instant t (after the completions due at t, as the scheduler sees it when it starts).
  int InFlight(int64_t t) const {
    int k = 0;
    for (const Item& it : items) k += it.start >= 0 && it.start <= t && it.end > t;
    return k;
  }
  int Out(int64_t t) const {
    int k = 0;
    for (const Item& it : items) k += it.start >= 0 && it.start <= t && (it.end > t || it.failed);
    return k;
  }
  template <typename F>
  int MaxAtStarts(F f) const {
    int m = 0;
    for (const Item& it : items) {
      if (it.start >= 0) m = std::max(m, f(it.start));
    }
    return m;
  }
  int Started() const {
    int k = 0;
    for (const Item& it : items) k += it.start >= 0;
    return k;
  }
};

TEST_CASE("rolling window N: exactly N in flight, a finished item's slot goes on at once") {
  RollRun r(20);
  r.block()->set_window(4);
  auto out = r.Run();
  REQUIRE(out.ok());
  CHECK(*out == RunOutcome::kSucceeded);
  CHECK(r.Started() == 20);
  CHECK(r.h.runner.max_in_flight() == 4);
  CHECK(r.MaxAtStarts([&](int64_t t) { return r.InFlight(t); }) == 4);
  // Sliding, not waves: every item after the first 4 starts the instant another ends,
  // and while items remain the window is always full.
  for (size_t i = 4; i < r.items.size(); ++i) {
    bool at_an_end = false;
    for (const Item& o : r.items) at_an_end |= o.end == r.items[i].start;
    CHECK(at_an_end);
    CHECK(r.InFlight(r.items[i].start) == 4);
  }
  CHECK(r.h.Count("wave.started") == 0);
}

TEST_CASE("rolling window P%: the window is P% of the items, rounded up") {
  RollRun r(30);
  r.block()->set_window_percent(10);  // 3
  auto out = r.Run();
  REQUIRE(out.ok());
  CHECK(*out == RunOutcome::kSucceeded);
  CHECK(r.h.runner.max_in_flight() == 3);
}

TEST_CASE("rolling keep: failed items count as out; out never exceeds len - floor") {
  RollRun r(20);
  r.block()->set_window(3);
  r.block()->set_has_keep(true);
  r.block()->set_keep_percent(80);  // floor 16: 4 out at most
  r.block()->set_has_tolerate(true);
  r.block()->set_tolerate(5);
  r.fails = {0, 5};
  auto out = r.Run();
  REQUIRE(out.ok());
  CHECK(*out == RunOutcome::kSucceeded);  // 2 failures, 5 tolerated
  CHECK(r.Started() == 20);
  CHECK(r.h.runner.max_in_flight() == 3);                          // the window
  CHECK(r.MaxAtStarts([&](int64_t t) { return r.Out(t); }) == 4);  // the floor binds
  for (const Item& it : r.items) CHECK(r.Out(it.start) <= 4);
  // After both failures only 2 may run at once.
  int64_t second_failure = std::max(r.items[0].end, r.items[5].end);
  for (const Item& it : r.items) {
    if (it.start >= second_failure) CHECK(r.InFlight(it.start) <= 2);
  }
}

TEST_CASE("rolling keep with waves: the floor splits a wave") {
  RollRun r(10);
  r.block()->set_batch(5);
  r.block()->set_has_keep(true);
  r.block()->set_keep(7);  // 3 out at most
  auto out = r.Run();
  REQUIRE(out.ok());
  CHECK(*out == RunOutcome::kSucceeded);
  CHECK(r.h.runner.max_in_flight() == 3);
  CHECK(r.h.Count("wave.started") == 2);
}

TEST_CASE("rolling keep: when failures reach the floor the block stops and says why") {
  RollRun r(10);
  r.block()->set_window(2);
  r.block()->set_has_keep(true);
  r.block()->set_keep_percent(80);  // 2 out at most
  r.block()->set_has_tolerate(true);
  r.block()->set_tolerate(5);
  r.fails = {0, 1};
  auto out = r.Run();
  REQUIRE(out.ok());
  CHECK(*out == RunOutcome::kFailed);
  CHECK(r.Started() == 2);  // nothing else is taken out
  std::string error = r.h.store->GetJob(r.h.job)->error;
  CHECK(error.find("2 of 10 items are out") != std::string::npos);
  CHECK(error.find("'keep 8 serving' allows 2 out") != std::string::npos);
  CHECK(error.find("8 items not started") != std::string::npos);
  CHECK(r.h.Count("capacity.floor") == 1);
}

TEST_CASE("rolling keep: a floor of every item takes nothing out") {
  RollRun r(5);
  r.block()->set_window_percent(5);
  r.block()->set_has_keep(true);
  r.block()->set_keep_percent(90);  // 4.5 rounds up to 5
  auto out = r.Run();
  REQUIRE(out.ok());
  CHECK(*out == RunOutcome::kFailed);
  CHECK(r.Started() == 0);
  CHECK(r.h.store->GetJob(r.h.job)->error.find("leaves no item to take out") != std::string::npos);
}

}  // namespace
}  // namespace dandori::engine
