#include "proto/table_verify.h"

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

TEST_CASE("a sound table verifies") { CHECK(v1::VerifyTable(Sample()).empty()); }

TEST_CASE("a cycle of transitions is refused") {
  v1::Table t = Sample();
  t.mutable_states(1)->mutable_next()->add_ok(0);
  t.mutable_states(0)->add_deps(1);
  CHECK(Mentions(v1::VerifyTable(t), "loop not bounded"));
}

TEST_CASE("a state that cannot reach a terminal is refused") {
  v1::Table t = Sample();
  v1::State* s = t.add_states();
  s->set_index(t.states_size() - 1);
  s->set_kind(v1::TASK);
  s->set_parent(-1);
  s->mutable_next()->set_failed(s->index());
  s->mutable_next()->set_timed_out(t.fail());

  auto problems = VerifyTable(t);
  CHECK(!problems.empty());
}

TEST_CASE("indices out of range and bad bytecode are refused") {
  v1::Table t = Sample();
  t.mutable_states(1)->mutable_args()->mutable_code(0)->set_a(9999);
  CHECK(Mentions(v1::VerifyTable(t), "out of range"));
  v1::Table u = Sample();
  u.mutable_states(1)->add_deps(77);
  CHECK(Mentions(v1::VerifyTable(u), "dependency 77"));
  v1::Table w = Sample();
  w.mutable_states(0)->mutable_policy()->set_retries(100000);
  CHECK(Mentions(v1::VerifyTable(w), "retry budget"));
  v1::Table x = Sample();
  x.mutable_states(0)->mutable_args()->add_code()->set_op(v1::OP_ADD);
  CHECK(Mentions(v1::VerifyTable(x), "stack"));
}

TEST_CASE("transitions the engine cannot execute are refused") {
  SourceManager sm;
  Diagnostics diags;
  CompileOutput out = CompileSource(sm.Add("t.flow", R"(workflow w() {
  foreach x in [1, 2] {
    stage a = noop()
    stage b = noop()
  }
  stage c = noop()
})"),
                                    sm, diags);
  REQUIRE(out.table.has_value());
  const v1::Table& good = *out.table;
  REQUIRE(v1::VerifyTable(good).empty());
  int a = -1, c = -1;
  for (const v1::State& s : good.states()) {
    if (s.name() == "a") a = s.index();
    if (s.name() == "c") c = s.index();
  }
  REQUIRE(a >= 0);
  REQUIRE(c >= 0);
  v1::Table t = good;  // a failure inside the loop that skips the block's END
  t.mutable_states(a)->mutable_next()->set_failed(good.fail());
  CHECK(Mentions(v1::VerifyTable(t), "failure transition"));
  v1::Table u = good;  // an ok transition out of the loop's body
  u.mutable_states(a)->mutable_next()->add_ok(c);
  u.mutable_states(c)->add_deps(a);
  CHECK(Mentions(v1::VerifyTable(u), "leaves the state's body"));
  v1::Table w = good;  // a join list that disagrees with the ok transitions
  w.mutable_states(c)->clear_deps();
  CHECK(Mentions(v1::VerifyTable(w), "join list"));
}

}  // namespace
}  // namespace dandori::compiler
