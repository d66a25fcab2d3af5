// The expression interpreter: runs the stack-machine bytecode of a compiled Table
// (enum Op / enum Builtin in proto/dandori/v1/table.proto; docs/bytecode.md) over
// runtime Values. The loader flattens each dandori.v1.Code once (Flatten) and converts
// the constant pool once (ConstPool); Evaluate then runs one tight dispatch loop.
//
// Scope-dependent loads (parameters, loop variables, stage outputs, env, the failure
// record) are answered by the caller through EvalScope, so the interpreter knows
// nothing about jobs, tasks or stores. Evaluation is pure otherwise and thread-safe:
// concurrent Evaluate calls may share a FlatCode and a constant pool.
//
// Runtime errors (type errors, a missing field, an index out of range, division by
// zero, int overflow, a budget exceeded) are Status kInvalidArgument with a message
// that names the problem; errors returned by EvalScope are passed through unchanged.
// Budgets: at most kMaxSteps instructions and kMaxStack stack slots per evaluation;
// range(), flatten() and + refuse lists longer than kMaxListLength, + and string
// templates strings longer than kMaxStringBytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/value.h"

namespace dandori::v1 {
class Code;
class Table;
}  // namespace dandori::v1

namespace dandori::engine {

inline constexpr int64_t kMaxSteps = 1'000'000;       // instructions per evaluation
inline constexpr int64_t kMaxStack = 4'096;           // stack slots per evaluation
inline constexpr int64_t kMaxListLength = 1'000'000;  // lists built by range() etc.
inline constexpr size_t kMaxStringBytes = 16u << 20;  // strings built by + and templates

// Answers the scope-dependent loads of a running expression.
class EvalScope {
 public:
  virtual ~EvalScope() = default;
  virtual Result<Value> Param(int index) = 0;            // OP_PARAM
  virtual Result<Value> Var(int block_state) = 0;        // OP_VAR (loop variable of that block)
  virtual Result<Value> Stage(int state) = 0;            // OP_STAGE
  virtual Result<Value> StageAll(int state) = 0;         // OP_STAGE_ALL (name[*])
  virtual Result<Value> Env(std::string_view name) = 0;  // OP_ENV
  virtual Result<Value> Error() = 0;                     // OP_ERROR
};

// One instruction with the enum already reduced to a plain int (dandori::v1::Op).
struct FlatInstr {
  int32_t op = 0;
  int32_t a = 0;
  int32_t b = 0;
};

// A compiled expression in flat form. Empty code means "absent" (e.g. no `when`).
struct FlatCode {
  std::vector<FlatInstr> code;
  std::string source;  // the expression's text, for messages
  bool empty() const { return code.empty(); }
};

FlatCode Flatten(const dandori::v1::Code& code);

// The Table's constant pool as runtime Values (proto/value_codec.h), converted once.
std::vector<Value> ConstPool(const dandori::v1::Table& table);

// Runs `code` and returns the single value left on the stack. An empty FlatCode is an
// error (the caller decides what "absent" means). Messages do not name the stage or
// the source location: the caller adds them (code.source holds the expression text).
Result<Value> Evaluate(const FlatCode& code, const std::vector<Value>& consts, EvalScope& scope);

}  // namespace dandori::engine
