// fleet.health: passes when an expression holds on a server's metrics `consecutive`
// times in a row, `interval` apart, so a flapping metric never passes.
//
// Without `prometheus`, it scrapes the server's metrics URL and evaluates a
// metric_expr.h expression. With `prometheus: "http://prom:9090"`, `expr` is PromQL sent
// to /api/v1/query; it holds when the result is a non-empty vector (the usual alerting
// reading: comparisons filter) or a non-zero scalar. A failed scrape counts as a failed
// check (it resets the streak), since a restarting server is expected to be down for a
// while. It keeps checking until it passes, is cancelled, or its time is up: `timeout`
// (the plan's health_timeout) or the attempt's deadline, whichever comes first (kTimeout,
// with the last values seen).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/fleet/metric_expr.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

// Fail with the last values seen this long before the attempt's deadline, rather than be
// cut off by the engine's timeout with no explanation.
constexpr int64_t kDeadlineMarginMs = 100;

// One PromQL check: true/false, or an error (bad query: permanent).
Result<bool> PromQuery(const std::string& base, const std::string& query, int64_t timeout,
                       std::string* seen) {
  std::string url = base;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/query?query=" + UrlEncode(query);
  auto reply = HttpCall({"GET", url, "", "application/json", {}, timeout});
  if (!reply.ok()) return reply.status();
  auto j = nlohmann::json::parse(reply->body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success" || !j.contains("data")) {
    return Status::Permanent("prometheus answer is not a query result: " +
                             reply->body.substr(0, 200));
  }
  const auto& data = j["data"];
  std::string type = data.value("resultType", "");
  const auto& result = data["result"];
  if (type == "vector" || type == "matrix") {
    *seen = fmt::format("{} series", result.size());
    return !result.empty();
  }
  if (type == "scalar" && result.is_array() && result.size() == 2) {
    std::string v = result[1].get<std::string>();
    *seen = "scalar " + v;
    return v != "0" && v != "NaN";
  }
  return Status::Permanent("prometheus result type '" + type + "' is not a vector or scalar");
}

}  // namespace

Result<Value> RunHealth(OperatorContext& ctx) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  const Value* e = ctx.args.Find("expr");
  if (!e || e->kind() != Value::Kind::kString) return Status::Permanent("fleet.health needs expr");
  const std::string text = e->as_string();
  const Value* p = ctx.args.Find("prometheus");
  const std::string prometheus = p && p->kind() == Value::Kind::kString ? p->as_string() : "";
  const int64_t interval = std::max<int64_t>(DurationArg(ctx.args, "interval", 2000), 10);
  const Value* c = ctx.args.Find("consecutive");
  const int64_t need = std::max<int64_t>(c && !c->is_null() ? c->as_int() : 3, 1);
  const int64_t call_timeout = std::clamp<int64_t>(interval * 5, 2000, 30000);
  const int64_t limit = DurationArg(ctx.args, "timeout", 0);
  const int64_t start = MonotonicMs();
  auto left = [&] {
    int64_t own = limit > 0 ? limit - (MonotonicMs() - start) : MsLeft(ctx);
    return std::min(own, MsLeft(ctx));
  };

  std::optional<MetricExpr> expr;
  if (prometheus.empty()) {
    auto parsed = MetricExpr::Parse(text);
    if (!parsed.ok()) return parsed.status();
    expr = std::move(*parsed);
  }
  int64_t checks = 0, streak = 0;
  std::string seen = "no check yet";
  while (true) {
    ++checks;
    bool holds = false;
    if (prometheus.empty()) {
      auto reply =
          HttpCall({"GET", server->metrics, "", "text/plain", {}, call_timeout, ctx.cancel});
      if (reply.ok()) {
        auto samples = ParseMetricsText(reply->body);
        holds = expr->Holds(samples);
        seen = expr->Explain(samples);
      } else if (reply.status().code() == Code::kPermanent) {
        return reply.status();
      } else {
        seen = reply.status().message();
      }
    } else {
      auto r = PromQuery(prometheus, text, call_timeout, &seen);
      if (!r.ok() && r.status().code() == Code::kPermanent) return r.status();
      if (!r.ok()) seen = r.status().message();
      holds = r.ok() && *r;
    }
    streak = holds ? streak + 1 : 0;
    ctx.Progress(streak, need, "checks");
    if (streak >= need) {
      return Value::MakeRecord({{"ok", Value::Bool(true)}, {"checks", Value::Int(checks)}});
    }
    if (left() <= interval + kDeadlineMarginMs) {
      return Status::Timeout(
          fmt::format("health of {}: '{}' did not hold {} times in a row ({} checks; last: {})",
                      server->id, text, need, checks, seen));
    }
    if (SleepOrCancel(ctx, interval))
      return Status::Cancelled("health of " + server->id + " cancelled");
  }
}

}  // namespace dandori::fleet
