// Expression types: literals, lists, records, fields, indexing, operators (the rules
// of base/value_ops.h) and built-in calls. Names are resolved in check_names.cc.
#include <fmt/format.h>

#include "base/suggest.h"
#include "compiler/builtins.h"
#include "compiler/checker.h"

namespace dandori::compiler {
namespace {

using TK = Type::Kind;

bool IsNumeric(const TypePtr& t) { return t->kind == TK::kInt || t->kind == TK::kFloat; }
bool IsText(const TypePtr& t) { return t->kind == TK::kString || t->kind == TK::kPath; }

TypePtr Unify(const TypePtr& a, const TypePtr& b) {
  if (!a || a->kind == TK::kNull) return b;
  if (b->kind == TK::kNull) return a;
  if (Checker::Assignable(*b, *a)) return a;
  if (Checker::Assignable(*a, *b)) return b;
  return Type::Any();
}

// The type of `l op r` for + - * / %, or nullptr: the rules of base/value_ops.h Arith.
TypePtr ArithType(const std::string& op, const TypePtr& l, const TypePtr& r) {
  TK lk = l->kind, rk = r->kind;
  if (IsNumeric(l) && IsNumeric(r)) {
    return lk == TK::kInt && rk == TK::kInt ? Type::Int() : Type::Float();
  }
  bool same_unit = lk == rk && (lk == TK::kDuration || lk == TK::kSize || lk == TK::kPercent);
  bool lunit = lk == TK::kDuration || lk == TK::kSize || lk == TK::kPercent;
  bool runit = rk == TK::kDuration || rk == TK::kSize || rk == TK::kPercent;
  if (op == "+") {
    if (IsText(l) && IsText(r)) return lk == TK::kPath ? Type::Path() : Type::String();
    if (same_unit) return l;
    if (lk == TK::kList && rk == TK::kList) return Type::ListOf(Unify(l->elem, r->elem));
    return nullptr;
  }
  if (op == "-") return same_unit ? l : nullptr;
  if (op == "*") {
    if (lunit && IsNumeric(r)) return l;
    if (IsNumeric(l) && runit) return r;
    return nullptr;
  }
  if (op == "/") {
    if (lunit && IsNumeric(r)) return l;
    if (same_unit) return Type::Float();
    return nullptr;
  }
  if (op == "%" && same_unit && lk != TK::kPercent) return l;
  return nullptr;
}

}  // namespace

TypePtr ApproveOutputType() {
  static TypePtr t = Type::Record("", {{"approver", Type::String(), false}});
  return t;
}

TypePtr Checker::CheckExpr(Expr& e, const Scope& s, int depth) {
  TypePtr t = Type::Any();
  if (depth > kMaxCheckDepth) {
    d_.Error(e.loc, "E036", fmt::format("expression nested more than {} deep", kMaxCheckDepth));
    e.type = t;
    return t;
  }
  switch (e.kind) {
    case ExprKind::kNull:
      t = Type::Null();
      break;
    case ExprKind::kBool:
      t = Type::Bool();
      break;
    case ExprKind::kInt:
      t = Type::Int();
      break;
    case ExprKind::kFloat:
      t = Type::Float();
      break;
    case ExprKind::kString:
      t = Type::String();
      break;
    case ExprKind::kDuration:
      t = Type::Duration();
      break;
    case ExprKind::kSize:
      t = Type::Size();
      break;
    case ExprKind::kPercent:
      t = Type::Percent();
      break;
    case ExprKind::kEnv:
      if (s.policy) {
        d_.Error(e.loc, "E064", fmt::format("'env.{}' cannot be used in a policy", e.text),
                 {"a policy is bound once, when the job starts, from parameters and constants "
                  "only; pass the value as a parameter"});
      }
      t = s.policy ? Type::Any() : Type::String();
      break;
    case ExprKind::kInterp:
      for (ExprPtr& part : e.items) CheckExpr(*part, s, depth + 1);
      t = Type::String();
      break;
    case ExprKind::kList: {
      TypePtr elem;
      for (ExprPtr& it : e.items) elem = Unify(elem, CheckExpr(*it, s, depth + 1));
      t = Type::ListOf(elem ? elem : Type::Any());
      break;
    }
    case ExprKind::kRecord: {
      std::vector<TypeField> fields;
      for (size_t i = 0; i < e.items.size(); ++i) {
        TypePtr ft = CheckExpr(*e.items[i], s, depth + 1);
        if (i >= e.keys.size()) continue;
        bool dup = false;
        for (const TypeField& f : fields) dup = dup || f.name == e.keys[i];
        if (dup) {
          Loc l = i < e.key_locs.size() ? e.key_locs[i] : e.loc;
          d_.Error(l, "E040", fmt::format("field '{}' appears twice in this record", e.keys[i]));
          continue;
        }
        fields.push_back({e.keys[i], ft, ft->kind == TK::kNull});
      }
      t = Type::Record("", std::move(fields));
      break;
    }
    case ExprKind::kName:
      t = CheckName(e, s, false);
      break;
    case ExprKind::kAll:
      t = CheckName(e, s, true);
      break;
    case ExprKind::kField:
      t = CheckField(e, s, depth);
      break;
    case ExprKind::kIndex: {
      if (e.items.size() < 2) break;
      TypePtr base = CheckExpr(*e.items[0], s, depth + 1);
      TypePtr idx = CheckExpr(*e.items[1], s, depth + 1);
      if (base->kind == TK::kList) {
        if (!IsAnyT(idx) && idx->kind != TK::kInt) {
          d_.Error(e.items[1]->loc, "E030",
                   fmt::format("a list index must be an int, got {}", idx->ToString()));
        }
        t = base->elem ? base->elem : Type::Any();
      } else if (IsText(base)) {
        t = Type::String();
      } else if (base->kind == TK::kRecord || IsAnyT(base)) {
        t = Type::Any();
      } else {
        d_.Error(e.loc, "E030", fmt::format("cannot index a value of type {}", base->ToString()));
      }
      break;
    }
    case ExprKind::kUnary: {
      if (e.items.empty()) break;
      TypePtr x = CheckExpr(*e.items[0], s, depth + 1);
      if (e.text == "not") {
        if (!IsAnyT(x) && x->kind != TK::kBool) {
          d_.Error(e.loc, "E030", fmt::format("'not' needs a bool, got {}", x->ToString()));
        }
        t = Type::Bool();
      } else if (IsAnyT(x) || IsNumeric(x) || x->kind == TK::kDuration || x->kind == TK::kSize ||
                 x->kind == TK::kPercent) {
        t = x;
      } else {
        d_.Error(e.loc, "E030", fmt::format("cannot negate a value of type {}", x->ToString()));
      }
      break;
    }
    case ExprKind::kBinary:
      t = CheckBinary(e, s, depth);
      break;
    case ExprKind::kCall:
      t = CheckCallExpr(e, s, depth);
      break;
  }
  e.type = t;
  return t;
}

TypePtr Checker::CheckField(Expr& e, const Scope& s, int depth) {
  if (e.items.empty()) return Type::Any();
  TypePtr base = CheckExpr(*e.items[0], s, depth + 1);
  if (IsAnyT(base)) return Type::Any();
  if (base->kind == TK::kRecord) {
    if (base->fields.empty()) return Type::Any();  // opaque record
    if (const TypeField* f = base->FindField(e.text)) return f->type;
    std::vector<std::string> names;
    for (const TypeField& f : base->fields) names.push_back(f.name);
    std::string hint = DidYouMean(e.text, names);
    std::vector<std::string> notes;
    if (hint.empty()) notes.push_back(fmt::format("its fields: {}", fmt::join(names, ", ")));
    std::string what =
        base->name.empty() ? std::string("this record") : "type '" + base->name + "'";
    d_.Error(e.loc, "E031", fmt::format("{} has no field '{}'{}", what, e.text, hint),
             std::move(notes));
    return Type::Any();
  }
  d_.Error(e.loc, "E031",
           fmt::format("cannot take field '{}' of a value of type {}", e.text, base->ToString()));
  return Type::Any();
}

TypePtr Checker::CheckBinary(Expr& e, const Scope& s, int depth) {
  if (e.items.size() < 2) return Type::Any();
  TypePtr l = CheckExpr(*e.items[0], s, depth + 1);
  TypePtr r = CheckExpr(*e.items[1], s, depth + 1);
  const std::string& op = e.text;
  auto bad = [&]() {
    d_.Error(
        e.loc, "E030",
        fmt::format("operator '{}' does not apply to {} and {}", op, l->ToString(), r->ToString()));
    return Type::Any();
  };
  bool any = IsAnyT(l) || IsAnyT(r);
  TK lk = l->kind, rk = r->kind;
  if (op == "and" || op == "or") {
    if ((IsAnyT(l) || lk == TK::kBool) && (IsAnyT(r) || rk == TK::kBool)) return Type::Bool();
    bad();
    return Type::Bool();
  }
  if (op == "==" || op == "!=") return Type::Bool();
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    bool ok = any || (IsNumeric(l) && IsNumeric(r)) || (IsText(l) && IsText(r)) ||
              (lk == rk &&
               (lk == TK::kDuration || lk == TK::kSize || lk == TK::kPercent || lk == TK::kBool));
    if (!ok) bad();
    return Type::Bool();
  }
  if (op == "in") {
    if (!(IsAnyT(r) || rk == TK::kList || IsText(r) || rk == TK::kRecord)) bad();
    return Type::Bool();
  }
  if (any) return Type::Any();
  TypePtr t = ArithType(op, l, r);
  return t ? t : bad();
}

TypePtr Checker::CheckCallExpr(Expr& e, const Scope& s, int depth) {
  std::vector<TypePtr> args;
  for (ExprPtr& a : e.items) args.push_back(CheckExpr(*a, s, depth + 1));
  const BuiltinInfo* b = FindBuiltin(e.text);
  if (!b) {
    d_.Error(e.loc, "E032",
             fmt::format("unknown function '{}'{}", e.text, DidYouMean(e.text, BuiltinNames())),
             {fmt::format("functions: {}", fmt::join(BuiltinNames(), ", "))});
    return Type::Any();
  }
  int n = static_cast<int>(args.size());
  if (n < b->min_args || (b->max_args >= 0 && n > b->max_args)) {
    std::string want = b->max_args < 0 ? fmt::format("at least {}", b->min_args)
                       : b->min_args == b->max_args
                           ? fmt::format("{}", b->min_args)
                           : fmt::format("{} or {}", b->min_args, b->max_args);
    d_.Error(
        e.loc, "E032",
        fmt::format("{}() takes {} argument{}, got {}", e.text, want, want == "1" ? "" : "s", n));
    return Type::Any();
  }
  auto need = [&](int i, bool ok, const char* what) {
    if (!ok && !IsAnyT(args[i])) {
      d_.Error(e.items[i]->loc, "E030",
               fmt::format("{}() needs {}, got {}", e.text, what, args[i]->ToString()));
    }
  };
  std::string_view f = e.text;
  TypePtr a0 = args[0];
  if (f == "len") {
    need(0, a0->kind == TK::kList || IsText(a0) || a0->kind == TK::kRecord,
         "a list, string or record");
    return Type::Int();
  }
  if (f == "basename" || f == "stem" || f == "lower" || f == "upper") {
    need(0, IsText(a0), "a string or path");
    return Type::String();
  }
  if (f == "dirname" || f == "join") {
    for (int i = 0; i < n; ++i) need(i, IsText(args[i]), "strings or paths");
    return Type::Path();
  }
  if (f == "str") return Type::String();
  if (f == "int") {
    need(0, IsNumeric(a0) || IsText(a0) || a0->kind == TK::kBool, "a number, string or bool");
    return Type::Int();
  }
  if (f == "min" || f == "max") {
    if (n == 1) {
      need(0, a0->kind == TK::kList, "a list (or several values)");
      return a0->kind == TK::kList && a0->elem ? a0->elem : Type::Any();
    }
    TypePtr t = a0;
    for (int i = 1; i < n; ++i) t = Unify(t, args[i]);
    return t;
  }
  if (f == "range") {
    for (int i = 0; i < n; ++i) need(i, args[i]->kind == TK::kInt, "int arguments");
    return Type::ListOf(Type::Int());
  }
  if (f == "keys") {
    need(0, a0->kind == TK::kRecord, "a record");
    return Type::ListOf(Type::String());
  }
  if (f == "seconds") {
    need(0, a0->kind == TK::kDuration, "a duration");
    return Type::Float();
  }
  if (f == "flatten") {
    need(0, a0->kind == TK::kList, "a list of lists");
    if (a0->kind == TK::kList && a0->elem && a0->elem->kind == TK::kList) return a0->elem;
    return Type::ListOf(Type::Any());
  }
  if (f == "default") {
    return IsAnyT(a0) || a0->kind == TK::kNull ? args[1] : a0;
  }
  if (f == "split") {
    need(0, IsText(a0), "a string");
    need(1, IsText(args[1]), "a string separator");
    return Type::ListOf(Type::String());
  }
  return Type::Any();
}

}  // namespace dandori::compiler
