// Program: the flat executable form of a Table, made once by the loader
// (engine/loader.h). Arrays indexed by state index; names resolved; expressions
// flattened for the interpreter; operator signatures and implementations resolved;
// each block knows its body. The scheduler only reads a Program (it is immutable and
// may be shared by threads).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/type.h"
#include "base/value.h"
#include "dandori/v1/table.pb.h"
#include "engine/interpreter.h"
#include "stdlib/operator.h"
#include "stdlib/signatures.h"

namespace dandori::engine {

struct ProgramParam {
  std::string name;
  TypePtr type;
  bool required = false;
  FlatCode default_value;
};

struct ProgramState {
  int index = 0;
  std::string name;
  v1::StateKind kind = v1::STATE_KIND_UNSPECIFIED;
  std::string loc;  // "file.flow:12:3"
  int parent = -1;  // enclosing BLOCK_BEGIN, -1 at top level
  int slot = 0;     // position in the parent's body
  // The Table's transitions, in the body's terms (a block's node stands for its BEGIN
  // and its END together: it starts at the BEGIN and completes at the END):
  std::vector<int> deps;        // join list: predecessor slots in the same body
  std::vector<int> dependents;  // next.ok: successor slots in the same body
  bool exits = false;           // next.ok also names the body's exit (a sink)
  int fail_to = -1;             // next.failed / next.timed_out (of the END for a block)
  int timeout_to = -1;
  FlatCode when;
  // TASK
  std::string op;
  const OperatorSignature* sig = nullptr;
  Operator* impl = nullptr;  // null when the registry lacks it (plan only)
  FlatCode args;
  v1::Policy policy;
  std::string pool;
  // BLOCK_BEGIN
  v1::Block block;
  FlatCode items;
  std::vector<int> body;     // state indices whose parent is this block (no BLOCK_END)
  std::vector<int> entries;  // BEGIN's next.ok: the body's first slots
  int exit_joins = 0;        // sinks that must complete before the body is done
  int end_ok = -1;           // handler: where its END goes (SUCCEED or FAIL)
  // GATE
  FlatCode message;
};

struct Program {
  v1::Table table;
  std::vector<Value> consts;
  std::vector<ProgramParam> params;
  std::vector<ProgramState> states;
  std::vector<int> top;          // the top-level body (no handlers, terminals or BLOCK_ENDs)
  std::vector<int> top_entries;  // top-level slots without dependencies
  int top_exit = -1;             // where the top level's sinks go: on_success or SUCCEED
  int top_exit_joins = 0;
  int top_fail_to = -1;  // where a top-level failure goes: on_failure or FAIL
  int on_failure = -1;
  int on_success = -1;
  int succeed = -1;
  int fail = -1;

  const ProgramState& state(int i) const { return states[i]; }
  // The body of block `b`, or the top level for -1.
  const std::vector<int>& Body(int b) const { return b < 0 ? top : states[b].body; }
  const std::vector<int>& Entries(int b) const { return b < 0 ? top_entries : states[b].entries; }
  int ExitJoins(int b) const { return b < 0 ? top_exit_joins : states[b].exit_joins; }
};

}  // namespace dandori::engine
