// fleet.drain: asks a server to drain and watches its cameras leave.
//
// It judges stalls, not slowness: the drain fails only when no camera has left for
// `stall`. That failure is kPermanent: the cameras could not leave (stuck, or no room left
// in the zone), asking again at once will not change it, so a retry policy does not
// repeat it and the wave's failure budget decides. Retries stay useful for what is
// transient: a lost connection, or an engine that died mid-drain (the drain request is
// idempotent, so a rescued attempt simply picks the drain up again). When at most
// `max_remaining` cameras remain, a stall, or the attempt's deadline coming near
// (ctx.deadline_ms, the stage `timeout`), ends the drain successfully, the stragglers
// reported in `remaining`; at the deadline with more left it fails with kTimeout. Status
// polls that fail transiently are tolerated for up to `stall`; a 4xx fails at once.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

// How long before the attempt's deadline a drain with few enough stragglers finishes.
constexpr int64_t kDeadlineMarginMs = 250;

struct DrainStatus {
  std::string state;
  int64_t cameras = 0;
};

Result<DrainStatus> ParseStatus(const HttpReply& reply, const std::string& url) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("cameras") || !j["cameras"].is_number()) {
    return Status::Permanent(fmt::format("{}: answer is not {{\"state\", \"cameras\"}}: {}", url,
                                         reply.body.substr(0, 200)));
  }
  DrainStatus s;
  s.state = j.value("state", "");
  s.cameras = j["cameras"].get<int64_t>();
  return s;
}

Value Output(int64_t remaining, int64_t moved, int64_t elapsed) {
  return Value::MakeRecord({{"remaining", Value::Int(remaining)},
                            {"moved", Value::Int(moved)},
                            {"elapsed", Value::DurationMs(elapsed)}});
}

}  // namespace

Result<Value> RunDrain(OperatorContext& ctx) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  const int64_t stall = DurationArg(ctx.args, "stall", 10 * 60 * 1000);
  const int64_t poll = std::max<int64_t>(DurationArg(ctx.args, "poll", 2000), 10);
  const Value* mr = ctx.args.Find("max_remaining");
  const int64_t max_remaining = mr && !mr->is_null() ? mr->as_int() : 0;
  const int64_t call_timeout = std::clamp<int64_t>(poll * 5, 2000, 30000);
  const std::string status_url = server->admin + "/status";
  const int64_t start = MonotonicMs();

  auto begun = HttpCall(
      {"POST", server->admin + "/drain", "{}", "application/json", {}, call_timeout, ctx.cancel});
  if (!begun.ok()) return begun.status();
  auto first = ParseStatus(*begun, server->admin + "/drain");
  if (!first.ok()) return first.status();
  int64_t total = first->cameras;
  int64_t lowest = total;
  int64_t last_move = start;
  int64_t last_answer = start;
  DrainStatus now = *first;
  ctx.Progress(0, total, "cameras");
  while (true) {
    if (now.state == "drained" || now.cameras == 0) {
      ctx.Progress(total, total, "cameras");
      return Output(0, total, MonotonicMs() - start);
    }
    int64_t t = MonotonicMs();
    int64_t moved = std::max<int64_t>(0, total - lowest);
    if (t - last_move >= stall) {
      if (lowest <= max_remaining) return Output(lowest, moved, t - start);
      return Status::Permanent(fmt::format(
          "drain of {} stalled: no camera moved for {} ms; {} of {} remain (max_remaining {})",
          server->id, stall, lowest, total, max_remaining));
    }
    if (MsLeft(ctx) <= poll + kDeadlineMarginMs && lowest <= max_remaining) {
      return Output(lowest, moved, t - start);  // stragglers at the deadline
    }
    if (SleepOrCancel(ctx, poll)) return Status::Cancelled("drain of " + server->id + " cancelled");
    ctx.Heartbeat();
    auto reply =
        HttpCall({"GET", status_url, "", "application/json", {}, call_timeout, ctx.cancel});
    if (!reply.ok()) {
      if (reply.status().code() != Code::kTransient) return reply.status();
      if (MonotonicMs() - last_answer >= stall) return reply.status();
      continue;
    }
    last_answer = MonotonicMs();
    auto parsed = ParseStatus(*reply, status_url);
    if (!parsed.ok()) return parsed.status();
    now = *parsed;
    if (now.state == "serving" || now.state == "stopped") {
      return Status::Permanent(
          fmt::format("drain of {}: the server went {} while draining", server->id, now.state));
    }
    if (now.cameras < lowest) {
      lowest = now.cameras;
      last_move = last_answer;
    }
    total = std::max(total, now.cameras);
    ctx.Progress(total - lowest, total, "cameras");
  }
}

}  // namespace dandori::fleet
