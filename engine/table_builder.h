// TableBuilder: writes dandori.v1.Table messages by hand, for engine tests, the crash
// test and benchmarks that must not depend on the compiler. Expressions are built as
// bytecode with the small helpers below (see docs/bytecode.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/value.h"
#include "dandori/v1/table.pb.h"

namespace dandori::engine {

class TableBuilder {
 public:
  explicit TableBuilder(std::string workflow);

  // ---- expressions ----
  v1::Code Const(const Value& v);
  v1::Code Param(int index);
  v1::Code Var(int block);
  v1::Code Stage(int state);
  v1::Code StageAll(int state);
  v1::Code Error();
  v1::Code Env(const std::string& name);
  v1::Code Field(v1::Code record, const std::string& name);
  v1::Code Record(std::vector<std::pair<std::string, v1::Code>> fields);
  v1::Code Call(v1::Builtin fn, std::vector<v1::Code> args);
  v1::Code Binary(v1::Op op, v1::Code a, v1::Code b);

  // ---- declarations ----
  int AddParam(const std::string& name, const std::string& type, bool required,
               v1::Code default_value = {});
  int Task(const std::string& name, const std::string& op, v1::Code args, int parent = -1,
           std::vector<int> deps = {}, v1::Policy policy = {});
  int Gate(const std::string& name, int parent = -1, std::vector<int> deps = {});
  // Opens a block; states added with parent = the returned index belong to it. Close it
  // with End(begin) after its body.
  int Begin(v1::BlockKind kind, const std::string& name, v1::Code items, int parent = -1,
            std::vector<int> deps = {});
  int End(int begin);
  v1::State& state(int i) { return *t_.mutable_states(i); }
  v1::Table Build();

 private:
  int AddConst(const Value& v);
  int Add(v1::State s);
  v1::Table t_;
};

v1::Policy RetryPolicy(int retries, int64_t min_ms = 0, int64_t max_ms = 0, bool jitter = false);

}  // namespace dandori::engine
