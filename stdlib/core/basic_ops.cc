#include "stdlib/core/basic_ops.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"

namespace dandori {

Result<Value> RunSleep(OperatorContext& ctx) {
  const int64_t total = std::max<int64_t>(0, ctx.args.Get("duration").duration_ms());
  const int64_t start = MonotonicMs();
  // Waits in slices of at most a second, beating the heart between them.
  for (int64_t left = total; left > 0; left = total - (MonotonicMs() - start)) {
    const auto slice = std::chrono::milliseconds(std::min<int64_t>(left, 1000));
    if (ctx.cancel) {
      if (ctx.cancel->WaitFor(slice)) break;
    } else {
      std::this_thread::sleep_for(slice);
    }
    ctx.Heartbeat();
  }
  const int64_t slept = std::min(total, MonotonicMs() - start);
  if (ctx.cancelled()) {
    return Status::Cancelled(fmt::format("sleep cancelled after {} of {}", FormatDuration(slept),
                                         FormatDuration(total)));
  }
  return Value::MakeRecord({{"slept", Value::DurationMs(total)}});
}

Result<Value> RunNoop(OperatorContext& ctx) {
  return Value::MakeRecord({{"value", ctx.args.Get("value")}});
}

Result<Value> RunFail(OperatorContext& ctx) {
  const int64_t times = ctx.args.Find("times") ? ctx.args.Get("times").as_int() : -1;
  if (times >= 0 && ctx.attempt > times) return Value::MakeRecord({});
  Value msg_v = ctx.args.Get("message");
  std::string message =
      msg_v.kind() == Value::Kind::kString ? msg_v.as_string() : std::string("failed on purpose");
  if (times >= 0) message += fmt::format(" (attempt {} of the {} that fail)", ctx.attempt, times);
  Value cls = ctx.args.Get("class");
  const std::string c = cls.kind() == Value::Kind::kString ? cls.as_string() : "permanent";
  if (c == "transient") return Status::Transient(message);
  if (c == "timeout") return Status::Timeout(message);
  if (c == "cancelled") return Status::Cancelled(message);
  return Status::Permanent(message);
}

}  // namespace dandori
