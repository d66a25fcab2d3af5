#include "base/value_ops.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "base/suggest.h"

namespace dandori {
namespace {

using K = Value::Kind;

const char* OpVerb(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd:
      return "add";
    case ArithOp::kSub:
      return "subtract";
    case ArithOp::kMul:
      return "multiply";
    case ArithOp::kDiv:
      return "divide";
    case ArithOp::kMod:
      return "take the remainder of";
  }
  return "?";
}

Status TypeError(ArithOp op, const Value& l, const Value& r) {
  return Status::Invalid(fmt::format("cannot {} {} and {}", OpVerb(op), Describe(l), Describe(r)));
}

Status Overflow(ArithOp op, const Value& l, const Value& r) {
  return Status::Invalid(
      fmt::format("integer overflow: cannot {} {} and {}", OpVerb(op), Describe(l), Describe(r)));
}

// Integer arithmetic on the int64 payloads of int, duration and size.
Result<int64_t> IntArith(ArithOp op, int64_t a, int64_t b, const Value& l, const Value& r) {
  int64_t out = 0;
  switch (op) {
    case ArithOp::kAdd:
      if (__builtin_add_overflow(a, b, &out)) return Overflow(op, l, r);
      return out;
    case ArithOp::kSub:
      if (__builtin_sub_overflow(a, b, &out)) return Overflow(op, l, r);
      return out;
    case ArithOp::kMul:
      if (__builtin_mul_overflow(a, b, &out)) return Overflow(op, l, r);
      return out;
    case ArithOp::kDiv:
    case ArithOp::kMod:
      if (b == 0)
        return Status::Invalid(fmt::format("division by zero: {} {} {}", Describe(l),
                                           op == ArithOp::kDiv ? "/" : "%", Describe(r)));
      if (a == std::numeric_limits<int64_t>::min() && b == -1) {
        if (op == ArithOp::kMod) return int64_t{0};
        return Overflow(op, l, r);
      }
      return op == ArithOp::kDiv ? a / b : a % b;
  }
  return out;
}

Result<double> FloatArith(ArithOp op, double a, double b, const Value& l, const Value& r) {
  double out = 0;
  switch (op) {
    case ArithOp::kAdd:
      out = a + b;
      break;
    case ArithOp::kSub:
      out = a - b;
      break;
    case ArithOp::kMul:
      out = a * b;
      break;
    case ArithOp::kDiv:
    case ArithOp::kMod:
      if (b == 0)
        return Status::Invalid(fmt::format("division by zero: {} {} {}", Describe(l),
                                           op == ArithOp::kDiv ? "/" : "%", Describe(r)));
      out = op == ArithOp::kDiv ? a / b : std::fmod(a, b);
      break;
  }
  if (!std::isfinite(out)) {
    return Status::Invalid(
        fmt::format("float overflow: cannot {} {} and {}", OpVerb(op), Describe(l), Describe(r)));
  }
  return out;
}

// A unit quantity (duration or size) scaled by a number: rounds, checks the range.
Result<Value> Scale(ArithOp op, const Value& unit, const Value& num, const Value& l,
                    const Value& r) {
  auto make = [&](int64_t x) {
    return unit.kind() == K::kDuration ? Value::DurationMs(x) : Value::SizeBytes(x);
  };
  if (num.kind() == K::kInt) {
    auto v = IntArith(op, unit.as_int(), num.as_int(), l, r);
    if (!v.ok()) return v.status();
    return make(*v);
  }
  auto d = FloatArith(op, static_cast<double>(unit.as_int()), num.as_float(), l, r);
  if (!d.ok()) return d.status();
  double rounded = std::round(*d);
  if (!(rounded >= -9.2e18 && rounded <= 9.2e18)) return Overflow(op, l, r);
  return make(static_cast<int64_t>(rounded));
}

Result<Value> ArithNumbers(ArithOp op, const Value& l, const Value& r) {
  if (l.kind() == K::kInt && r.kind() == K::kInt) {
    auto v = IntArith(op, l.as_int(), r.as_int(), l, r);
    if (!v.ok()) return v.status();
    return Value::Int(*v);
  }
  auto d = FloatArith(op, l.as_float(), r.as_float(), l, r);
  if (!d.ok()) return d.status();
  return Value::Float(*d);
}

Result<Value> ArithUnits(ArithOp op, const Value& l, const Value& r) {
  const K kind = l.kind();
  auto make = [&](int64_t x) {
    return kind == K::kDuration ? Value::DurationMs(x) : Value::SizeBytes(x);
  };
  if (op == ArithOp::kDiv) {
    if (r.as_int() == 0) return FloatArith(op, 1, 0, l, r).status();
    return Value::Float(static_cast<double>(l.as_int()) / static_cast<double>(r.as_int()));
  }
  if (op == ArithOp::kMul) return TypeError(op, l, r);
  auto v = IntArith(op, l.as_int(), r.as_int(), l, r);
  if (!v.ok()) return v.status();
  return make(*v);
}

Result<Value> Concat(ArithOp op, const Value& l, const Value& r) {
  if (op != ArithOp::kAdd) return TypeError(op, l, r);
  if (l.kind() == K::kString) return Value::String(l.as_string() + r.as_string());
  Value::List items = l.list();
  items.insert(items.end(), r.list().begin(), r.list().end());
  return Value::MakeList(std::move(items));
}

bool IsUnit(K k) { return k == K::kDuration || k == K::kSize; }

}  // namespace

Result<Value> Arith(ArithOp op, const Value& l, const Value& r) {
  const K lk = l.kind(), rk = r.kind();
  if (l.is_number() && r.is_number()) return ArithNumbers(op, l, r);
  if (IsUnit(lk) && lk == rk) return ArithUnits(op, l, r);
  if (lk == rk && (lk == K::kString || lk == K::kList)) return Concat(op, l, r);
  if (IsUnit(lk) && r.is_number() && (op == ArithOp::kMul || op == ArithOp::kDiv)) {
    return Scale(op, l, r, l, r);
  }
  if (IsUnit(rk) && l.is_number() && op == ArithOp::kMul) return Scale(op, r, l, l, r);
  if (lk == K::kPercent && rk == K::kPercent && (op == ArithOp::kAdd || op == ArithOp::kSub)) {
    return Value::Percent(op == ArithOp::kAdd ? l.percent() + r.percent()
                                              : l.percent() - r.percent());
  }
  if (lk == K::kPercent && rk == K::kPercent && op == ArithOp::kDiv) {  // a ratio, as for units
    auto d = FloatArith(op, l.percent(), r.percent(), l, r);
    if (!d.ok()) return d.status();
    return Value::Float(*d);
  }
  if (lk == K::kPercent && r.is_number() && (op == ArithOp::kMul || op == ArithOp::kDiv)) {
    auto d = FloatArith(op, l.percent(), r.as_float(), l, r);
    if (!d.ok()) return d.status();
    return Value::Percent(*d);
  }
  if (rk == K::kPercent && l.is_number() && op == ArithOp::kMul) {
    return Value::Percent(l.as_float() * r.percent());
  }
  return TypeError(op, l, r);
}

Result<Value> Negate(const Value& v) {
  switch (v.kind()) {
    case K::kInt:
      if (v.as_int() == std::numeric_limits<int64_t>::min()) {
        return Status::Invalid(fmt::format("integer overflow: cannot negate {}", Describe(v)));
      }
      return Value::Int(-v.as_int());
    case K::kFloat:
      return Value::Float(-v.as_float());
    case K::kDuration:
      if (v.as_int() == std::numeric_limits<int64_t>::min()) {
        return Status::Invalid(fmt::format("integer overflow: cannot negate {}", Describe(v)));
      }
      return Value::DurationMs(-v.duration_ms());
    case K::kSize:
      if (v.as_int() == std::numeric_limits<int64_t>::min()) {
        return Status::Invalid(fmt::format("integer overflow: cannot negate {}", Describe(v)));
      }
      return Value::SizeBytes(-v.size_bytes());
    case K::kPercent:
      return Value::Percent(-v.percent());
    default:
      return Status::Invalid(fmt::format("cannot negate {}", Describe(v)));
  }
}

Result<int> Compare(const Value& l, const Value& r) {
  auto sign = [](auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); };
  const K lk = l.kind(), rk = r.kind();
  if (lk == K::kInt && rk == K::kInt) return sign(l.as_int(), r.as_int());
  if (l.is_number() && r.is_number()) return sign(l.as_float(), r.as_float());
  if (lk == rk) {
    switch (lk) {
      case K::kString:
        return sign(l.as_string().compare(r.as_string()), 0);
      case K::kDuration:
      case K::kSize:
        return sign(l.as_int(), r.as_int());
      case K::kPercent:
        return sign(l.percent(), r.percent());
      case K::kBool:
        return sign(l.as_bool(), r.as_bool());
      default:
        break;
    }
  }
  return Status::Invalid(fmt::format("cannot compare {} with {}", Describe(l), Describe(r)));
}

bool Truthy(const Value& v) {
  switch (v.kind()) {
    case K::kNull:
      return false;
    case K::kBool:
      return v.as_bool();
    case K::kInt:
    case K::kDuration:
    case K::kSize:
      return v.as_int() != 0;
    case K::kFloat:
      return v.as_float() != 0;
    case K::kPercent:
      return v.percent() != 0;
    case K::kString:
      return !v.as_string().empty();
    case K::kList:
      return !v.list().empty();
    case K::kRecord:
      return !v.record().empty();
  }
  return false;
}

Result<bool> Contains(const Value& container, const Value& x) {
  switch (container.kind()) {
    case K::kList:
      return std::find(container.list().begin(), container.list().end(), x) !=
             container.list().end();
    case K::kString:
      if (x.kind() != K::kString) break;
      return container.as_string().find(x.as_string()) != std::string::npos;
    case K::kRecord:
      if (x.kind() != K::kString) break;
      return container.Find(x.as_string()) != nullptr;
    default:
      break;
  }
  return Status::Invalid(
      fmt::format("cannot test whether {} is in {}", Describe(x), Describe(container)));
}

Result<Value> Index(const Value& container, const Value& index) {
  const K ck = container.kind();
  if ((ck == K::kList || ck == K::kString) && index.kind() == K::kInt) {
    const int64_t n = ck == K::kList ? static_cast<int64_t>(container.list().size())
                                     : static_cast<int64_t>(container.as_string().size());
    int64_t i = index.as_int();
    if (i < 0 && i >= -n) i += n;
    if (i < 0 || i >= n) {
      return Status::Invalid(fmt::format("index {} out of range for a {} of {}", index.as_int(),
                                         ck == K::kList ? "list" : "string", n));
    }
    if (ck == K::kList) return container.list()[static_cast<size_t>(i)];
    return Value::String(std::string(1, container.as_string()[static_cast<size_t>(i)]));
  }
  if (ck == K::kRecord && index.kind() == K::kString) return Field(container, index.as_string());
  return Status::Invalid(
      fmt::format("cannot index {} with {}", Describe(container), Describe(index)));
}

Result<Value> Field(const Value& record, std::string_view name) {
  if (record.kind() != K::kRecord) {
    return Status::Invalid(fmt::format("cannot read field '{}' of {}", name, Describe(record)));
  }
  if (const Value* v = record.Find(name)) return *v;
  std::string best;
  const int cap = std::max<int>(2, static_cast<int>(name.size() / 3));
  int best_d = cap + 1;
  for (const auto& [n, unused] : record.record()) {
    int d = EditDistance(name, n, cap);
    if (d < best_d) best_d = d, best = n;
  }
  std::string hint = best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
  return Status::Invalid(fmt::format("no field '{}' in {}{}", name, Describe(record), hint));
}

std::string Describe(const Value& v) {
  constexpr size_t kMax = 80;
  std::string text;
  if (v.kind() == K::kString) {
    text = Value::MakeList({v}).ToString();  // the nested (quoted) form: ["..."]
    text = text.substr(1, text.size() - 2);
  } else {
    text = v.ToString();
  }
  if (text.size() > kMax) text = text.substr(0, kMax - 3) + "...";
  if (v.kind() == K::kNull) return "null";
  return fmt::format("{} {}", KindName(v.kind()), text);
}

}  // namespace dandori
