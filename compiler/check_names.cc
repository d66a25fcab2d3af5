// Name resolution in expressions: loop variables, stages (with the stage-visibility
// rules: what has surely run before this point, `name` vs `name[*]` across loops),
// parameters, consts and the failure handler's `error`.
#include <fmt/format.h>

#include "base/suggest.h"
#include "compiler/checker.h"

namespace dandori::compiler {
namespace {

std::string LocText(const Loc& l) {
  return l.valid() ? fmt::format("{}:{}", l.line, l.col) : std::string("?");
}

TypePtr ErrorRecordType() {
  static TypePtr t = Type::Record("", {{"message", Type::String(), false},
                                       {"class", Type::String(), false},
                                       {"stage", Type::String(), false},
                                       {"loc", Type::String(), false}});
  return t;
}

}  // namespace

TypePtr Checker::LoopVarType(int loop_node) {
  TypePtr t = loop_var_types_[loop_node];
  return t ? t : Type::Any();
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
  if (s.policy && (loop_vars_.count(name) || stage_names_.count(name))) {
    d_.Error(e.loc, "E064",
             fmt::format("'{}' is a {} and cannot be used in a policy", name,
                         stage_names_.count(name) ? "stage" : "loop variable"),
             {"a policy is bound once, when the job starts, from parameters and constants only"});
    return Type::Any();
  }
  if (auto it = loop_vars_.find(name); it != loop_vars_.end() && !s.consts_only) {
    const Stmt& ls = *p_.nodes[it->second].stmt;
    d_.Error(e.loc, "E022", fmt::format("loop variable '{}' is used outside its block", name),
             {fmt::format("'{}' is declared by the {} at {} and visible only in its body", name,
                          NodeName(it->second), LocText(ls.loc))});
    return Type::Any();
  }
  if (name == "error") {
    d_.Error(e.loc, "E020", "'error' is only available inside an 'on failure' handler");
    return Type::Any();
  }
  std::vector<std::string> names = {"true", "false", "null"};  // `True` is a misspelled literal
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
                            LocText(sa.loc))});
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

}  // namespace dandori::compiler
