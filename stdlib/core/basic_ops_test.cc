#include "stdlib/core/basic_ops.h"

#include <catch2/catch.hpp>
#include <thread>

#include "base/clock.h"
#include "stdlib/core/core_ops.h"
#include "stdlib/core/op_test_util.h"

namespace dandori {
namespace {

using testing::BoundContext;

TEST_CASE("noop returns its value", "[core]") {
  auto ctx = BoundContext("noop", {{"value", Value::Int(7)}});
  auto r = RunNoop(ctx);
  REQUIRE(r.ok());
  CHECK(r->Get("value") == Value::Int(7));
  auto empty = BoundContext("noop", {});
  CHECK(RunNoop(empty)->Get("value").is_null());
}

TEST_CASE("sleep waits and beats the heart", "[core]") {
  auto ctx = BoundContext("sleep", {{"duration", Value::DurationMs(60)}});
  CancelToken cancel;
  ctx.cancel = &cancel;
  int beats = 0;
  ctx.heartbeat = [&] { ++beats; };
  int64_t start = MonotonicMs();
  auto r = RunSleep(ctx);
  REQUIRE(r.ok());
  CHECK(MonotonicMs() - start >= 60);
  CHECK(r->Get("slept") == Value::DurationMs(60));
  CHECK(beats >= 1);
}

TEST_CASE("sleep stops when cancelled", "[core]") {
  auto ctx = BoundContext("sleep", {{"duration", Value::DurationMs(10000)}});
  CancelToken cancel;
  ctx.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel.Cancel();
  });
  int64_t start = MonotonicMs();
  auto r = RunSleep(ctx);
  canceller.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCancelled);
  CHECK(r.status().message().find("sleep cancelled after") == 0);
  CHECK(MonotonicMs() - start < 2000);
}

TEST_CASE("fail fails with its class", "[core]") {
  auto ctx = BoundContext("fail", {});
  auto r = RunFail(ctx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kPermanent);
  CHECK(r.status().message() == "failed on purpose");
  auto t =
      BoundContext("fail", {{"class", Value::String("timeout")}, {"message", Value::String("x")}});
  CHECK(RunFail(t).status().code() == Code::kTimeout);
}

TEST_CASE("fail with times: retried then succeeded", "[core]") {
  auto ctx =
      BoundContext("fail", {{"class", Value::String("transient")}, {"times", Value::Int(2)}});
  ctx.attempt = 1;
  CHECK(RunFail(ctx).status().code() == Code::kTransient);
  ctx.attempt = 2;
  auto second = RunFail(ctx);
  CHECK(second.status().code() == Code::kTransient);
  CHECK(second.status().message() == "failed on purpose (attempt 2 of the 2 that fail)");
  ctx.attempt = 3;
  auto third = RunFail(ctx);
  REQUIRE(third.ok());
  CHECK(*third == Value::MakeRecord({}));
}

TEST_CASE("RegisterCoreOperators registers the family", "[core]") {
  OperatorRegistry reg;
  RegisterCoreOperators(&reg);
  for (const char* name : {"exec", "sleep", "noop", "fail", "http.request", "notify.webhook"}) {
    INFO(name);
    CHECK(reg.Has(name));
  }
  auto ctx = BoundContext("noop", {{"value", Value::String("via registry")}});
  auto r = reg.Find("noop")->Run(ctx);
  REQUIRE(r.ok());
  CHECK(r->Get("value") == Value::String("via registry"));
}

}  // namespace
}  // namespace dandori
