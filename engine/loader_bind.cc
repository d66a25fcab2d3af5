// Policy binding at job start: see loader_bind.h.
#include "engine/loader_bind.h"

#include <fmt/format.h>

#include "proto/table_version.h"

namespace dandori::engine {
namespace {

constexpr int64_t kMaxPolicyMs = 30LL * 24 * 3600 * 1000;  // the checker's 30-day limit

// Policy expressions read parameters and constants only (proto/table_verify checks).
class BoundParams : public EvalScope {
 public:
  explicit BoundParams(const Value& params) : params_(params) {}
  Result<Value> Param(int i) override {
    if (params_.kind() != Value::Kind::kRecord || i < 0 ||
        i >= static_cast<int>(params_.record().size())) {
      return Status::Invalid("parameter " + std::to_string(i) + " is not bound");
    }
    return params_.record()[static_cast<size_t>(i)].second;
  }
  Result<Value> Var(int) override { return Status::Invalid("a policy reads no loop variable"); }
  Result<Value> Stage(int) override { return Status::Invalid("a policy reads no stage output"); }
  Result<Value> StageAll(int) override { return Stage(0); }
  Result<Value> Env(std::string_view) override { return Status::Invalid("a policy reads no env"); }
  Result<Value> Error() override { return Status::Invalid("a policy reads no error record"); }

 private:
  const Value& params_;
};

const char* FieldWord(v1::PolicyField f) {
  switch (f) {
    case v1::POLICY_RETRIES:
      return "retry";
    case v1::POLICY_BACKOFF_MIN:
      return "backoff minimum";
    case v1::POLICY_BACKOFF_MAX:
      return "backoff maximum";
    case v1::POLICY_TIMEOUT:
      return "timeout";
    case v1::POLICY_HEARTBEAT:
      return "heartbeat";
    case v1::POLICY_TOLERATE:
      return "tolerate";
    default:
      return "policy";
  }
}

std::string SourceLocText(const v1::Table& t, const v1::SourceLoc& loc) {
  std::string file = loc.file() >= 0 && loc.file() < t.files_size() ? t.files(loc.file()) : "?";
  return fmt::format("{}:{}:{}", file, loc.line(), loc.col());
}

// "parameter drain_timeout = -5s" for the parameters the expression reads.
std::string ParamsRead(const Program& p, const v1::Code& code, const Value& params) {
  std::string out;
  for (const v1::Instr& in : code.code()) {
    if (in.op() != v1::OP_PARAM || in.a() < 0 || in.a() >= static_cast<int>(p.params.size())) {
      continue;
    }
    const std::string& name = p.params[static_cast<size_t>(in.a())].name;
    if (out.find(" " + name + " =") != std::string::npos) continue;
    std::string v =
        params.kind() == Value::Kind::kRecord && in.a() < static_cast<int>(params.record().size())
            ? params.record()[static_cast<size_t>(in.a())].second.ToString()
            : "?";
    out += (out.empty() ? " (parameter " : ", parameter ") + name + " = " + v;
  }
  return out.empty() ? out : out + ")";
}

// Binds one policy in place; `block` receives a bound tolerate (null for the workflow).
Status BindOne(const Program& p, const Value& params, v1::Policy* policy, v1::Block* block) {
  BoundParams scope(params);
  for (const v1::PolicyBinding& b : policy->bound()) {
    auto fail = [&](const std::string& why) {
      return Status::Invalid(fmt::format(
          "{}: policy '{} {}'{}: {}", SourceLocText(p.table, b.loc()), FieldWord(b.field()),
          b.value().source(), ParamsRead(p, b.value(), params), why));
    };
    auto v = Evaluate(Flatten(b.value()), p.consts, scope);
    if (!v.ok()) return fail(v.status().message());
    const Value& x = *v;
    switch (b.field()) {
      case v1::POLICY_RETRIES:
        if (x.kind() != Value::Kind::kInt)
          return fail("a retry count must be an int, got " + x.ToString());
        if (x.as_int() < 0 || x.as_int() > v1::kMaxRetries) {
          return fail(
              fmt::format("retry {} is out of range: use 0 to {}", x.as_int(), v1::kMaxRetries));
        }
        policy->set_retries(static_cast<int32_t>(x.as_int()));
        break;
      case v1::POLICY_BACKOFF_MIN:
      case v1::POLICY_BACKOFF_MAX:
      case v1::POLICY_TIMEOUT:
      case v1::POLICY_HEARTBEAT: {
        if (x.kind() != Value::Kind::kDuration) {
          return fail(
              fmt::format("a {} must be a duration, got {}", FieldWord(b.field()), x.ToString()));
        }
        int64_t ms = x.duration_ms();
        if (ms <= 0)
          return fail(fmt::format("a {} must be longer than zero, got {}", FieldWord(b.field()),
                                  FormatDuration(ms)));
        if (ms > kMaxPolicyMs)
          return fail(fmt::format("{} is longer than the 30-day limit", FormatDuration(ms)));
        if (b.field() == v1::POLICY_BACKOFF_MIN) policy->set_backoff_min_ms(ms);
        if (b.field() == v1::POLICY_BACKOFF_MAX) policy->set_backoff_max_ms(ms);
        if (b.field() == v1::POLICY_TIMEOUT) policy->set_timeout_ms(ms);
        if (b.field() == v1::POLICY_HEARTBEAT) policy->set_heartbeat_ms(ms);
        break;
      }
      case v1::POLICY_TOLERATE: {
        bool count = x.kind() == Value::Kind::kInt;
        bool pct = block && x.kind() == Value::Kind::kPercent;
        if (!count && !pct) {
          return fail(std::string(block ? "a tolerate must be an int or a percentage"
                                        : "a workflow's tolerate must be an int") +
                      ", got " + x.ToString());
        }
        if (count && (x.as_int() < 0 || x.as_int() > 1000000)) {
          return fail(fmt::format("tolerate {} is out of range: use 0 to 1000000", x.as_int()));
        }
        if (pct && (x.percent() < 0 || x.percent() > 100)) {
          return fail("tolerate " + x.ToString() + " is out of range: use 0% to 100%");
        }
        if (!block) {
          policy->set_tolerate(static_cast<int32_t>(x.as_int()));
        } else {
          block->set_has_tolerate(true);
          block->set_tolerate(count ? static_cast<int32_t>(x.as_int()) : -1);
          block->set_tolerate_percent(pct ? x.percent() : 0);
        }
        break;
      }
      default:
        return fail("an unknown policy field");
    }
  }
  if (policy->bound_size() > 0 && policy->backoff_min_ms() > policy->backoff_max_ms() &&
      policy->backoff_max_ms() > 0) {
    return Status::Invalid(fmt::format(
        "{}: backoff {}..{}: the minimum is larger than the maximum{}",
        SourceLocText(p.table, policy->bound(0).loc()), FormatDuration(policy->backoff_min_ms()),
        FormatDuration(policy->backoff_max_ms()), ParamsRead(p, policy->bound(0).value(), params)));
  }
  policy->clear_bound();
  return Status::Ok();
}

}  // namespace

bool HasPolicyBindings(const Program& program) {
  if (program.table.policy().bound_size() > 0) return true;
  for (const ProgramState& s : program.states) {
    if (s.policy.bound_size() > 0) return true;
  }
  return false;
}

Result<std::shared_ptr<const Program>> BindPolicies(std::shared_ptr<const Program> program,
                                                    const Value& params) {
  if (!program || !HasPolicyBindings(*program)) return program;
  auto bound = std::make_shared<Program>(*program);
  DANDORI_RETURN_IF_ERROR(BindOne(*bound, params, bound->table.mutable_policy(), nullptr));
  for (ProgramState& s : bound->states) {
    if (s.policy.bound_size() == 0) continue;
    DANDORI_RETURN_IF_ERROR(
        BindOne(*bound, params, &s.policy, s.kind == v1::BLOCK_BEGIN ? &s.block : nullptr));
  }
  return std::shared_ptr<const Program>(std::move(bound));
}

}  // namespace dandori::engine
