// Program: what the checker learned about a workflow, handed to the lowering. It
// indexes every statement (Stmt::index), records each statement's enclosing block,
// its dependencies within that block, its operator signature, and what every name in
// every expression refers to. The AST stays owned by the File(s); Program points in.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/type.h"
#include "base/value.h"
#include "compiler/ast.h"
#include "stdlib/signatures.h"

namespace dandori::compiler {

// Where a statement lives: the workflow body or one of the handlers.
enum class Root { kBody = 0, kOnFailure = 1, kOnSuccess = 2 };

enum class RefKind {
  kNone,
  kParam,     // index = parameter index
  kConst,     // index = Program::consts index
  kStage,     // index = node (Stmt::index) of a stage or approve; its output record
  kStageAll,  // index = node; name[*], all outputs of a stage inside a loop
  kVar,       // index = node of the foreach / fanout / rolling statement
  kError,     // `error` inside an on failure handler
  kChoice,    // a bare identifier accepted as a string (format: hls); the Expr's text
};

struct Ref {
  RefKind kind = RefKind::kNone;
  int index = -1;
};

struct ConstInfo {
  const ConstDecl* decl = nullptr;
  TypePtr type;
  std::optional<Value> value;  // when it folds to a constant
  int state = 0;               // 0 unchecked, 1 in progress (cycle detection), 2 done
};

struct Node {
  Stmt* stmt = nullptr;
  int parent = -1;  // node of the enclosing block statement; -1 at a root
  Root root = Root::kBody;
  int pos = 0;            // position within its block's statement list
  int seq_start = 0;      // earliest node reached from here by default sequencing only
  std::vector<int> deps;  // nodes in the same block that must finish first
  const OperatorSignature* sig = nullptr;  // kStage with a known operator
  int depth = 0;                           // block nesting depth (0 at a root)
  bool in_cycle = false;
};

// The output of an `approve` gate: {approver: string}.
TypePtr ApproveOutputType();

inline bool IsLoop(StmtKind k) {
  return k == StmtKind::kForeach || k == StmtKind::kFanout || k == StmtKind::kRolling;
}
inline bool IsBlock(StmtKind k) { return IsLoop(k) || k == StmtKind::kGroup; }

struct Program {
  File* main = nullptr;
  Workflow* workflow = nullptr;  // nullptr for a library file (consts only)
  std::vector<ConstInfo> consts;
  std::map<std::string, int, std::less<>> const_by_name;
  std::vector<TypePtr> param_types;
  std::vector<Node> nodes;                                   // indexed by Stmt::index
  std::vector<int> root_children[3];                         // top-level statements of each root
  std::vector<std::vector<int>> children;                    // body statements of each node
  const Handler* handlers[3] = {nullptr, nullptr, nullptr};  // [kOnFailure], [kOnSuccess]
  std::unordered_map<const Expr*, Ref> refs;  // every kName / kAll expression resolved

  const std::vector<int>& Body(int node, Root root) const {
    return node < 0 ? root_children[static_cast<int>(root)] : children[node];
  }
  Ref RefOf(const Expr& e) const {
    auto it = refs.find(&e);
    return it == refs.end() ? Ref{} : it->second;
  }
};

}  // namespace dandori::compiler
