// fleet.drain: asks a server to drain and watches its cameras leave.
//
// It judges stalls, not slowness: a drain whose cameras keep moving, however slowly, is
// progressing; it has *stalled* only when no camera has left for `stall`. A drain ends
// early for two reasons only, a stall or its own time limit (`timeout`, or the attempt's
// deadline, ctx.deadline_ms, coming near):
//   * at most `max_remaining` cameras left (0 by default: never): success, the stragglers
//     in `remaining`. The restart that follows drops them; that is what a plan accepts
//     with max_remaining > 0, and fleet.restart counts them (`dropped`).
//   * more left, `park: true`: success with `stalled: true`. The server stays out of the
//     registry, still draining; the plan must put it back (fleet.restore) and never
//     restart it. The output says why (`reason`) and which version it runs (`version`).
//   * more left, `park: false`: a kPermanent "drain stalled" error (a retry at once would
//     not change it; the wave's failure budget decides), the server left deregistered
//     and draining for fleet.restore / fleet.sweep.
// Retries stay useful for what is transient: a lost connection, or an engine that died
// mid-drain (the drain request is idempotent, so a rescued attempt picks the drain up
// again). Status polls that fail transiently are tolerated for up to `stall`.
// Status requests are long polls (`GET {admin}/status?wait=MS&until=drained`): the server
// answers when the drain ends, or after min(stall / 4, 5 s); a server that ignores
// `wait` answers at once and is asked again every `poll`.
#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/value.h"
#include "stdlib/fleet/conditional.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

// How long before the attempt's deadline a drain ends with its verdict, so it is not cut
// off by the engine's timeout without one.
constexpr int64_t kDeadlineMarginMs = 250;
// The longest a status request waits on the server (`?wait=`): progress is reported and a
// stall judged at least this often.
constexpr int64_t kMaxLongPollMs = 5000;

struct DrainStatus {
  std::string state;
  std::string version;
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
  if (j.contains("version") && j["version"].is_string()) s.version = j["version"];
  return s;
}

struct Verdict {
  int64_t remaining = 0, moved = 0, elapsed = 0;
  bool stalled = false;
  std::string version, reason;
};

Value Output(const Verdict& v) {
  return Value::MakeRecord({{"remaining", Value::Int(v.remaining)},
                            {"moved", Value::Int(v.moved)},
                            {"elapsed", Value::DurationMs(v.elapsed)},
                            {"stalled", Value::Bool(v.stalled)},
                            {"version", Value::String(v.version)},
                            {"reason", Value::String(v.reason)}});
}

}  // namespace

Result<Value> RunDrain(OperatorContext& ctx) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  const int64_t stall = std::max<int64_t>(DurationArg(ctx.args, "stall", 10 * 60 * 1000), 1);
  const int64_t poll = std::max<int64_t>(DurationArg(ctx.args, "poll", 2000), 10);
  const int64_t limit = DurationArg(ctx.args, "timeout", 0);  // 0: only the attempt's
  const Value* mr = ctx.args.Find("max_remaining");
  const int64_t max_remaining = mr && !mr->is_null() ? mr->as_int() : 0;
  const Value* pk = ctx.args.Find("park");
  const bool park = pk && pk->kind() == Value::Kind::kBool && pk->as_bool();
  const int64_t call_timeout = std::clamp<int64_t>(poll * 5, 2000, 30000);
  const std::string status_url = server->admin + "/status";
  const int64_t start = MonotonicMs();
  const int64_t own_end = limit > 0 ? start + limit : std::numeric_limits<int64_t>::max();

  // The drain is a conditional change (conditional.h): a drain request delivered late,
  // after the server was restarted and registered again, is refused by the server.
  HttpReply looked;
  auto look = [&]() -> Result<std::optional<HttpReply>> {
    auto st = HttpCall({"GET", status_url, "", "application/json", {}, call_timeout, ctx.cancel});
    if (!st.ok()) return st.status();
    looked = *st;
    auto parsed = ParseStatus(looked, status_url);
    if (!parsed.ok()) return parsed.status();
    if (parsed->state == "draining" || parsed->state == "drained") {
      return std::optional<HttpReply>();  // already draining: a rescued attempt goes on
    }
    return std::optional<HttpReply>(looked);
  };
  auto begun = ChangeIfCurrent(
      {"POST", server->admin + "/drain", "{}", "application/json", {}, call_timeout, ctx.cancel},
      look);
  if (!begun.ok()) return begun.status();
  auto first = ParseStatus(begun->has_value() ? **begun : looked, server->admin + "/drain");
  if (!first.ok()) return first.status();
  int64_t total = first->cameras;
  int64_t lowest = total;
  int64_t last_move = start;
  int64_t last_answer = start;
  DrainStatus now = *first;
  std::string version = now.version;
  ctx.Progress(0, total, "cameras");
  while (true) {
    const int64_t t = MonotonicMs();
    Verdict v{lowest, std::max<int64_t>(0, total - lowest), t - start, false, version, ""};
    if (now.state == "drained" || now.cameras == 0) {
      ctx.Progress(total, total, "cameras");
      v.remaining = 0;
      v.moved = total;
      return Output(v);
    }
    const bool stalled = t - last_move >= stall;
    const bool out_of_time = t >= own_end || MsLeft(ctx) <= poll + kDeadlineMarginMs;
    if (stalled || out_of_time) {
      if (lowest <= max_remaining) return Output(v);  // stragglers the plan accepts
      v.reason = stalled ? fmt::format(
                               "drain of {} stalled: no camera moved for {}; {} of {} "
                               "cameras remain (max_remaining {})",
                               server->id, FormatDuration(stall), lowest, total, max_remaining)
                         : fmt::format(
                               "drain of {} ran out of time after {} with {} of {} cameras "
                               "left, still moving (max_remaining {})",
                               server->id, FormatDuration(t - start), lowest, total, max_remaining);
      if (park) {
        v.stalled = true;  // parked: the plan puts it back in service, never restarts it
        return Output(v);
      }
      return Status::Permanent(v.reason + "; " + server->id +
                               " is left deregistered and draining: fleet.restore puts it back");
    }
    // A long poll: the server answers when the drain ends or `wait` has passed (a server
    // that does not wait answers at once, and the loop keeps to `poll` between asks).
    const int64_t wait =
        std::max<int64_t>(0, std::min({std::clamp<int64_t>(stall / 4, poll, kMaxLongPollMs),
                                       own_end - t, MsLeft(ctx) - poll - kDeadlineMarginMs}));
    const int64_t asked = MonotonicMs();
    auto reply = HttpCall({"GET",
                           fmt::format("{}?wait={}&until=drained", status_url, wait),
                           "",
                           "application/json",
                           {},
                           call_timeout + wait,
                           ctx.cancel});
    ctx.Heartbeat();
    if (const int64_t took = MonotonicMs() - asked; took < poll) {
      const bool finished = reply.ok() && reply->body.find("\"draining\"") == std::string::npos;
      if (!finished && SleepOrCancel(ctx, poll - took)) {
        return Status::Cancelled("drain of " + server->id + " cancelled");
      }
    }
    if (ctx.cancelled()) return Status::Cancelled("drain of " + server->id + " cancelled");
    if (!reply.ok()) {
      if (reply.status().code() != Code::kTransient) return reply.status();
      if (MonotonicMs() - last_answer >= stall) return reply.status();
      continue;
    }
    last_answer = MonotonicMs();
    auto parsed = ParseStatus(*reply, status_url);
    if (!parsed.ok()) return parsed.status();
    now = *parsed;
    if (!now.version.empty()) version = now.version;
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
