// Statements: operator calls against their signatures, loop headers, `when` and
// approve messages (policies: check_policy.cc).
#include <fmt/format.h>

#include <algorithm>

#include "base/suggest.h"
#include "compiler/checker.h"

namespace dandori::compiler {
namespace {

std::vector<std::string> OperatorNames() {
  std::vector<std::string> out;
  for (const OperatorSignature& op : AllOperators()) out.push_back(op.name);
  return out;
}

std::string FormatPercent(double p) { return fmt::format("{:g}%", p); }

}  // namespace

// The `retry N` of a policy as a constant, or -1 when it has none (or it is not constant).
int Checker::ConstRetries(const std::optional<Policy>& p) {
  if (!p) return -1;
  for (const PolicyItem& it : p->items) {
    if (it.kind != PolicyItem::Kind::kRetry || !it.value) continue;
    auto v = FoldExpr(*it.value);
    return v && v->kind() == Value::Kind::kInt ? static_cast<int>(v->as_int()) : -1;
  }
  return -1;
}

// A stage's attempts multiply with the attempts of every retried group around it
// (`defaults { retry 3 }` inside `group { ... } { retry 2 }` is 4 x 3 = 12 attempts).
void Checker::CheckNestedRetries(int n) {
  const Stmt& st = *p_.nodes[n].stmt;
  int own = ConstRetries(st.policy);
  bool from_defaults = own < 0;
  if (own < 0) own = std::max(0, ConstRetries(p_.workflow->defaults));
  int64_t product = own + 1;
  std::string groups;
  for (int b = p_.nodes[n].parent; b >= 0; b = p_.nodes[b].parent) {
    const Stmt& bs = *p_.nodes[b].stmt;
    int r = bs.kind == StmtKind::kGroup ? ConstRetries(bs.policy) : -1;
    if (r <= 0) continue;
    product *= r + 1;
    groups += fmt::format(" x {} attempts of group '{}' ({}:{})", r + 1, bs.name, bs.loc.line,
                          bs.loc.col);
  }
  if (groups.empty() || product <= kMaxNestedAttempts) return;
  d_.Warning(st.name_loc.valid() ? st.name_loc : st.loc, "W007",
             fmt::format("'{}' may run {} times: {} attempts (retry {}{}){}", st.name, product,
                         own + 1, own, from_defaults ? " from defaults" : "", groups),
             {"give the stage '{ retry 0 }' when the group's retry is meant to be the only one"});
}

void Checker::CheckStmt(int n) {
  Node& node = p_.nodes[n];
  Stmt& st = *node.stmt;
  Scope s{n, node.parent, node.root};
  if (st.when) {
    TypePtr t = CheckExpr(*st.when, s);
    if (!IsAnyT(t) && t->kind != Type::Kind::kBool) {
      d_.Error(st.when->loc, "E033",
               fmt::format("'when' needs a bool condition, got {}", t->ToString()));
    } else if (auto v = FoldExpr(*st.when); v && v->kind() == Value::Kind::kBool && !v->as_bool()) {
      d_.Error(st.name_loc.valid() ? st.name_loc : st.loc, "E042",
               fmt::format("'{}' is unreachable: its condition is always false", NodeName(n)));
    }
  }
  switch (st.kind) {
    case StmtKind::kStage:
      CheckCall(n, s);
      if (st.policy) CheckPolicy(*st.policy, PolicyPlace::kStage, node.sig);
      if (node.sig && node.sig->name == "fleet.drain" &&
          !HasPolicyItem(st.policy, PolicyItem::Kind::kTimeout) &&
          !HasPolicyItem(p_.workflow->defaults, PolicyItem::Kind::kTimeout)) {
        d_.Warning(st.name_loc.valid() ? st.name_loc : st.loc, "W001",
                   fmt::format("drain '{}' has no timeout: a server that never empties holds its "
                               "wave forever",
                               st.name),
                   {"add '{ timeout 3h }' (with 'max_remaining' to accept stragglers)"});
      }
      CheckNestedRetries(n);
      break;
    case StmtKind::kApprove:
      if (st.message) {
        TypePtr t = CheckExpr(*st.message, s);
        if (!IsAnyT(t) && t->kind != Type::Kind::kString) {
          d_.Error(st.message->loc, "E015",
                   fmt::format("the approve message must be a string, got {}", t->ToString()));
        }
      }
      break;
    case StmtKind::kGroup:
      if (st.policy) CheckPolicy(*st.policy, PolicyPlace::kGroup, nullptr);
      break;
    default:
      CheckLoopHeader(n, s);
      if (st.policy) CheckPolicy(*st.policy, PolicyPlace::kLoop, nullptr);
      if (st.tolerate && HasPolicyItem(st.policy, PolicyItem::Kind::kTolerate)) {
        d_.Error(st.policy->loc, "E043", "'tolerate' is given both in the header and the policy");
      }
      break;
  }
}

void Checker::CheckCall(int n, const Scope& s) {
  Node& node = p_.nodes[n];
  Stmt& st = *node.stmt;
  const OperatorSignature* sig = FindOperator(st.op);
  node.sig = sig;
  if (!sig) {
    d_.Error(st.op_loc.valid() ? st.op_loc : st.loc, "E010",
             fmt::format("unknown operator '{}'{}", st.op, DidYouMean(st.op, OperatorNames())));
    for (Arg& a : st.args) {
      if (a.value) CheckExpr(*a.value, s);
    }
    return;
  }
  std::vector<bool> given(sig->args.size(), false);
  size_t positional = 0;
  bool named_seen = false;
  bool unbound = false;  // a positional argument after a named one binds to nothing
  for (Arg& a : st.args) {
    const ArgSpec* spec = nullptr;
    Loc where = a.name.empty() ? (a.value ? a.value->loc : st.loc) : a.name_loc;
    if (a.name.empty()) {
      if (named_seen) {
        d_.Error(where, "E014", "a positional argument cannot follow a named one");
        unbound = true;
      } else if (positional >= sig->args.size()) {
        d_.Error(where, "E014",
                 fmt::format("too many arguments: {} takes {} positional argument{}", sig->name,
                             sig->args.size(), sig->args.size() == 1 ? "" : "s"));
      } else {
        spec = &sig->args[positional++];
      }
    } else {
      named_seen = true;
      spec = sig->FindArg(a.name);
      if (!spec) {
        std::vector<std::string> names;
        for (const ArgSpec& as : sig->args) names.push_back(as.name);
        std::string hint = DidYouMean(a.name, names);
        std::vector<std::string> notes;
        if (hint.empty()) notes.push_back(fmt::format("its arguments: {}", fmt::join(names, ", ")));
        d_.Error(where, "E011", fmt::format("{} has no argument '{}'{}", sig->name, a.name, hint),
                 std::move(notes));
      }
    }
    if (spec) {
      size_t i = static_cast<size_t>(spec - sig->args.data());
      if (given[i]) {
        d_.Error(where, "E013", fmt::format("argument '{}' is given twice", spec->name));
        spec = nullptr;
      }
      given[i] = true;
    }
    if (!a.value) continue;
    if (spec) {
      CheckArgValue(a, *spec, *sig, s);
    } else {
      CheckExpr(*a.value, s);
    }
  }
  // Which argument a misplaced one meant is unknown, so "missing" would be a guess.
  for (size_t i = 0; i < sig->args.size() && !unbound; ++i) {
    const ArgSpec& spec = sig->args[i];
    if (!given[i] && spec.required && !spec.default_value) {
      d_.Error(st.op_loc.valid() ? st.op_loc : st.loc, "E012",
               fmt::format("missing required argument '{}' (type {}) of {}", spec.name,
                           spec.type->ToString(), sig->name));
    }
  }
}

void Checker::CheckArgValue(Arg& a, const ArgSpec& spec, const OperatorSignature& sig,
                            const Scope& s) {
  Expr& e = *a.value;
  if (!spec.choices.empty() && e.kind == ExprKind::kName) {
    for (const std::string& c : spec.choices) {
      if (c == e.text) {
        p_.refs[&e] = {RefKind::kChoice, -1};
        e.type = Type::String();
        return;
      }
    }
    bool known = stage_names_.count(e.text) || param_names_.count(e.text) ||
                 p_.const_by_name.count(e.text) || loop_vars_.count(e.text);
    if (!known) {
      d_.Error(
          e.loc, "E016",
          fmt::format("argument '{}' of {} must be one of {}; got '{}'{}", spec.name, sig.name,
                      fmt::join(spec.choices, ", "), e.text, DidYouMean(e.text, spec.choices)));
      e.type = Type::String();
      return;
    }
  }
  TypePtr t = CheckExpr(e, s);
  if (!Assignable(*t, *spec.type)) {
    d_.Error(e.loc, "E015",
             fmt::format("argument '{}' of {} expects {}, got {}", spec.name, sig.name,
                         spec.type->ToString(), t->ToString()));
    return;
  }
  if (!spec.choices.empty()) {
    auto v = FoldExpr(e);
    if (v && v->kind() == Value::Kind::kString) {
      bool found = false;
      for (const std::string& c : spec.choices) found = found || c == v->as_string();
      if (!found) {
        d_.Error(e.loc, "E016",
                 fmt::format("argument '{}' of {} must be one of {}; got '{}'{}", spec.name,
                             sig.name, fmt::join(spec.choices, ", "), v->as_string(),
                             DidYouMean(v->as_string(), spec.choices)));
      }
    }
  }
}

void Checker::CheckLoopHeader(int n, const Scope& s) {
  Stmt& st = *p_.nodes[n].stmt;
  const char* kw = st.kind == StmtKind::kForeach  ? "foreach"
                   : st.kind == StmtKind::kFanout ? "fanout"
                                                  : "rolling";
  if (st.items) {
    TypePtr t = CheckExpr(*st.items, s);
    if (t->kind == Type::Kind::kList) {
      loop_var_types_[n] = t->elem ? t->elem : Type::Any();
    } else if (!IsAnyT(t)) {
      d_.Error(st.items->loc, "E033", fmt::format("{} needs a list, got {}", kw, t->ToString()));
    }
  }
  for (Expr* e : {st.parallel.get(), st.batch.get(), st.window.get(), st.keep.get()}) {
    if (e) CheckExpr(*e, s);
  }
  if (st.parallel) {
    auto v = FoldExpr(*st.parallel);
    if (!v || v->kind() != Value::Kind::kInt) {
      d_.Error(st.parallel->loc, "E050", "'parallel' must be a constant whole number or 'all'");
    } else if (v->as_int() <= 0 || v->as_int() > 1000000) {
      d_.Error(
          st.parallel->loc, "E050",
          fmt::format("'parallel {}' is out of range: use 1 to 1000000, or 'all'", v->as_int()));
    }
  }
  if (st.parallel_all && st.items && !IsBoundedList(*st.items, s)) {
    d_.Warning(st.items->loc, "W002",
               fmt::format("'parallel all' over a list of unknown size: every item runs at once"),
               {"bound it with 'parallel N', or iterate over an inventory or a literal list"});
  }
  if (st.batch) {
    auto v = FoldExpr(*st.batch);
    bool ok =
        v && ((v->kind() == Value::Kind::kInt && v->as_int() >= 1 && v->as_int() <= 1000000) ||
              (v->kind() == Value::Kind::kPercent && v->percent() > 0 && v->percent() <= 100));
    if (!ok) {
      d_.Error(st.batch->loc, "E051",
               "'batch' must be a constant count of at least 1, or a percentage in (0%, 100%]");
    }
  }
  if (st.window) {
    auto v = FoldExpr(*st.window);
    bool ok =
        v && ((v->kind() == Value::Kind::kInt && v->as_int() >= 1 && v->as_int() <= 1000000) ||
              (v->kind() == Value::Kind::kPercent && v->percent() > 0 && v->percent() <= 100));
    if (!ok) {
      d_.Error(st.window->loc, "E051",
               "'window' must be a constant count of at least 1, or a percentage in (0%, 100%]");
    }
  }
  if (st.keep) CheckKeep(st);
  if (st.tolerate) CheckTolerate(*st.tolerate, false);
}

// `keep N|P% serving`: a floor below the item count. Against a window (or batch) in
// percent it can be checked here: a wider one is clamped by the engine, so say so.
void Checker::CheckKeep(const Stmt& st) {
  auto v = FoldExpr(*st.keep);
  bool count = v && v->kind() == Value::Kind::kInt && v->as_int() >= 0 && v->as_int() <= 1000000;
  bool pct = v && v->kind() == Value::Kind::kPercent && v->percent() >= 0 && v->percent() < 100;
  if (v && v->kind() == Value::Kind::kPercent && v->percent() >= 100) {
    d_.Error(st.keep->loc, "E059",
             fmt::format("'keep {} serving' leaves no item to take out: use a percentage below "
                         "100%",
                         FormatPercent(v->percent())));
    return;
  }
  if (!count && !pct) {
    d_.Error(st.keep->loc, "E059",
             "'keep' must be a constant count of at least 0, or a percentage in [0%, 100%)");
    return;
  }
  const Expr* width = st.window ? st.window.get() : st.batch.get();
  auto w = width ? FoldExpr(*width) : std::nullopt;
  if (pct && w && w->kind() == Value::Kind::kPercent && w->percent() <= 100 &&
      w->percent() > 100 - v->percent() + 1e-9) {
    d_.Warning(width->loc, "W006",
               fmt::format("'{} {}' is wider than 'keep {} serving' allows: at most {} of the "
                           "items are out at once, so the engine runs no more than that",
                           st.window ? "window" : "batch", FormatPercent(w->percent()),
                           FormatPercent(v->percent()), FormatPercent(100 - v->percent())),
               {fmt::format("write '{} {}' to say what runs", st.window ? "window" : "batch",
                            FormatPercent(100 - v->percent()))});
  }
}

bool Checker::IsBoundedList(const Expr& e, const Scope& s, int depth) {
  // Bounded: a literal list, a const, range(), or anything read from an inventory
  // (directly or through the variable of a loop over a bounded list).
  if (depth > 32) return false;
  switch (e.kind) {
    case ExprKind::kList:
      return true;
    case ExprKind::kCall:
      return e.text == "range";
    case ExprKind::kField:
    case ExprKind::kIndex:
      return !e.items.empty() && IsBoundedList(*e.items[0], s, depth + 1);
    case ExprKind::kName: {
      Ref r = p_.RefOf(e);
      if (r.kind == RefKind::kConst) return true;
      if (r.kind == RefKind::kStage) {
        const Node& x = p_.nodes[r.index];
        return x.sig && x.sig->name == "fleet.inventory";
      }
      if (r.kind == RefKind::kVar) {
        const Stmt& loop = *p_.nodes[r.index].stmt;
        return loop.items && IsBoundedList(*loop.items, s, depth + 1);
      }
      return false;
    }
    default:
      return false;
  }
}

}  // namespace dandori::compiler
