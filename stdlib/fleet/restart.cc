// fleet.restart: restarts a server on a version and waits until it answers again.
//
// Safe by default: it never restarts a server with more than `max_drop` cameras still
// attached (0 unless the plan accepts stragglers: it passes drain.remaining); it fails
// kPermanent instead, touching nothing. Cameras it does drop are counted in `dropped`.
// Idempotent by version unless `force`: a server already serving `version` is not
// restarted again (a retried or resumed attempt does not bounce a finished server).
// Inside a retried group (restart + health), `force: true` makes a second group attempt
// restart again: the health check that failed the first one saw a server serving on
// `version`, just not healthily. The restart is `POST {admin}/restart {"version": V}`, or
// the argv from the arguments or the inventory (`restart_argv`, placeholders {id} {zone}
// {host} {version}; exit 0 ok, 75 transient, other codes permanent). Then it polls
// `{admin}/status` until the state is serving on `version`, for up to `wait` (kTimeout
// after that): long polls (`?wait=MS&until=serving&version=V`, at most 5 s each) where
// the server supports them, else polls every 10 ms growing to 1 s.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/subprocess.h"
#include "stdlib/fleet/conditional.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

constexpr int64_t kCallTimeoutMs = 10000;
// Status polls start fast and slow down to a tenth of the time waited so far (so the
// overshoot stays near 10%): a simulated restart takes milliseconds, a real one tens of
// seconds.
constexpr int64_t kFirstPollMs = 10;
constexpr int64_t kMaxPollMs = 1000;
constexpr int64_t kMaxLongPollMs = 5000;  // the longest a status request waits on the server

// True when the status answer says serving on `version` (a status without a version
// field counts as on it).
bool ServingOn(const HttpReply& reply, const std::string& version) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  if (j.value("state", "") != "serving") return false;
  return !j.contains("version") || j["version"] == version;
}

// Cameras the status answer reports attached (0 when it does not say).
int64_t Attached(const HttpReply& reply) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("cameras")) return 0;
  return j["cameras"].is_number() ? j["cameras"].get<int64_t>() : 0;
}

Status RunArgv(OperatorContext& ctx, const std::vector<std::string>& argv, int64_t wait) {
  SubprocessOptions opts;
  opts.argv = argv;
  opts.timeout_ms = wait;
  opts.cancel = ctx.cancel;
  opts.stderr_path = ctx.scratch_dir.empty() ? "" : ctx.Scratch() + "/restart.stderr";
  auto r = RunSubprocess(opts);
  if (!r.ok()) return Status::Permanent("restart command: " + r.status().message());
  if (r->cancelled) return Status::Cancelled("restart cancelled");
  if (r->timed_out) return Status::Timeout(fmt::format("restart command ran past {} ms", wait));
  if (r->exit_code == 0) return Status::Ok();
  std::string msg = fmt::format("restart command {} exited {}: {}", argv[0], r->exit_code,
                                opts.stderr_path.empty() ? "" : TailOfFile(opts.stderr_path, 500));
  return r->exit_code == 75 ? Status::Transient(msg) : Status::Permanent(msg);
}

}  // namespace

Result<Value> RunRestart(OperatorContext& ctx) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  const Value* v = ctx.args.Find("version");
  if (!v || v->kind() != Value::Kind::kString || v->as_string().empty()) {
    return Status::Permanent("fleet.restart needs a version");
  }
  const std::string version = v->as_string();
  const int64_t wait = DurationArg(ctx.args, "wait", 5 * 60 * 1000);
  const Value* f = ctx.args.Find("force");
  const bool force = f && f->kind() == Value::Kind::kBool && f->as_bool();
  const Value* md = ctx.args.Find("max_drop");
  const int64_t max_drop = md && md->kind() == Value::Kind::kInt ? md->as_int() : 0;
  const std::string status_url = server->admin + "/status";
  const int64_t start = MonotonicMs();
  int64_t dropped = 0;
  bool restarted = false;
  auto done = [&] {
    return Value::MakeRecord({{"version", Value::String(version)},
                              {"elapsed", Value::DurationMs(MonotonicMs() - start)},
                              {"dropped", Value::Int(dropped)},
                              {"restarted", Value::Bool(restarted)}});
  };

  std::vector<std::string> argv = StringList(ctx.args.Find("argv"));
  if (argv.empty()) argv = server->restart_argv;
  // Reads the status and decides; the HTTP restart names the revision it read
  // (conditional.h), so a restart request delivered late, after this one's server came
  // back and was registered, is refused by the server instead of bouncing it.
  bool already = false;
  auto look = [&]() -> Result<std::optional<HttpReply>> {
    auto before =
        HttpCall({"GET", status_url, "", "application/json", {}, kCallTimeoutMs, ctx.cancel});
    if (!before.ok() && before.status().code() == Code::kCancelled) return before.status();
    if (before.ok() && !force && ServingOn(*before, version)) {
      already = true;
      return std::optional<HttpReply>();
    }
    if (before.ok()) {
      const int64_t attached = Attached(*before);
      if (attached > max_drop) {
        return Status::Permanent(fmt::format(
            "restart of {} refused: {} cameras still attached (max_drop {}); a restart now "
            "would drop them",
            server->id, attached, max_drop));
      }
      dropped = attached;
      return std::optional<HttpReply>(std::move(*before));
    }
    // No status: over HTTP the restart would fail the same way; an argv (ssh) restart may
    // still reach a host whose process is down, and a process that is down has no cameras.
    if (argv.empty()) return before.status();
    return std::optional<HttpReply>(HttpReply{});
  };
  if (!argv.empty()) {
    auto seen = look();
    if (!seen.ok()) return seen.status();
    if (already) return done();
    restarted = true;
    auto sub = SubstituteArgv(argv, {{"id", server->id},
                                     {"zone", server->zone},
                                     {"host", UrlHost(server->admin)},
                                     {"version", version}});
    if (!sub.ok()) return sub.status();
    argv = std::move(*sub);
    DANDORI_RETURN_IF_ERROR(RunArgv(ctx, argv, wait));
  } else {
    nlohmann::json body = {{"version", version}};
    auto r = ChangeIfCurrent({"POST",
                              server->admin + "/restart",
                              body.dump(),
                              "application/json",
                              {},
                              kCallTimeoutMs,
                              ctx.cancel},
                             look);
    if (!r.ok()) return r.status();
    if (already) return done();
    restarted = true;
  }
  std::string last = "no answer yet";
  int64_t poll = kFirstPollMs;
  while (MonotonicMs() - start < wait) {
    poll = std::clamp<int64_t>((MonotonicMs() - start) / 10, kFirstPollMs, kMaxPollMs);
    // A long poll: the server answers once it serves `version`, or after `lp`; one that
    // ignores `wait` answers at once and is asked again after `poll`.
    const int64_t lp = std::clamp<int64_t>(wait - (MonotonicMs() - start), 0, kMaxLongPollMs);
    const int64_t asked = MonotonicMs();
    auto reply = HttpCall(
        {"GET",
         fmt::format("{}?wait={}&until=serving&version={}", status_url, lp, UrlEncode(version)),
         "",
         "application/json",
         {},
         kCallTimeoutMs + lp,
         ctx.cancel});
    ctx.Heartbeat();
    if (ctx.cancelled()) return Status::Cancelled("restart of " + server->id + " cancelled");
    if (reply.ok() && ServingOn(*reply, version)) return done();
    if (const int64_t took = MonotonicMs() - asked; took < poll && SleepOrCancel(ctx, poll - took))
      return Status::Cancelled("restart of " + server->id + " cancelled");
    if (!reply.ok()) {
      if (reply.status().code() == Code::kPermanent) return reply.status();
      last = reply.status().message();
      continue;
    }
    if (ServingOn(*reply, version)) return done();
    last = reply->body.substr(0, 200);
  }
  return Status::Timeout(
      fmt::format("{} did not come back serving version {} within {} ms (last: {})", server->id,
                  version, wait, last));
}

}  // namespace dandori::fleet
