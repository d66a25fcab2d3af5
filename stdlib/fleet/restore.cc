// fleet.restore and fleet.sweep: putting servers back in service.
//
// fleet.restore(server, version?) puts one server back: a drain is called off
// (`POST {admin}/undrain`), a server that is stopped, unhealthy or on another version
// than the one to keep is restarted on it (`version`, else the `previous_version` its
// status reports when it runs the new one), and it is registered again. It never
// restarts a server with cameras attached. A server it cannot bring back is an error
// naming it OUT OF SERVICE (kPermanent; kTransient while it cannot be reached).
//
// fleet.sweep(servers | zones, version) runs after a zone's rolling (or in `on
// failure`): every server not in service (deregistered, draining, stopped, unhealthy) is
// restored as above; the output counts servers upgraded and lists every server not
// upgraded with its reason. It fails when a server stays out of service, and, when
// `strict` (the default), when any server is not upgraded — the message lists them all,
// so the job's error names every server the deploy missed, not only the first failure.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "stdlib/fleet/conditional.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

constexpr int64_t kCallTimeoutMs = 10000;
constexpr int64_t kRestartWaitMs = 5 * 60 * 1000;

struct Seen {
  std::string state, version, previous;
  std::string revision;  // of its status (ETag): the changes below name it
  int64_t cameras = 0;
  bool registered = false, healthy = true;
  std::string Describe() const {
    return fmt::format("{}{}, {} cameras, on {}", state, registered ? "" : " and deregistered",
                       cameras, version.empty() ? "?" : version);
  }
};

Result<Seen> Look(OperatorContext& ctx, const ServerRef& s) {
  auto st = HttpCall(
      {"GET", s.admin + "/status", "", "application/json", {}, kCallTimeoutMs, ctx.cancel});
  if (!st.ok()) return st.status();
  auto j = nlohmann::json::parse(st->body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("state")) {
    return Status::Permanent(s.admin + "/status: not a status answer: " + st->body.substr(0, 200));
  }
  Seen seen;
  seen.revision = st->etag;
  seen.state = j.value("state", "");
  seen.cameras =
      j.contains("cameras") && j["cameras"].is_number() ? j["cameras"].get<int64_t>() : 0;
  seen.version = j.contains("version") && j["version"].is_string() ? j["version"] : "";
  seen.previous = j.contains("previous_version") && j["previous_version"].is_string()
                      ? j["previous_version"]
                      : "";
  seen.healthy = !j.contains("healthy") || j["healthy"] != false;
  auto reg = HttpCall({"GET",
                       s.registry + "/servers/" + s.id,
                       "",
                       "application/json",
                       {},
                       kCallTimeoutMs,
                       ctx.cancel});
  if (reg.ok()) {
    seen.registered = true;
  } else if (reg.status().code() == Code::kPermanent &&
             reg.status().message().find("HTTP 404") != std::string::npos) {
    seen.registered = false;
  } else if (j.contains("registered") && j["registered"].is_boolean()) {
    seen.registered = j["registered"];  // a registry without GET: the server's own view
  } else {
    return reg.status();
  }
  return seen;
}

bool InService(const Seen& s) { return s.registered && s.state == "serving" && s.healthy; }

Status WaitServing(OperatorContext& ctx, const ServerRef& s, const std::string& version) {
  const int64_t start = MonotonicMs();
  int64_t poll = 10;
  while (MonotonicMs() - start < kRestartWaitMs) {
    if (SleepOrCancel(ctx, poll)) return Status::Cancelled("restore of " + s.id + " cancelled");
    poll = std::min<int64_t>(poll * 2, 1000);
    ctx.Heartbeat();
    auto seen = Look(ctx, s);
    if (!seen.ok() && seen.status().code() != Code::kTransient) return seen.status();
    if (!seen.ok()) continue;
    if (seen->state == "serving" && seen->version == version) {
      if (!seen->healthy) return Status::Permanent("it came back unhealthy on " + version);
      return Status::Ok();
    }
  }
  return Status::Timeout(fmt::format("it did not come back serving {} within {}", version,
                                     FormatDuration(kRestartWaitMs)));
}

// Puts `s` back in service on `keep` (empty: the version to keep is the one it runs, or
// its previous version when it runs `upgrade`). Returns what it did.
Result<std::string> RestoreOne(OperatorContext& ctx, const ServerRef& s, const Seen& seen,
                               const std::string& keep, const std::string& upgrade) {
  std::vector<std::string> done;
  auto fail = [&](const std::string& why) {
    return Status::Permanent(
        fmt::format("{} is OUT OF SERVICE ({}): {}", s.id, seen.Describe(), why));
  };
  // A refused change: out of service when permanent; a 412 (the server changed since it
  // was looked at: another request got there first) is transient, a retry looks again.
  auto Refused = [&](const Status& st) -> Status {
    if (IsHttpStatus(st, 412)) return Status::Transient(st.message());
    return st.code() == Code::kPermanent ? fail(st.message()) : st;
  };
  std::string revision = seen.revision;
  if (seen.state == "draining" || seen.state == "drained") {
    HttpRequest undrain{"POST", s.admin + "/undrain", "{}",      "application/json",
                        {},     kCallTimeoutMs,       ctx.cancel};
    undrain.if_match = revision;
    auto r = HttpCall(undrain);
    if (!r.ok()) return Refused(r.status());
    revision = r->etag;
    done.push_back("drain called off");
  }
  std::string want = keep;
  if (want.empty())
    want = !upgrade.empty() && seen.version == upgrade ? seen.previous : seen.version;
  bool needs_restart = seen.state == "stopped" || !seen.healthy || seen.version != want;
  if (needs_restart) {
    if (want.empty())
      return fail("no version to roll back to (its status names no previous_version)");
    if (seen.cameras > 0)
      return fail(fmt::format("{} cameras attached; not restarting it", seen.cameras));
    nlohmann::json body = {{"version", want}};
    HttpRequest restart{"POST", s.admin + "/restart", body.dump(), "application/json",
                        {},     kCallTimeoutMs,       ctx.cancel};
    restart.if_match = revision;
    auto r = HttpCall(restart);
    if (!r.ok()) return Refused(r.status());
    Status back = WaitServing(ctx, s, want);
    if (back.code() == Code::kCancelled) return back;
    if (!back.ok()) return fail("restarted on " + want + ", but " + back.message());
    done.push_back("restarted on " + want);
  }
  if (!seen.registered) {
    auto r = SetRegistration(ctx, s, true);
    if (!r.ok()) return Refused(r.status());
    done.push_back("registered");
  }
  std::string text = done.empty() ? "nothing to do" : "";
  for (size_t i = 0; i < done.size(); ++i) text += (i ? ", " : "") + done[i];
  return fmt::format("{}: serving on {}", text, want);
}

std::string StringArg(const Value& args, const char* name) {
  const Value* v = args.Find(name);
  return v && v->kind() == Value::Kind::kString ? v->as_string() : "";
}

// The servers of `servers` and of every zone in `zones`, in order.
std::vector<const Value*> SweepServers(const Value& args) {
  std::vector<const Value*> out;
  const Value* list = args.Find("servers");
  if (list && list->kind() == Value::Kind::kList) {
    for (const Value& v : list->list()) out.push_back(&v);
  }
  const Value* zones = args.Find("zones");
  if (zones && zones->kind() == Value::Kind::kList) {
    for (const Value& z : zones->list()) {
      const Value* ss = z.Find("servers");
      if (!ss || ss->kind() != Value::Kind::kList) continue;
      for (const Value& v : ss->list()) out.push_back(&v);
    }
  }
  return out;
}

}  // namespace

Result<Value> RunRestore(OperatorContext& ctx) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  auto seen = Look(ctx, *server);
  if (!seen.ok()) return seen.status();
  auto did = RestoreOne(ctx, *server, *seen, StringArg(ctx.args, "version"), "");
  if (!did.ok()) return did.status();
  return Value::MakeRecord({{"server", Value::String(server->id)},
                            {"was", Value::String(seen->Describe())},
                            {"action", Value::String(*did)}});
}

Result<Value> RunSweep(OperatorContext& ctx) {
  const std::string version = StringArg(ctx.args, "version");
  if (version.empty()) return Status::Permanent("fleet.sweep needs the version of the upgrade");
  const Value* st = ctx.args.Find("strict");
  const bool strict = !st || st->kind() != Value::Kind::kBool || st->as_bool();
  std::vector<const Value*> servers = SweepServers(ctx.args);
  int64_t upgraded = 0, restored = 0, out_of_service = 0;
  std::vector<Value> missed;
  std::vector<std::string> lines;
  for (size_t i = 0; i < servers.size(); ++i) {
    ctx.Progress(static_cast<int64_t>(i), static_cast<int64_t>(servers.size()), "servers");
    auto ref = ServerArg(Value::MakeRecord({{"server", *servers[i]}}));
    if (!ref.ok()) return ref.status();
    auto seen = Look(ctx, *ref);
    std::string reason;
    if (!seen.ok()) {
      if (seen.status().code() == Code::kCancelled) return seen.status();
      ++out_of_service;
      reason = "OUT OF SERVICE: cannot be reached: " + seen.status().message();
    } else if (InService(*seen) && seen->version == version) {
      ++upgraded;
      continue;
    } else if (InService(*seen)) {
      reason = "in service on " + seen->version + ", never taken out (its step failed before)";
    } else {
      auto did = RestoreOne(ctx, *ref, *seen, "", version);
      if (did.ok()) {
        ++restored;
        reason = "was " + seen->Describe() + "; restored: " + *did;
      } else if (did.status().code() == Code::kCancelled) {
        return did.status();
      } else {
        ++out_of_service;
        reason = did.status().message();
      }
    }
    missed.push_back(Value::MakeRecord({{"server", Value::String(ref->id)},
                                        {"version", Value::String(seen.ok() ? seen->version : "")},
                                        {"reason", Value::String(reason)}}));
    lines.push_back(ref->id + " (" + reason + ")");
  }
  ctx.Progress(static_cast<int64_t>(servers.size()), static_cast<int64_t>(servers.size()),
               "servers");
  if (out_of_service > 0 || (strict && !lines.empty())) {
    std::string text = fmt::format(
        "{} of {} servers not upgraded to {} ({} restored, {} out of service): ", lines.size(),
        servers.size(), version, restored, out_of_service);
    for (size_t i = 0; i < lines.size(); ++i) text += (i ? "; " : "") + lines[i];
    return Status::Permanent(text);
  }
  return Value::MakeRecord({{"servers", Value::Int(static_cast<int64_t>(servers.size()))},
                            {"upgraded", Value::Int(upgraded)},
                            {"restored", Value::Int(restored)},
                            {"out_of_service", Value::Int(out_of_service)},
                            {"not_upgraded", Value::MakeList(std::move(missed))}});
}

}  // namespace dandori::fleet
