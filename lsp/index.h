// The symbol index of one checked document: every definition (stages, groups, approve
// gates, parameters, consts, loop variables, imports) and every use of one, with its
// exact location, built from the compiler's AST and the checker's name resolution
// (compiler/program.h Ref), so the language server answers definition, references,
// rename, hover and symbols from what the compiler itself resolved. Operator and
// argument-name uses are indexed too (for hover). When syntax errors stopped the
// checker, names resolve by spelling instead.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/analyze.h"
#include "compiler/source.h"
#include "stdlib/signatures.h"

namespace dandori::lsp {

enum class SymbolKind { kStage, kGroup, kApprove, kParam, kConst, kVar, kImport };

struct Symbol {
  SymbolKind kind = SymbolKind::kStage;
  std::string name;
  compiler::Loc def;                       // file = SourceManager index
  const compiler::Stmt* stmt = nullptr;    // stages, groups, approves, loops
  const compiler::Param* param = nullptr;  // parameters
  const compiler::ConstDecl* decl = nullptr;
  TypePtr type;             // what a use of the name evaluates to, when known
  std::string import_path;  // imports: the file it names, resolved
};

// One place a symbol's name is written, in the main file.
struct Occurrence {
  int line = 0, col = 0;  // 1-based, bytes
  int length = 0;         // bytes
  int symbol = -1;
  bool def = false;
  const compiler::Expr* expr = nullptr;  // a use inside an expression
};

// An operator name or an argument name written in a stage call (for hover).
struct CallSite {
  int line = 0, col = 0, length = 0;
  const OperatorSignature* sig = nullptr;
  const ArgSpec* arg = nullptr;  // set for an argument name
};

class Index {
 public:
  void Build(const compiler::Analysis& a, const compiler::SourceManager& sm, int main_file);

  const Occurrence* At(int line, int col) const;
  const CallSite* CallAt(int line, int col) const;
  // Every occurrence of `symbol` in the main file, definition first when it is there.
  std::vector<const Occurrence*> OccurrencesOf(int symbol) const;
  // A symbol visible by this spelling (stages before variables before the rest), or -1.
  int Lookup(std::string_view name) const;

  const std::vector<Symbol>& symbols() const { return symbols_; }
  const Symbol& symbol(int i) const { return symbols_[static_cast<size_t>(i)]; }

 private:
  int Add(Symbol s, bool def_in_main, int length);
  void AddStmts(const std::vector<compiler::StmtPtr>& body);
  void Uses(const std::vector<compiler::StmtPtr>& body);
  void UsesInStmt(const compiler::Stmt& s);
  void UsesInExpr(const compiler::Expr* e, int depth = 0);
  void UsesInPolicy(const std::optional<compiler::Policy>& p);
  void AddUse(int line, int col, int length, int symbol, const compiler::Expr* e);
  int Resolve(const compiler::Expr& e) const;

  const compiler::Program* program_ = nullptr;
  int main_ = -1;
  std::vector<Symbol> symbols_;
  std::vector<Occurrence> occurrences_;
  std::vector<CallSite> calls_;
  std::map<const compiler::Stmt*, int> by_stmt_;
  std::map<const compiler::ConstDecl*, int> by_const_;
  std::vector<int> by_param_;
};

}  // namespace dandori::lsp
