#include "lsp/index.h"

#include <algorithm>
#include <filesystem>

namespace dandori::lsp {
namespace {

using compiler::Expr;
using compiler::ExprKind;
using compiler::RefKind;
using compiler::Stmt;
using compiler::StmtKind;

constexpr int kMaxDepth = 1200;  // above the parser's expression depth cap

int Len(std::string_view s) { return static_cast<int>(s.size()); }

}  // namespace

int Index::Add(Symbol s, bool def_in_main, int length) {
  int id = static_cast<int>(symbols_.size());
  if (def_in_main && s.def.valid()) {
    occurrences_.push_back(Occurrence{s.def.line, s.def.col, length, id, true, nullptr});
  }
  symbols_.push_back(std::move(s));
  return id;
}

void Index::Build(const compiler::Analysis& a, const compiler::SourceManager& sm, int main_file) {
  *this = Index();
  main_ = main_file;
  program_ = a.program.get();
  if (!a.main) return;
  const compiler::File& f = *a.main;
  std::string dir = std::filesystem::path(sm.path(main_file)).parent_path().string();
  for (const compiler::Import& imp : f.imports) {
    Symbol s;
    s.kind = SymbolKind::kImport;
    s.name = imp.path;
    s.def = imp.loc;
    s.import_path = (std::filesystem::path(dir) / imp.path).lexically_normal().string();
    Add(std::move(s), true, Len(imp.path) + 2);
  }
  // Consts: the checker's list includes the imported files' consts.
  std::vector<const compiler::ConstDecl*> consts;
  if (program_) {
    for (const compiler::ConstInfo& c : program_->consts) consts.push_back(c.decl);
  } else {
    for (const compiler::ConstDecl& c : f.consts) consts.push_back(&c);
  }
  for (size_t i = 0; i < consts.size(); ++i) {
    Symbol s;
    s.kind = SymbolKind::kConst;
    s.name = consts[i]->name;
    s.def = consts[i]->loc;
    s.decl = consts[i];
    if (program_) s.type = program_->consts[i].type;
    by_const_[consts[i]] = Add(std::move(s), consts[i]->loc.file == main_, Len(consts[i]->name));
  }
  if (f.workflow) {
    const compiler::Workflow& w = *f.workflow;
    for (size_t i = 0; i < w.params.size(); ++i) {
      Symbol s;
      s.kind = SymbolKind::kParam;
      s.name = w.params[i].name;
      s.def = w.params[i].loc;
      s.param = &w.params[i];
      if (program_ && i < program_->param_types.size()) s.type = program_->param_types[i];
      by_param_.push_back(Add(std::move(s), true, Len(w.params[i].name)));
    }
    AddStmts(w.body);
    for (const compiler::Handler& h : w.handlers) AddStmts(h.body);
    for (const compiler::Param& p : w.params) UsesInExpr(p.default_value.get());
    Uses(w.body);
    for (const compiler::Handler& h : w.handlers) Uses(h.body);
    UsesInPolicy(w.defaults);
    UsesInPolicy(w.policy);
  }
  for (const compiler::ConstDecl& c : f.consts) UsesInExpr(c.value.get());
  std::sort(occurrences_.begin(), occurrences_.end(), [](const Occurrence& x, const Occurrence& y) {
    return std::tie(x.line, x.col) < std::tie(y.line, y.col);
  });
}

void Index::AddStmts(const std::vector<compiler::StmtPtr>& body) {
  for (const compiler::StmtPtr& sp : body) {
    if (!sp) continue;
    const Stmt& s = *sp;
    if (compiler::IsLoop(s.kind)) {
      Symbol sym;
      sym.kind = SymbolKind::kVar;
      sym.name = s.var;
      sym.def = s.var_loc;
      sym.stmt = &s;
      if (s.items && s.items->type && s.items->type->kind == Type::Kind::kList) {
        sym.type = s.items->type->elem;
      }
      by_stmt_[&s] = Add(std::move(sym), true, Len(s.var));
    } else if (!s.name.empty()) {
      SymbolKind k = s.kind == StmtKind::kGroup     ? SymbolKind::kGroup
                     : s.kind == StmtKind::kApprove ? SymbolKind::kApprove
                                                    : SymbolKind::kStage;
      Symbol sym;
      sym.kind = k;
      sym.name = s.name;
      sym.def = s.name_loc;
      sym.stmt = &s;
      if (k == SymbolKind::kApprove) sym.type = compiler::ApproveOutputType();
      if (k == SymbolKind::kStage) {
        if (const OperatorSignature* sig = FindOperator(s.op)) sym.type = sig->output;
      }
      by_stmt_[&s] = Add(std::move(sym), true, Len(s.name));
    }
    AddStmts(s.body);
  }
}

void Index::Uses(const std::vector<compiler::StmtPtr>& body) {
  for (const compiler::StmtPtr& sp : body) {
    if (sp) UsesInStmt(*sp);
  }
}

void Index::UsesInStmt(const Stmt& s) {
  if (s.kind == StmtKind::kStage) {
    const OperatorSignature* sig = FindOperator(s.op);
    if (s.op_loc.valid()) calls_.push_back(CallSite{s.op_loc.line, s.op_loc.col, Len(s.op), sig});
    for (size_t i = 0; i < s.args.size(); ++i) {
      const compiler::Arg& a = s.args[i];
      const ArgSpec* spec = !sig                   ? nullptr
                            : !a.name.empty()      ? sig->FindArg(a.name)
                            : i < sig->args.size() ? &sig->args[i]
                                                   : nullptr;
      if (!a.name.empty() && a.name_loc.valid()) {
        calls_.push_back(CallSite{a.name_loc.line, a.name_loc.col, Len(a.name), sig, spec});
      }
      UsesInExpr(a.value.get());
    }
  }
  for (const compiler::Ident& id : s.after) {
    int sym = Lookup(id.name);
    if (sym >= 0 && symbols_[static_cast<size_t>(sym)].stmt) {
      AddUse(id.loc.line, id.loc.col, Len(id.name), sym, nullptr);
    }
  }
  UsesInExpr(s.when.get());
  UsesInExpr(s.items.get());
  UsesInExpr(s.parallel.get());
  UsesInExpr(s.batch.get());
  UsesInExpr(s.window.get());
  UsesInExpr(s.keep.get());
  UsesInExpr(s.tolerate.get());
  UsesInExpr(s.message.get());
  UsesInPolicy(s.policy);
  Uses(s.body);
}

void Index::UsesInPolicy(const std::optional<compiler::Policy>& p) {
  if (!p) return;
  for (const compiler::PolicyItem& item : p->items) {
    UsesInExpr(item.value.get());
    UsesInExpr(item.backoff_min.get());
    UsesInExpr(item.backoff_max.get());
  }
}

void Index::UsesInExpr(const Expr* e, int depth) {
  if (!e || depth > kMaxDepth) return;
  if (e->kind == ExprKind::kName || e->kind == ExprKind::kAll) {
    int sym = Resolve(*e);
    if (sym >= 0) AddUse(e->loc.line, e->loc.col, Len(e->text), sym, e);
  }
  for (const compiler::ExprPtr& item : e->items) UsesInExpr(item.get(), depth + 1);
}

void Index::AddUse(int line, int col, int length, int symbol, const Expr* e) {
  if (line <= 0) return;
  occurrences_.push_back(Occurrence{line, col, length, symbol, false, e});
}

// What the checker resolved the name to; by spelling when it did not run.
int Index::Resolve(const Expr& e) const {
  if (!program_) return Lookup(e.text);
  compiler::Ref r = program_->RefOf(e);
  auto stmt_symbol = [&](int node) {
    if (node < 0 || static_cast<size_t>(node) >= program_->nodes.size()) return -1;
    auto it = by_stmt_.find(program_->nodes[static_cast<size_t>(node)].stmt);
    return it == by_stmt_.end() ? -1 : it->second;
  };
  switch (r.kind) {
    case RefKind::kParam:
      return r.index >= 0 && static_cast<size_t>(r.index) < by_param_.size()
                 ? by_param_[static_cast<size_t>(r.index)]
                 : -1;
    case RefKind::kConst: {
      if (r.index < 0 || static_cast<size_t>(r.index) >= program_->consts.size()) return -1;
      auto it = by_const_.find(program_->consts[static_cast<size_t>(r.index)].decl);
      return it == by_const_.end() ? -1 : it->second;
    }
    case RefKind::kStage:
    case RefKind::kStageAll:
    case RefKind::kVar:
      return stmt_symbol(r.index);
    default:
      return -1;
  }
}

int Index::Lookup(std::string_view name) const {
  int best = -1, best_rank = 99;
  for (size_t i = 0; i < symbols_.size(); ++i) {
    const Symbol& s = symbols_[i];
    if (s.name != name || s.kind == SymbolKind::kImport) continue;
    int rank = s.stmt && s.kind != SymbolKind::kVar ? 0 : s.kind == SymbolKind::kVar ? 1 : 2;
    if (rank < best_rank) {
      best = static_cast<int>(i);
      best_rank = rank;
    }
  }
  return best;
}

const Occurrence* Index::At(int line, int col) const {
  for (const Occurrence& o : occurrences_) {
    if (o.line == line && col >= o.col && col <= o.col + o.length) return &o;
  }
  return nullptr;
}

const CallSite* Index::CallAt(int line, int col) const {
  for (const CallSite& c : calls_) {
    if (c.line == line && col >= c.col && col <= c.col + c.length) return &c;
  }
  return nullptr;
}

std::vector<const Occurrence*> Index::OccurrencesOf(int symbol) const {
  std::vector<const Occurrence*> out;
  for (const Occurrence& o : occurrences_) {
    if (o.symbol == symbol) out.push_back(&o);
  }
  std::stable_partition(out.begin(), out.end(), [](const Occurrence* o) { return o->def; });
  return out;
}

}  // namespace dandori::lsp
