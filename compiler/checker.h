// Internal to the checker (check_*.cc): the Checker class, split by concern over
// check.cc (consts, params, driver), check_graph.cc (statement indexing, names,
// dependencies, cycles, visibility), check_stmt.cc (calls, loops), check_policy.cc
// (policies), check_names.cc (name resolution, stage visibility) and check_expr.cc
// (expression types).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/program.h"
#include "compiler/source.h"
#include "proto/table_version.h"

namespace dandori::compiler {

// Budgets on untrusted input.
constexpr int kMaxCheckDepth = 1100;  // above the parser's own limit
constexpr int kMaxBlockDepth = 64;
constexpr int kMaxRetries = v1::kMaxRetries;
constexpr int64_t kMaxNestedAttempts = 10;                   // W007 above this product of retries
constexpr int64_t kMaxDurationMs = 30LL * 24 * 3600 * 1000;  // 30 days

// Whether a policy (or an optional one) has an item of kind `k`.
inline bool HasPolicyItem(const Policy& p, PolicyItem::Kind k) {
  for (const PolicyItem& it : p.items) {
    if (it.kind == k) return true;
  }
  return false;
}

inline bool HasPolicyItem(const std::optional<Policy>& p, PolicyItem::Kind k) {
  return p && HasPolicyItem(*p, k);
}

// Where an expression appears: which statement holds it and which names it sees.
struct Scope {
  int site = -1;   // node of the statement holding the expression; -1: params / consts
  int block = -1;  // innermost block whose body holds the expression (loop vars visible)
  Root root = Root::kBody;
  bool consts_only = false;      // const declarations
  int params_visible = 1 << 30;  // parameter defaults see only earlier parameters
  bool policy = false;           // a policy value: bound at job start, params and consts only
};

enum class PolicyPlace { kStage, kDefaults, kGroup, kLoop, kWorkflow };

class Checker {
 public:
  Checker(Program& p, const SourceManager& sm, Diagnostics& d) : p_(p), sm_(sm), d_(d) {}
  void Run(File& main, const std::vector<File*>& imports);

 private:
  // check.cc
  void CollectConsts(File& f);
  void CheckConst(int i);
  void CheckParams();
  void CheckWorkflow();

  // check_graph.cc
  void IndexBody(std::vector<StmtPtr>& body, int parent, Root root, int depth);
  void DeclareNames();
  void ResolveDeps(const std::vector<int>& block);
  void FindCycles(const std::vector<int>& block);
  void FindUnreachable(const std::vector<int>& block);
  bool IsBefore(int x, int e);
  std::string NodeName(int n) const;
  void ForEachBlock(const std::function<void(const std::vector<int>&)>& fn);

  // check_stmt.cc
  void CheckStmt(int n);
  void CheckCall(int n, const Scope& s);
  void CheckArgValue(Arg& arg, const ArgSpec& spec, const OperatorSignature& sig, const Scope& s);
  void CheckLoopHeader(int n, const Scope& s);
  void CheckKeep(const Stmt& st);
  void CheckNestedRetries(int n);
  int ConstRetries(const std::optional<Policy>& p);
  bool IsBoundedList(const Expr& e, const Scope& s, int depth = 0);

  // check_policy.cc
  void CheckPolicy(const Policy& policy, PolicyPlace place, const OperatorSignature* sig);
  bool CanTimeOut(const Policy& stage) const;
  std::optional<int64_t> PolicyDuration(const Expr* e, std::string_view what);
  void CheckRetryCount(const PolicyItem& it, PolicyPlace place, const Policy& policy,
                       const OperatorSignature* sig);
  void CheckTolerate(Expr& e, bool count_only);

  // check_names.cc
  TypePtr CheckName(Expr& e, const Scope& s, bool all);
  TypePtr CheckStageRef(Expr& e, int x, const Scope& s, bool all);
  TypePtr LoopVarType(int loop_node);

  // check_expr.cc
  TypePtr CheckExpr(Expr& e, const Scope& s, int depth = 0);
  TypePtr CheckBinary(Expr& e, const Scope& s, int depth);
  TypePtr CheckCallExpr(Expr& e, const Scope& s, int depth);
  TypePtr CheckField(Expr& e, const Scope& s, int depth);
  std::optional<Value> FoldExpr(const Expr& e);

 public:
  // Helpers shared by the check_*.cc files.
  static bool Assignable(const Type& from, const Type& to);
  static bool IsA(const TypePtr& t, Type::Kind k) { return t && t->kind == k; }
  static bool IsAnyT(const TypePtr& t) { return !t || t->kind == Type::Kind::kAny; }

 private:
  Program& p_;
  const SourceManager& sm_;
  Diagnostics& d_;
  std::map<std::string, int, std::less<>> stage_names_;  // stages, approves, groups
  std::map<std::string, int, std::less<>> param_names_;
  std::map<std::string, int, std::less<>> loop_vars_;  // first loop declaring each name
  std::vector<TypePtr> loop_var_types_;                // by node
  std::vector<int> prefix_;      // by node: siblings at positions < prefix_ all run before it
  std::vector<uint8_t> colour_;  // FindCycles scratch
  std::vector<int> visit_mark_;  // IsBefore scratch
  int visit_epoch_ = 0;
};

}  // namespace dandori::compiler
