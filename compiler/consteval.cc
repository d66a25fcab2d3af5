#include "compiler/consteval.h"

#include <cmath>

namespace dandori::compiler {
namespace {

using K = Value::Kind;
constexpr int kMaxFoldDepth = 1100;

bool IsIntLike(K k) { return k == K::kInt || k == K::kDuration || k == K::kSize; }

std::optional<Value> MakeLike(K kind, int64_t v) {
  switch (kind) {
    case K::kInt:
      return Value::Int(v);
    case K::kDuration:
      return Value::DurationMs(v);
    case K::kSize:
      return Value::SizeBytes(v);
    default:
      return std::nullopt;
  }
}

std::optional<Value> Arith(std::string_view op, const Value& a, const Value& b) {
  if (op == "+" && a.kind() == K::kString && b.kind() == K::kString) {
    return Value::String(a.as_string() + b.as_string());
  }
  if (op == "+" && a.kind() == K::kList && b.kind() == K::kList) {
    Value::List out = a.list();
    out.insert(out.end(), b.list().begin(), b.list().end());
    return Value::MakeList(std::move(out));
  }
  if (IsIntLike(a.kind()) && IsIntLike(b.kind())) {
    int64_t x = a.as_int(), y = b.as_int(), r = 0;
    K kind = a.kind() == K::kInt ? b.kind() : a.kind();
    bool same = a.kind() == b.kind();
    if (op == "+" || op == "-") {
      if (!same) return std::nullopt;
      bool overflow =
          op == "+" ? __builtin_add_overflow(x, y, &r) : __builtin_sub_overflow(x, y, &r);
      if (overflow) return std::nullopt;
      return MakeLike(kind, r);
    }
    if (op == "*") {
      if (a.kind() != K::kInt && b.kind() != K::kInt) return std::nullopt;
      if (__builtin_mul_overflow(x, y, &r)) return std::nullopt;
      return MakeLike(kind, r);
    }
    if (op == "/" || op == "%") {
      if (y == 0 || (x == INT64_MIN && y == -1)) return std::nullopt;
      if (same && a.kind() != K::kInt) return std::nullopt;  // duration / duration: a float
      if (b.kind() != K::kInt) return std::nullopt;
      return MakeLike(a.kind(), op == "/" ? x / y : x % y);
    }
    return std::nullopt;
  }
  bool fa = a.kind() == K::kFloat || a.kind() == K::kInt,
       fb = b.kind() == K::kFloat || b.kind() == K::kInt;
  if ((fa && fb) || (a.kind() == K::kPercent && b.kind() == K::kPercent)) {
    double x = a.as_float(), y = b.as_float(), r;
    if (op == "+")
      r = x + y;
    else if (op == "-")
      r = x - y;
    else if (op == "*")
      r = x * y;
    else if (op == "/" && y != 0)
      r = x / y;
    else
      return std::nullopt;
    if (!std::isfinite(r)) return std::nullopt;
    return a.kind() == K::kPercent ? Value::Percent(r) : Value::Float(r);
  }
  return std::nullopt;
}

std::optional<int> Compare(const Value& a, const Value& b) {
  if (IsIntLike(a.kind()) && a.kind() == b.kind()) {
    return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
  }
  if ((a.is_number() && b.is_number()) || (a.kind() == K::kPercent && b.kind() == K::kPercent)) {
    double x = a.as_float(), y = b.as_float();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind() == K::kString && b.kind() == K::kString) {
    int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return std::nullopt;
}

std::optional<Value> Binary(std::string_view op, const Value& a, const Value& b) {
  if (op == "and" || op == "or") {
    if (a.kind() != K::kBool || b.kind() != K::kBool) return std::nullopt;
    return Value::Bool(op == "and" ? a.as_bool() && b.as_bool() : a.as_bool() || b.as_bool());
  }
  if (op == "==" || op == "!=") {
    bool eq = a == b;
    if (a.is_number() && b.is_number()) eq = a.as_float() == b.as_float();
    return Value::Bool(op == "==" ? eq : !eq);
  }
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    auto c = Compare(a, b);
    if (!c) return std::nullopt;
    bool r = op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
    return Value::Bool(r);
  }
  if (op == "in") {
    if (b.kind() != K::kList) return std::nullopt;
    for (const Value& x : b.list()) {
      if (x == a) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  return Arith(op, a, b);
}

}  // namespace

std::optional<Value> LiteralValue(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNull:
      return Value::Null();
    case ExprKind::kBool:
      return Value::Bool(e.bool_value);
    case ExprKind::kInt:
      return Value::Int(e.int_value);
    case ExprKind::kFloat:
      return Value::Float(e.float_value);
    case ExprKind::kString:
      return Value::String(e.text);
    case ExprKind::kDuration:
      return Value::DurationMs(e.int_value);
    case ExprKind::kSize:
      return Value::SizeBytes(e.int_value);
    case ExprKind::kPercent:
      return Value::Percent(e.float_value);
    default:
      return std::nullopt;
  }
}

std::optional<Value> Fold(const Expr& e, const ConstLookup& lookup, int depth) {
  if (depth > kMaxFoldDepth) return std::nullopt;
  if (auto lit = LiteralValue(e)) return lit;
  switch (e.kind) {
    case ExprKind::kName: {
      const Value* v = lookup ? lookup(e) : nullptr;
      if (!v) return std::nullopt;
      return *v;
    }
    case ExprKind::kList: {
      Value::List items;
      for (const ExprPtr& it : e.items) {
        auto v = Fold(*it, lookup, depth + 1);
        if (!v) return std::nullopt;
        items.push_back(std::move(*v));
      }
      return Value::MakeList(std::move(items));
    }
    case ExprKind::kRecord: {
      Value::Record fields;
      for (size_t i = 0; i < e.items.size() && i < e.keys.size(); ++i) {
        auto v = Fold(*e.items[i], lookup, depth + 1);
        if (!v) return std::nullopt;
        fields.emplace_back(e.keys[i], std::move(*v));
      }
      return Value::MakeRecord(std::move(fields));
    }
    case ExprKind::kInterp: {
      std::string out;
      for (const ExprPtr& it : e.items) {
        auto v = Fold(*it, lookup, depth + 1);
        if (!v) return std::nullopt;
        out += v->ToString();
      }
      return Value::String(std::move(out));
    }
    case ExprKind::kField: {
      if (e.items.empty()) return std::nullopt;
      auto base = Fold(*e.items[0], lookup, depth + 1);
      if (!base || base->kind() != K::kRecord) return std::nullopt;
      const Value* f = base->Find(e.text);
      if (!f) return std::nullopt;
      return *f;
    }
    case ExprKind::kIndex: {
      if (e.items.size() < 2) return std::nullopt;
      auto base = Fold(*e.items[0], lookup, depth + 1);
      auto idx = Fold(*e.items[1], lookup, depth + 1);
      if (!base || !idx || base->kind() != K::kList || idx->kind() != K::kInt) return std::nullopt;
      int64_t n = static_cast<int64_t>(base->list().size()), i = idx->as_int();
      if (i < 0) i += n;
      if (i < 0 || i >= n) return std::nullopt;
      return base->list()[i];
    }
    case ExprKind::kUnary: {
      if (e.items.empty()) return std::nullopt;
      auto v = Fold(*e.items[0], lookup, depth + 1);
      if (!v) return std::nullopt;
      if (e.text == "not") {
        if (v->kind() != K::kBool) return std::nullopt;
        return Value::Bool(!v->as_bool());
      }
      if (IsIntLike(v->kind())) {
        if (v->as_int() == INT64_MIN) return std::nullopt;
        return MakeLike(v->kind(), -v->as_int());
      }
      if (v->kind() == K::kFloat) return Value::Float(-v->as_float());
      if (v->kind() == K::kPercent) return Value::Percent(-v->percent());
      return std::nullopt;
    }
    case ExprKind::kBinary: {
      if (e.items.size() < 2) return std::nullopt;
      auto a = Fold(*e.items[0], lookup, depth + 1);
      if (!a) return std::nullopt;
      auto b = Fold(*e.items[1], lookup, depth + 1);
      if (!b) return std::nullopt;
      return Binary(e.text, *a, *b);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace dandori::compiler
