// Policies (retry / backoff / timeout / heartbeat / tolerate / pool) of stages, groups,
// loops, `defaults` and the workflow: where each item is allowed, the ranges of counts
// and durations, retry classes against what the operator can raise. A value is a
// constant, range-checked here, or an expression over parameters and constants
// (`timeout drain_timeout`), type-checked here and range-checked by the engine when a
// job starts (engine/policy_bind.h).
#include <fmt/format.h>

#include "base/suggest.h"
#include "compiler/checker.h"

namespace dandori::compiler {
namespace {

bool Raises(const OperatorSignature& sig, Code c) {
  for (Code r : sig.raises) {
    if (r == c) return true;
  }
  return false;
}

const char* PlaceName(PolicyPlace p) {
  switch (p) {
    case PolicyPlace::kStage:
      return "a stage";
    case PolicyPlace::kDefaults:
      return "defaults";
    case PolicyPlace::kGroup:
      return "a group";
    case PolicyPlace::kLoop:
      return "a loop block";
    case PolicyPlace::kWorkflow:
      return "the workflow";
  }
  return "?";
}

const char* ItemName(PolicyItem::Kind k) {
  switch (k) {
    case PolicyItem::Kind::kRetry:
      return "retry";
    case PolicyItem::Kind::kTimeout:
      return "timeout";
    case PolicyItem::Kind::kHeartbeat:
      return "heartbeat";
    case PolicyItem::Kind::kTolerate:
      return "tolerate";
    case PolicyItem::Kind::kPool:
      return "pool";
  }
  return "?";
}

bool Allowed(PolicyItem::Kind k, PolicyPlace p) {
  using PK = PolicyItem::Kind;
  switch (p) {
    case PolicyPlace::kStage:
    case PolicyPlace::kDefaults:
      return k != PK::kTolerate;
    case PolicyPlace::kGroup:
      return k == PK::kRetry || k == PK::kTimeout;
    case PolicyPlace::kLoop:
      return k == PK::kTimeout || k == PK::kTolerate;
    case PolicyPlace::kWorkflow:
      return k == PK::kTimeout || k == PK::kTolerate;
  }
  return false;
}

}  // namespace

std::optional<int64_t> Checker::PolicyDuration(const Expr* e, std::string_view what) {
  if (!e) return std::nullopt;
  Scope scope;
  scope.policy = true;
  TypePtr t = CheckExpr(const_cast<Expr&>(*e), scope);
  auto v = FoldExpr(*e);
  if (!v) {  // bound when the job starts
    if (!IsAnyT(t) && t->kind != Type::Kind::kDuration) {
      d_.Error(e->loc, "E054",
               fmt::format("{} must be a duration such as 30s or a duration parameter, got {}",
                           what, t->ToString()));
    }
    return std::nullopt;
  }
  if (v->kind() != Value::Kind::kDuration) {
    d_.Error(e->loc, "E054",
             fmt::format("{} must be a duration such as 30s or a duration parameter{}", what,
                         IsAnyT(t) ? "" : ", got " + t->ToString()));
    return std::nullopt;
  }
  int64_t ms = v->duration_ms();
  if (ms <= 0) {
    d_.Error(e->loc, "E054", fmt::format("{} must be longer than zero", what));
    return std::nullopt;
  }
  if (ms > kMaxDurationMs) {
    d_.Error(e->loc, "E055",
             fmt::format("{} of {} is longer than the 30-day limit", what, FormatDuration(ms)));
    return std::nullopt;
  }
  return ms;
}

void Checker::CheckRetryCount(const PolicyItem& it, PolicyPlace place, const Policy& policy,
                              const OperatorSignature* sig) {
  if (!it.value) return;
  Scope scope;
  scope.policy = true;
  TypePtr t = CheckExpr(*it.value, scope);
  auto v = FoldExpr(*it.value);
  if (!v) {  // bound when the job starts
    if (!IsAnyT(t) && t->kind != Type::Kind::kInt) {
      d_.Error(it.value->loc, "E053",
               fmt::format("'retry' needs a whole number of retries (or an int parameter), got {}",
                           t->ToString()));
    }
    return;
  }
  if (v->kind() != Value::Kind::kInt) {
    d_.Error(it.loc, "E053", "'retry' needs a whole number of retries (or an int parameter)");
  } else if (v->as_int() < 0 || v->as_int() > kMaxRetries) {
    d_.Error(it.value->loc, "E053",
             fmt::format("'retry {}' is out of range: use 0 to {}", v->as_int(), kMaxRetries));
  } else if (place == PolicyPlace::kStage && sig && v->as_int() > 0 &&
             !Raises(*sig, Code::kTransient) && !Raises(*sig, Code::kTimeout) &&
             !CanTimeOut(policy)) {
    // A timeout or heartbeat makes any operator fail with a retryable timeout.
    d_.Warning(it.loc, "W003",
               fmt::format("'retry' has no effect: {} never raises a retryable (transient "
                           "or timeout) error and the stage has no timeout or heartbeat",
                           sig->name));
  }
}

// `tolerate N|P%` of a fan-out (header or policy) or `tolerate N` of a workflow.
void Checker::CheckTolerate(Expr& e, bool count_only) {
  Scope scope;
  scope.policy = true;
  TypePtr t = CheckExpr(e, scope);
  const char* want = count_only
                         ? "a workflow's 'tolerate' must be a count of at least 0 (failed items "
                           "across the run)"
                         : "'tolerate' must be a count of at least 0, or a percentage in [0%, "
                           "100%]";
  auto v = FoldExpr(e);
  if (!v) {  // bound when the job starts
    bool ok = IsAnyT(t) || t->kind == Type::Kind::kInt ||
              (!count_only && t->kind == Type::Kind::kPercent);
    if (!ok) d_.Error(e.loc, "E052", fmt::format("{}, got {}", want, t->ToString()));
    return;
  }
  bool ok = (v->kind() == Value::Kind::kInt && v->as_int() >= 0 && v->as_int() <= 1000000) ||
            (!count_only && v->kind() == Value::Kind::kPercent && v->percent() >= 0 &&
             v->percent() <= 100);
  if (!ok) d_.Error(e.loc, "E052", want);
}

bool Checker::CanTimeOut(const Policy& stage) const {
  for (auto k : {PolicyItem::Kind::kTimeout, PolicyItem::Kind::kHeartbeat}) {
    if (HasPolicyItem(stage, k) || HasPolicyItem(p_.workflow->defaults, k)) return true;
  }
  return false;
}

void Checker::CheckPolicy(const Policy& policy, PolicyPlace place, const OperatorSignature* sig) {
  using PK = PolicyItem::Kind;
  bool seen[5] = {false, false, false, false, false};
  std::optional<int64_t> timeout, heartbeat;
  for (const PolicyItem& it : policy.items) {
    int k = static_cast<int>(it.kind);
    if (!Allowed(it.kind, place)) {
      d_.Error(it.loc, "E057",
               fmt::format("'{}' is not allowed on {}", ItemName(it.kind), PlaceName(place)));
      continue;
    }
    if (seen[k]) {
      d_.Error(it.loc, "E043",
               fmt::format("'{}' is given twice in this policy", ItemName(it.kind)));
      continue;
    }
    seen[k] = true;
    switch (it.kind) {
      case PK::kRetry: {
        CheckRetryCount(it, place, policy, sig);
        auto lo = PolicyDuration(it.backoff_min.get(), "the backoff minimum");
        auto hi = PolicyDuration(it.backoff_max.get(), "the backoff maximum");
        if (lo && hi && *lo > *hi) {
          d_.Error(it.backoff_min->loc, "E056",
                   fmt::format("backoff {}..{}: the minimum is larger than the maximum",
                               FormatDuration(*lo), FormatDuration(*hi)));
        }
        for (const Ident& c : it.on) {
          if (c.name == "transient" || c.name == "timeout" || c.name == "lost") continue;
          if (c.name == "permanent" || c.name == "cancelled") {
            d_.Warning(
                c.loc, "W005",
                fmt::format("'{}' errors are never retried; listing them has no effect", c.name));
            continue;
          }
          d_.Error(c.loc, "E058",
                   fmt::format("unknown error class '{}'{}", c.name,
                               DidYouMean(c.name, {"transient", "timeout", "lost", "permanent",
                                                   "cancelled"})),
                   {"error classes: transient, timeout, lost, permanent, cancelled"});
        }
        break;
      }
      case PK::kTimeout:
        timeout = PolicyDuration(it.value.get(), "'timeout'");
        break;
      case PK::kHeartbeat:
        heartbeat = PolicyDuration(it.value.get(), "'heartbeat'");
        break;
      case PK::kTolerate:
        if (it.value) CheckTolerate(*it.value, place == PolicyPlace::kWorkflow);
        break;
      case PK::kPool:
        if (it.pool.empty()) d_.Error(it.loc, "E057", "'pool' needs a name");
        break;
    }
  }
  if (timeout && heartbeat && *heartbeat >= *timeout) {
    d_.Warning(policy.loc, "W004",
               fmt::format("heartbeat {} is not shorter than timeout {}; it can never fire",
                           FormatDuration(*heartbeat), FormatDuration(*timeout)));
  }
  (void)sig;
}

}  // namespace dandori::compiler
