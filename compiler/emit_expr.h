// Expression -> bytecode (enum Op of proto/dandori/v1/table.proto; docs/bytecode.md).
// Constant sub-expressions fold to one OP_CONST; names become OP_PARAM / OP_VAR /
// OP_STAGE / OP_STAGE_ALL / OP_ERROR by what the checker resolved them to.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/value.h"
#include "compiler/ast.h"
#include "compiler/program.h"
#include "dandori/v1/table.pb.h"

namespace dandori::compiler {

// The Table's constant pool, with equal values stored once.
class ConstPool {
 public:
  explicit ConstPool(v1::Table* table) : table_(table) {}
  int Add(const Value& v);
  // The index of the first of `names`, stored consecutively (for OP_RECORD).
  int AddNames(const std::vector<std::string>& names);

 private:
  v1::Table* table_;
  std::unordered_map<std::string, int> index_;  // encoded value -> index
  std::map<std::vector<std::string>, int> runs_;
};

// The expression as source-like text, for Code.source and `graph`.
std::string ExprText(const Expr& e, int depth = 0);

class ExprEmitter {
 public:
  // stage_state[node]: the state index of a statement (TASK / GATE / BLOCK_BEGIN).
  ExprEmitter(const Program& p, ConstPool& pool, const std::vector<int>& stage_state)
      : p_(p), pool_(pool), stage_state_(stage_state) {}

  // Fills `out` with the code of `e` (and its source text).
  void Emit(const Expr& e, v1::Code* out);
  // Code that builds a record {names[i]: values[i]}; a null value pushes a given Value.
  void EmitRecord(const std::vector<std::string>& names, const std::vector<const Expr*>& values,
                  const std::vector<Value>& fallback, v1::Code* out);
  std::optional<Value> FoldValue(const Expr& e) const;

 private:
  void Gen(const Expr& e, v1::Code* out, int depth);
  void Op(v1::Code* out, v1::Op op, int a = 0, int b = 0);

  const Program& p_;
  ConstPool& pool_;
  const std::vector<int>& stage_state_;
};

}  // namespace dandori::compiler
