#include "compiler/verify.h"

#include <catch2/catch.hpp>

#include "compiler/compile.h"

namespace dandori::compiler {
namespace {

v1::Table Sample() {
  SourceManager sm;
  Diagnostics diags;
  CompileOutput out = CompileSource(sm.Add("t.flow", R"(workflow w() {
  stage a = noop()
  stage b = noop(value: a.value)
})"),
                                    sm, diags);
  REQUIRE(out.table.has_value());
  return *out.table;
}

bool Mentions(const std::vector<std::string>& problems, const std::string& what) {
  for (const std::string& p : problems) {
    if (p.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("a sound table verifies") { CHECK(VerifyTable(Sample()).empty()); }

TEST_CASE("a cycle of transitions is refused") {
  v1::Table t = Sample();
  t.mutable_states(1)->mutable_next()->add_ok(0);
  CHECK(Mentions(VerifyTable(t), "loop not bounded"));
}

TEST_CASE("a state that cannot reach a terminal is refused") {
  v1::Table t = Sample();
  v1::State* s = t.add_states();
  s->set_index(t.states_size() - 1);
  s->set_kind(v1::TASK);
  s->set_parent(-1);
  s->mutable_next()->set_failed(s->index());
  s->mutable_next()->set_timed_out(t.fail());
  s->mutable_next()->set_cancelled(t.fail());
  auto problems = VerifyTable(t);
  CHECK(!problems.empty());
}

TEST_CASE("indices out of range and bad bytecode are refused") {
  v1::Table t = Sample();
  t.mutable_states(1)->mutable_args()->mutable_code(0)->set_a(9999);
  CHECK(Mentions(VerifyTable(t), "out of range"));
  v1::Table u = Sample();
  u.mutable_states(1)->add_deps(77);
  CHECK(Mentions(VerifyTable(u), "dependency 77"));
  v1::Table w = Sample();
  w.mutable_states(0)->mutable_policy()->set_retries(100000);
  CHECK(Mentions(VerifyTable(w), "retry budget"));
  v1::Table x = Sample();
  x.mutable_states(0)->mutable_args()->add_code()->set_op(v1::OP_ADD);
  CHECK(Mentions(VerifyTable(x), "stack"));
}

}  // namespace
}  // namespace dandori::compiler
