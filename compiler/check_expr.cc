// Expressions: name resolution (loop variables, stages, parameters, consts, `error`)
// with the stage-visibility rules, and type inference.
#include <fmt/format.h>

#include "base/suggest.h"
#include "compiler/builtins.h"
#include "compiler/checker.h"

namespace dandori::compiler {
namespace {

using TK = Type::Kind;

std::string LocText(const SourceManager&, const Loc& l) {
  return l.valid() ? fmt::format("{}:{}", l.line, l.col) : std::string("?");
}

TypePtr ErrorRecordType() {
  static TypePtr t = Type::Record("", {{"message", Type::String(), false},
                                       {"class", Type::String(), false},
                                       {"stage", Type::String(), false},
                                       {"loc", Type::String(), false}});
  return t;
}

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

TypePtr Checker::LoopVarType(int loop_node) {
  TypePtr t = loop_var_types_[loop_node];
  return t ? t : Type::Any();
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
      t = Type::String();
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

TypePtr Checker::CheckName(Expr& e, const Scope& s, bool all) {
  const std::string& name = e.text;
  if (!s.consts_only) {
    for (int b = s.block; b >= 0 && !all; b = p_.nodes[b].parent) {
      const Stmt& bs = *p_.nodes[b].stmt;
      if (IsLoop(bs.kind) && bs.var == name) {
        p_.refs[&e] = {RefKind::kVar, b};
        return LoopVarType(b);
      }
    }
    if (s.site >= 0) {
      if (auto it = stage_names_.find(name); it != stage_names_.end()) {
        return CheckStageRef(e, it->second, s, all);
      }
    }
  }
  if (all) {
    d_.Error(e.loc, "E023", fmt::format("'{}[*]': '{}' is not a stage", name, name),
             {"[*] collects the outputs of a stage that runs inside a foreach, fanout or rolling "
              "block"});
    return Type::Any();
  }
  if (!s.consts_only) {
    if (auto it = param_names_.find(name);
        it != param_names_.end() && it->second < s.params_visible) {
      p_.refs[&e] = {RefKind::kParam, it->second};
      return p_.param_types[it->second];
    }
  }
  if (auto it = p_.const_by_name.find(name); it != p_.const_by_name.end()) {
    CheckConst(it->second);
    p_.refs[&e] = {RefKind::kConst, it->second};
    return p_.consts[it->second].type;
  }
  if (name == "error" && s.root == Root::kOnFailure && s.site >= 0) {
    p_.refs[&e] = {RefKind::kError, -1};
    return ErrorRecordType();
  }
  if (auto it = loop_vars_.find(name); it != loop_vars_.end() && !s.consts_only) {
    const Stmt& ls = *p_.nodes[it->second].stmt;
    d_.Error(e.loc, "E022", fmt::format("loop variable '{}' is used outside its block", name),
             {fmt::format("'{}' is declared by the {} at {} and visible only in its body", name,
                          NodeName(it->second), LocText(sm_, ls.loc))});
    return Type::Any();
  }
  if (name == "error") {
    d_.Error(e.loc, "E020", "'error' is only available inside an 'on failure' handler");
    return Type::Any();
  }
  std::vector<std::string> names;
  for (const auto& [n, i] : p_.const_by_name) names.push_back(n);
  if (!s.consts_only) {
    for (const auto& [n, i] : param_names_) names.push_back(n);
    if (s.site >= 0) {
      for (const auto& [n, i] : stage_names_) names.push_back(n);
    }
    for (int b = s.block; b >= 0; b = p_.nodes[b].parent) {
      if (IsLoop(p_.nodes[b].stmt->kind)) names.push_back(p_.nodes[b].stmt->var);
    }
  }
  std::string what = s.site < 0 && stage_names_.count(name)
                         ? fmt::format(
                               "stage '{}' cannot be used here (only constants and "
                               "parameters are available)",
                               name)
                         : fmt::format("undefined name '{}'{}", name, DidYouMean(name, names));
  d_.Error(e.loc, "E020", what);
  return Type::Any();
}

TypePtr Checker::CheckStageRef(Expr& e, int x, const Scope& s, bool all) {
  const Node& nx = p_.nodes[x];
  const Stmt& sx = *nx.stmt;
  const std::string& name = e.text;
  if (sx.kind == StmtKind::kGroup) {
    d_.Error(e.loc, "E030", fmt::format("group '{}' has no output value", name),
             {"refer to a stage inside the group instead"});
    return Type::Any();
  }
  TypePtr out = sx.kind == StmtKind::kApprove ? ApproveOutputType()
                : nx.sig                      ? nx.sig->output
                                              : Type::Any();
  const Node& site = p_.nodes[s.site];
  // Climb both to their lowest common block, noting loops crossed on x's side.
  int a = x, b = s.site;
  bool crossing = false;
  if (nx.root != site.root) {
    if (nx.root != Root::kBody || site.root != Root::kOnSuccess) {
      std::string why =
          site.root == Root::kOnFailure && nx.root == Root::kBody
              ? fmt::format("stage '{}' may not have run when the 'on failure' handler starts",
                            name)
              : fmt::format("stage '{}' runs only in the 'on {}' handler", name,
                            nx.root == Root::kOnFailure ? "failure" : "success");
      d_.Error(e.loc, "E021", why,
               {site.root == Root::kOnFailure ? "use 'error' and parameters in a failure handler"
                                              : "a handler's stages are not visible elsewhere"});
      return Type::Any();
    }
    for (int c = nx.parent; c >= 0; c = p_.nodes[c].parent) {
      crossing = crossing || IsLoop(p_.nodes[c].stmt->kind);
    }
  } else {
    while (p_.nodes[a].depth > p_.nodes[b].depth) {
      a = p_.nodes[a].parent;
      crossing = crossing || IsLoop(p_.nodes[a].stmt->kind);
    }
    while (p_.nodes[b].depth > p_.nodes[a].depth) b = p_.nodes[b].parent;
    while (p_.nodes[a].parent != p_.nodes[b].parent) {
      a = p_.nodes[a].parent;
      b = p_.nodes[b].parent;
      crossing = crossing || IsLoop(p_.nodes[a].stmt->kind);
    }
    if (a == b) {
      d_.Error(e.loc, x == s.site ? "E025" : "E021",
               x == s.site ? fmt::format("stage '{}' refers to its own output", name)
                           : fmt::format("stage '{}' runs inside this block and has not run yet "
                                         "when its header is evaluated",
                                         name));
      return Type::Any();
    }
    if (!IsBefore(a, b)) {
      const Stmt& sa = *p_.nodes[a].stmt;
      d_.Error(e.loc, "E021", fmt::format("stage '{}' may not have run yet here", name),
               {fmt::format("'{}' does not come before '{}' in sequence or through 'after'",
                            NodeName(a), NodeName(b)),
                fmt::format("'{}' is declared at {}", sa.name.empty() ? NodeName(a) : sa.name,
                            LocText(sm_, sa.loc))});
      return Type::Any();
    }
  }
  if (crossing && !all) {
    d_.Error(e.loc, "E023",
             fmt::format("stage '{}' runs once per item of a loop; use '{}[*]' for the list of its "
                         "outputs",
                         name, name));
    return Type::Any();
  }
  if (!crossing && all) {
    d_.Error(e.loc, "E023",
             fmt::format("'{}[*]': stage '{}' runs once here, not per item of a loop; use '{}'",
                         name, name, name));
    return Type::Any();
  }
  p_.refs[&e] = {all ? RefKind::kStageAll : RefKind::kStage, x};
  return all ? Type::ListOf(out) : out;
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
