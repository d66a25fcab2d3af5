// The checker's driver: consts (across imports), parameters, then the workflow.
#include "compiler/check.h"

#include <fmt/format.h>

#include "base/suggest.h"
#include "compiler/checker.h"
#include "compiler/consteval.h"
#include "stdlib/signatures.h"

namespace dandori::compiler {

std::unique_ptr<Program> Check(File& main, const std::vector<File*>& imports,
                               const SourceManager& sm, Diagnostics& diags) {
  auto program = std::make_unique<Program>();
  Checker(*program, sm, diags).Run(main, imports);
  return program;
}

void CheckParsedFile(File& file, const SourceManager& sm, Diagnostics& diags) {
  Check(file, {}, sm, diags);
}

bool Checker::Assignable(const Type& from, const Type& to) {
  if (IsAssignable(from, to)) return true;
  // An integer literal is a size in bytes / units where a size is expected.
  return from.kind == Type::Kind::kInt && to.kind == Type::Kind::kSize;
}

void Checker::Run(File& main, const std::vector<File*>& imports) {
  // Build the operator registry before resolving any named type: the registry
  // (re)defines the named record types, and types resolved earlier would dangle.
  AllOperators();
  p_.main = &main;
  for (File* f : imports) CollectConsts(*f);
  CollectConsts(main);
  for (size_t i = 0; i < p_.consts.size(); ++i) CheckConst(static_cast<int>(i));
  if (!main.workflow) return;
  p_.workflow = &*main.workflow;
  CheckParams();
  CheckWorkflow();
}

void Checker::CollectConsts(File& f) {
  for (ConstDecl& c : f.consts) {
    auto [it, inserted] = p_.const_by_name.emplace(c.name, static_cast<int>(p_.consts.size()));
    if (!inserted) {
      const Loc& prev = p_.consts[it->second].decl->loc;
      d_.Error(c.loc, "E040", fmt::format("const '{}' is already declared", c.name),
               {fmt::format("previous declaration at {}:{}:{}", sm_.path(prev.file), prev.line,
                            prev.col)});
      continue;
    }
    p_.consts.push_back(ConstInfo{&c, Type::Any(), std::nullopt, 0});
  }
}

void Checker::CheckConst(int i) {
  ConstInfo& c = p_.consts[i];
  if (c.state == 2) return;
  if (c.state == 1) {
    d_.Error(c.decl->loc, "E035",
             fmt::format("const '{}' is defined in terms of itself", c.decl->name));
    c.state = 2;
    return;
  }
  c.state = 1;
  Scope s;
  s.consts_only = true;
  if (c.decl->value) {
    Expr& e = *const_cast<ConstDecl*>(c.decl)->value;
    c.type = CheckExpr(e, s);
    c.value = FoldExpr(e);
  }
  c.state = 2;
}

std::optional<Value> Checker::FoldExpr(const Expr& e) {
  return Fold(e, [this](const Expr& name) -> const Value* {
    Ref r = p_.RefOf(name);
    if (r.kind != RefKind::kConst) return nullptr;
    const ConstInfo& c = p_.consts[r.index];
    return c.value ? &*c.value : nullptr;
  });
}

void Checker::CheckParams() {
  Workflow& w = *p_.workflow;
  for (size_t i = 0; i < w.params.size(); ++i) {
    Param& prm = w.params[i];
    TypePtr t = Type::Any();
    auto parsed = ParseType(prm.type_text, FindNamedType);
    if (!parsed.ok()) {
      // "integer" -> int, "lst<int>" -> list: suggest for the word before any '<'.
      std::string head = prm.type_text.substr(0, prm.type_text.find('<'));
      std::vector<std::string> names = {"any",  "bool",     "int",  "float",   "string",
                                        "path", "duration", "size", "percent", "list"};
      for (std::string& n : NamedTypeNames()) names.push_back(std::move(n));
      std::string hint = head.find('{') == std::string::npos ? DidYouMean(head, names) : "";
      d_.Error(
          prm.type_loc.valid() ? prm.type_loc : prm.loc, "E034",
          fmt::format("unknown type '{}' for parameter '{}'{}", prm.type_text, prm.name, hint));
    } else {
      t = *parsed;
    }
    p_.param_types.push_back(t);
    auto [it, inserted] = param_names_.emplace(prm.name, static_cast<int>(i));
    if (!inserted) {
      d_.Error(prm.loc, "E040", fmt::format("parameter '{}' is declared twice", prm.name));
    } else if (p_.const_by_name.count(prm.name)) {
      d_.Error(prm.loc, "E040",
               fmt::format("parameter '{}' has the same name as a const", prm.name));
    }
    if (prm.default_value) {
      Scope s;
      s.params_visible = static_cast<int>(i);
      TypePtr dt = CheckExpr(*prm.default_value, s);
      if (!Assignable(*dt, *t)) {
        d_.Error(prm.default_value->loc, "E015",
                 fmt::format("default of parameter '{}' is {}, expected {}", prm.name,
                             dt->ToString(), t->ToString()));
      }
    }
  }
}

void Checker::CheckWorkflow() {
  Workflow& w = *p_.workflow;
  IndexBody(w.body, -1, Root::kBody, 0);
  for (const Handler& h : w.handlers) {
    Root root = h.on_failure ? Root::kOnFailure : Root::kOnSuccess;
    int r = static_cast<int>(root);
    if (p_.handlers[r]) {
      d_.Error(h.loc, "E043",
               fmt::format("a second 'on {}' handler; a workflow has at most one",
                           h.on_failure ? "failure" : "success"));
      continue;
    }
    p_.handlers[r] = &h;
    IndexBody(const_cast<Handler&>(h).body, -1, root, 0);
  }
  loop_var_types_.assign(p_.nodes.size(), nullptr);
  visit_mark_.assign(p_.nodes.size(), 0);
  colour_.assign(p_.nodes.size(), 0);
  prefix_.assign(p_.nodes.size(), 0);
  DeclareNames();
  ForEachBlock([this](const std::vector<int>& b) { ResolveDeps(b); });
  ForEachBlock([this](const std::vector<int>& b) { FindCycles(b); });
  if (w.defaults) CheckPolicy(*w.defaults, PolicyPlace::kDefaults, nullptr);
  if (w.policy) CheckPolicy(*w.policy, PolicyPlace::kWorkflow, nullptr);
  for (size_t n = 0; n < p_.nodes.size(); ++n) CheckStmt(static_cast<int>(n));
  ForEachBlock([this](const std::vector<int>& b) { FindUnreachable(b); });
}

}  // namespace dandori::compiler
