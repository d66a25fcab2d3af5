#include "engine/table_builder.h"

#include "proto/table_links.h"
#include "proto/table_version.h"
#include "proto/value_codec.h"

namespace dandori::engine {
namespace {

v1::Code Op(v1::Op op, int a = 0, int b = 0) {
  v1::Code c;
  auto* in = c.add_code();
  in->set_op(op);
  in->set_a(a);
  in->set_b(b);
  return c;
}

void Append(v1::Code* to, const v1::Code& from) {
  for (const auto& in : from.code()) *to->add_code() = in;
}

}  // namespace

TableBuilder::TableBuilder(std::string workflow) {
  t_.set_format_version(v1::kTableFormatVersion);
  t_.set_workflow(std::move(workflow));
  t_.add_files("test.flow");
  t_.set_on_failure(-1);
  t_.set_on_success(-1);
}

int TableBuilder::AddConst(const Value& v) {
  ValueToProto(v, t_.add_consts());
  return t_.consts_size() - 1;
}

v1::Code TableBuilder::Const(const Value& v) { return Op(v1::OP_CONST, AddConst(v)); }
v1::Code TableBuilder::Param(int i) { return Op(v1::OP_PARAM, i); }
v1::Code TableBuilder::Var(int b) { return Op(v1::OP_VAR, b); }
v1::Code TableBuilder::Stage(int s) { return Op(v1::OP_STAGE, s); }
v1::Code TableBuilder::StageAll(int s) { return Op(v1::OP_STAGE_ALL, s); }
v1::Code TableBuilder::Error() { return Op(v1::OP_ERROR); }
v1::Code TableBuilder::Env(const std::string& name) {
  return Op(v1::OP_ENV, AddConst(Value::String(name)));
}

v1::Code TableBuilder::Field(v1::Code record, const std::string& name) {
  Append(&record, Op(v1::OP_FIELD, AddConst(Value::String(name))));
  return record;
}

v1::Code TableBuilder::Record(std::vector<std::pair<std::string, v1::Code>> fields) {
  v1::Code c;
  for (auto& [name, code] : fields) Append(&c, code);
  int first = t_.consts_size();
  for (auto& [name, code] : fields) AddConst(Value::String(name));
  Append(&c, Op(v1::OP_RECORD, static_cast<int>(fields.size()), first));
  return c;
}

v1::Code TableBuilder::Call(v1::Builtin fn, std::vector<v1::Code> args) {
  v1::Code c;
  for (auto& a : args) Append(&c, a);
  Append(&c, Op(v1::OP_CALL, fn, static_cast<int>(args.size())));
  return c;
}

v1::Code TableBuilder::Binary(v1::Op op, v1::Code a, v1::Code b) {
  Append(&a, b);
  Append(&a, Op(op));
  return a;
}

int TableBuilder::AddParam(const std::string& name, const std::string& type, bool required,
                           v1::Code default_value) {
  auto* p = t_.add_params();
  p->set_name(name);
  p->set_type(type);
  p->set_required(required);
  *p->mutable_default_value() = std::move(default_value);
  return t_.params_size() - 1;
}

int TableBuilder::Add(v1::State s) {
  int i = t_.states_size();
  s.set_index(i);
  s.mutable_loc()->set_line(i + 1);
  s.mutable_loc()->set_col(1);
  *t_.add_states() = std::move(s);
  return i;
}

int TableBuilder::Task(const std::string& name, const std::string& op, v1::Code args, int parent,
                       std::vector<int> deps, v1::Policy policy) {
  v1::State s;
  s.set_name(name);
  s.set_kind(v1::TASK);
  s.set_parent(parent);
  for (int d : deps) s.add_deps(d);
  s.set_op(op);
  *s.mutable_args() = std::move(args);
  *s.mutable_policy() = std::move(policy);
  return Add(std::move(s));
}

int TableBuilder::Gate(const std::string& name, int parent, std::vector<int> deps) {
  v1::State s;
  s.set_name(name);
  s.set_kind(v1::GATE);
  s.set_parent(parent);
  for (int d : deps) s.add_deps(d);
  return Add(std::move(s));
}

int TableBuilder::Begin(v1::BlockKind kind, const std::string& name, v1::Code items, int parent,
                        std::vector<int> deps) {
  v1::State s;
  s.set_name(name);
  s.set_kind(v1::BLOCK_BEGIN);
  s.set_parent(parent);
  for (int d : deps) s.add_deps(d);
  s.mutable_block()->set_kind(kind);
  *s.mutable_block()->mutable_items() = std::move(items);
  s.mutable_block()->set_tolerate(-1);
  int i = Add(std::move(s));
  if (kind == v1::ON_FAILURE) t_.set_on_failure(i);
  if (kind == v1::ON_SUCCESS) t_.set_on_success(i);
  return i;
}

int TableBuilder::End(int begin) {
  v1::State s;
  s.set_name(t_.states(begin).name() + ".end");
  s.set_kind(v1::BLOCK_END);
  s.set_parent(t_.states(begin).parent());
  *s.mutable_block() = t_.states(begin).block();
  s.mutable_block()->clear_items();
  s.mutable_block()->set_begin(begin);
  int i = Add(std::move(s));
  auto* b = t_.mutable_states(begin)->mutable_block();
  b->set_begin(begin);
  b->set_end(i);
  t_.mutable_states(i)->mutable_block()->set_end(i);
  return i;
}

v1::Table TableBuilder::Build() {
  v1::State ok;
  ok.set_name("succeed");
  ok.set_kind(v1::SUCCEED);
  ok.set_parent(-1);
  t_.set_succeed(Add(ok));
  v1::State bad;
  bad.set_name("fail");
  bad.set_kind(v1::FAIL);
  bad.set_parent(-1);
  t_.set_fail(Add(bad));
  // A dependency on a block means on its completion, its END.
  for (v1::State& s : *t_.mutable_states()) {
    for (int k = 0; k < s.deps_size(); ++k) {
      const v1::State& d = t_.states(s.deps(k));
      if (d.kind() == v1::BLOCK_BEGIN) s.set_deps(k, d.block().end());
    }
  }
  v1::LinkTransitions(&t_);
  return t_;
}

v1::Policy RetryPolicy(int retries, int64_t min_ms, int64_t max_ms, bool jitter) {
  v1::Policy p;
  p.set_retries(retries);
  p.set_backoff_min_ms(min_ms);
  p.set_backoff_max_ms(max_ms);
  p.set_jitter(jitter);
  return p;
}

}  // namespace dandori::engine
