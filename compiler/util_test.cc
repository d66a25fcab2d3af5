// Small pieces of the back end: constant folding, SHA-256, graph output.
#include <catch2/catch.hpp>

#include "compiler/compile.h"
#include "compiler/consteval.h"
#include "compiler/graph.h"

namespace dandori::compiler {
namespace {

ExprPtr Lit(ExprKind k, int64_t i = 0, double f = 0) {
  auto e = std::make_unique<Expr>();
  e->kind = k;
  e->int_value = i;
  e->float_value = f;
  return e;
}

ExprPtr Bin(const char* op, ExprPtr a, ExprPtr b) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kBinary;
  e->text = op;
  e->items.push_back(std::move(a));
  e->items.push_back(std::move(b));
  return e;
}

TEST_CASE("constant folding") {
  auto v = Fold(*Bin("*", Lit(ExprKind::kDuration, 1500), Lit(ExprKind::kInt, 4)), nullptr);
  REQUIRE(v);
  CHECK(v->kind() == Value::Kind::kDuration);
  CHECK(v->duration_ms() == 6000);
  CHECK(!Fold(*Bin("/", Lit(ExprKind::kInt, 1), Lit(ExprKind::kInt, 0)), nullptr));
  CHECK(!Fold(*Bin("+", Lit(ExprKind::kInt, INT64_MAX), Lit(ExprKind::kInt, 1)), nullptr));
  auto c = Fold(*Bin("<", Lit(ExprKind::kInt, 1), Lit(ExprKind::kFloat, 0, 1.5)), nullptr);
  REQUIRE(c);
  CHECK(c->as_bool());
  auto name = std::make_unique<Expr>();
  name->kind = ExprKind::kName;
  CHECK(!Fold(*name, nullptr));
}

TEST_CASE("graph: clusters for blocks, failure edges") {
  SourceManager sm;
  Diagnostics diags;
  CompileOutput out = CompileSource(sm.Add("g.flow", R"(workflow g(items: list<int>) {
  stage a = noop()
  foreach x in items parallel 2 {
    stage b = noop(value: x)
  }
  on failure {
    stage alert = notify.webhook("http://h/x", "failed")
  }
})"),
                                    sm, diags);
  REQUIRE(out.table);
  std::string dot = RenderDot(*out.table);
  CHECK(dot.find("digraph \"g\"") == 0);
  CHECK(dot.find("subgraph cluster_1") != std::string::npos);
  CHECK(dot.find("foreach x in items parallel 2") != std::string::npos);
  CHECK(dot.find("[style=dashed, color=red, label=\"failed\"]") != std::string::npos);
  std::string mm = RenderMermaid(*out.table);
  CHECK(mm.find("flowchart TD") == 0);
  CHECK(mm.find("subgraph b1[\"foreach x in items parallel 2\"]") != std::string::npos);
  CHECK(mm.find("-.->|failed|") != std::string::npos);
  CHECK(mm.find("on failure") != std::string::npos);
}

}  // namespace
}  // namespace dandori::compiler
