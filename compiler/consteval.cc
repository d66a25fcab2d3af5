#include "compiler/consteval.h"

#include <type_traits>

#include "base/value_ops.h"

namespace dandori::compiler {
namespace {

using K = Value::Kind;
constexpr int kMaxFoldDepth = 1100;

// The value of a Result, or nullopt when the operation fails (the expression is then
// not a constant: the interpreter evaluates it, and reports the error, at run time).
template <typename T>
std::optional<Value> Ok(Result<T> r) {
  if (!r.ok()) return std::nullopt;
  if constexpr (std::is_same_v<T, Value>) {
    return std::move(*r);
  } else {
    return Value::Bool(*r);
  }
}

std::optional<ArithOp> ArithOpOf(std::string_view op) {
  if (op == "+") return ArithOp::kAdd;
  if (op == "-") return ArithOp::kSub;
  if (op == "*") return ArithOp::kMul;
  if (op == "/") return ArithOp::kDiv;
  if (op == "%") return ArithOp::kMod;
  return std::nullopt;
}

// The same operations as the interpreter's OP_EQ .. OP_IN and OP_ADD .. OP_MOD
// (engine/interpreter.cc), through the one implementation in base/value_ops.h.
std::optional<Value> Binary(std::string_view op, const Value& a, const Value& b) {
  if (op == "and" || op == "or") {
    // The checker requires bools; anything else is left to the run time.
    if (a.kind() != K::kBool || b.kind() != K::kBool) return std::nullopt;
    return Value::Bool(op == "and" ? a.as_bool() && b.as_bool() : a.as_bool() || b.as_bool());
  }
  if (op == "==") return Value::Bool(a == b);
  if (op == "!=") return Value::Bool(!(a == b));
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    auto c = Compare(a, b);
    if (!c.ok()) return std::nullopt;
    bool r = op == "<" ? *c < 0 : op == "<=" ? *c <= 0 : op == ">" ? *c > 0 : *c >= 0;
    return Value::Bool(r);
  }
  if (op == "in") return Ok(Contains(b, a));
  if (auto arith = ArithOpOf(op)) return Ok(Arith(*arith, a, b));
  return std::nullopt;
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
      if (!base) return std::nullopt;
      return Ok(Field(*base, e.text));
    }
    case ExprKind::kIndex: {
      if (e.items.size() < 2) return std::nullopt;
      auto base = Fold(*e.items[0], lookup, depth + 1);
      auto idx = Fold(*e.items[1], lookup, depth + 1);
      if (!base || !idx) return std::nullopt;
      return Ok(Index(*base, *idx));
    }
    case ExprKind::kUnary: {
      if (e.items.empty()) return std::nullopt;
      auto v = Fold(*e.items[0], lookup, depth + 1);
      if (!v) return std::nullopt;
      if (e.text == "not") {
        if (v->kind() != K::kBool) return std::nullopt;  // as for and / or
        return Value::Bool(!v->as_bool());
      }
      return Ok(Negate(*v));
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
