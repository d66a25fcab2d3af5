#include "stdlib/fleet/conditional.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/value.h"

namespace dandori::fleet {
namespace {

constexpr int kRounds = 5;
constexpr int64_t kRegistryTimeoutMs = 10000;

}  // namespace

Result<std::optional<HttpReply>> ChangeIfCurrent(HttpRequest change, const LookFn& look) {
  for (int round = 0; round < kRounds; ++round) {
    auto seen = look();
    if (!seen.ok()) return seen.status();
    if (!seen->has_value()) return std::optional<HttpReply>();
    change.if_match = (*seen)->etag;
    auto r = HttpCall(change);
    if (r.ok()) return std::optional<HttpReply>(std::move(*r));
    if (!IsHttpStatus(r.status(), 412)) return r.status();
    // It changed between our look and our change (or our change is the stale one): look again.
  }
  return Status::Transient(fmt::format("{} {}: the target kept changing ({} rounds of 412)",
                                       change.method, change.url, kRounds));
}

Result<bool> SetRegistration(OperatorContext& ctx, const ServerRef& server, bool on) {
  if (server.registry.empty()) {
    return Status::Permanent("server " + server.id + " has no registry URL");
  }
  const std::string url = server.registry + "/servers/" + UrlEscape(server.id);
  const int64_t timeout = std::clamp<int64_t>(MsLeft(ctx), 1, kRegistryTimeoutMs);
  HttpRequest change{on ? "PUT" : "DELETE", url, "", "application/json", {}, timeout, ctx.cancel};
  if (on) {
    change.body = Value::MakeRecord({{"id", Value::String(server.id)},
                                     {"zone", Value::String(server.zone)},
                                     {"admin", Value::String(server.admin)}})
                      .ToJson();
  }
  auto look = [&]() -> Result<std::optional<HttpReply>> {
    auto r = HttpExchange({"GET", url, "", "application/json", {}, timeout, ctx.cancel});
    if (!r.ok()) return r.status();
    if (r->status == 200 || r->status == 404) {
      if ((r->status == 200) == on) return std::optional<HttpReply>();  // already so
      return std::optional<HttpReply>(std::move(*r));
    }
    if (r->status >= 500 || r->status == 429 || r->status == 408) {
      return Status::Transient(fmt::format("GET {}: HTTP {}", url, r->status));
    }
    return std::optional<HttpReply>(HttpReply{});  // no GET here: a plain change
  };
  auto r = ChangeIfCurrent(change, look);
  if (!r.ok()) {
    // Deregistering something the registry does not know is done, not an error.
    if (!on && IsHttpStatus(r.status(), 404) && r.status().code() == Code::kPermanent) {
      return false;
    }
    return r.status();
  }
  return r->has_value();
}

}  // namespace dandori::fleet
