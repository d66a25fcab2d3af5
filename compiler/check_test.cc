#include "compiler/check.h"

#include <catch2/catch.hpp>

#include "compiler/parse.h"
#include "compiler/report.h"

namespace dandori::compiler {
namespace {

struct Checked {
  SourceManager sm;
  Diagnostics diags;
  std::unique_ptr<File> file;
  std::unique_ptr<Program> program;
  std::string report() const { return RenderReport(diags, sm, ReportFormat::kText); }
};

std::unique_ptr<Checked> CheckText(const std::string& text) {
  auto c = std::make_unique<Checked>();
  int f = c->sm.Add("t.flow", text);
  c->file = ParseFile(c->sm, f, c->diags);
  REQUIRE(c->file);
  REQUIRE(!c->diags.has_errors());
  c->program = Check(*c->file, {}, c->sm, c->diags);
  return c;
}

const Node& NodeNamed(const Program& p, const std::string& name) {
  for (const Node& n : p.nodes) {
    if (n.stmt->name == name || n.stmt->var == name) return n;
  }
  FAIL("no node " << name);
  return p.nodes[0];
}

TEST_CASE("statements are indexed with parents, deps and signatures") {
  auto c = CheckText(R"(workflow w(source: path) {
  stage probe = media.probe(source)
  stage split = media.split(source)
  foreach ch in split.chunks parallel 2 {
    stage enc = media.encode(ch, height: probe.height)
  }
  stage merge = media.merge(enc[*])
  stage check = media.probe(source) after split
})");
  INFO(c->report());
  REQUIRE(!c->diags.has_errors());
  const Program& p = *c->program;
  REQUIRE(p.nodes.size() == 6);
  const Node& split = NodeNamed(p, "split");
  const Node& loop = NodeNamed(p, "ch");
  const Node& enc = NodeNamed(p, "enc");
  const Node& merge = NodeNamed(p, "merge");
  CHECK(split.deps == std::vector<int>{NodeNamed(p, "probe").stmt->index});
  CHECK(loop.deps == std::vector<int>{split.stmt->index});
  CHECK(enc.parent == loop.stmt->index);
  CHECK(enc.deps.empty());
  CHECK(merge.deps == std::vector<int>{loop.stmt->index});
  // `after` replaces the default sequencing.
  CHECK(NodeNamed(p, "check").deps == std::vector<int>{split.stmt->index});
  REQUIRE(enc.sig);
  CHECK(enc.sig->name == "media.encode");
  // The loop variable has the element type of the list.
  const Expr& ch_arg = *enc.stmt->args[0].value;
  CHECK(p.RefOf(ch_arg).kind == RefKind::kVar);
  CHECK(ch_arg.type->ToString() == "chunk");
  const Expr& all = *merge.stmt->args[0].value;
  CHECK(p.RefOf(all).kind == RefKind::kStageAll);
  CHECK(all.type->ToString() == "list<encoded>");
}

TEST_CASE("a stage after a foreach is visible; one beside it through after is not") {
  auto c = CheckText(R"(workflow w(items: list<int>) {
  stage a = noop(value: 1)
  foreach x in items parallel 2 {
    stage b = noop(value: a.value)
  }
  stage c = noop(value: len(b[*])) after a
})");
  CHECK(c->report().find("E021") != std::string::npos);
  CHECK(c->report().find("'foreach x' does not come before 'c'") != std::string::npos);
}

TEST_CASE("a long chain of stages each reading the previous one checks clean") {
  std::string text = "workflow chain() {\n  stage s0 = noop(value: 0)\n";
  for (int i = 1; i < 3000; ++i) {
    text += "  stage s" + std::to_string(i) + " = noop(value: s" + std::to_string(i - 1) +
            ".value) after s" + std::to_string(i - 1) + "\n";
  }
  text += "  stage last = noop(value: s0.value)\n}\n";
  auto c = CheckText(text);
  INFO(c->report());
  CHECK(!c->diags.has_errors());
}

TEST_CASE("CheckParsedFile survives hand-built, half-empty ASTs") {
  SourceManager sm;
  int f = sm.Add("x.flow", "");
  File file;
  file.file = f;
  file.workflow.emplace();
  file.workflow->name = "w";
  auto stage = std::make_unique<Stmt>();
  stage->kind = StmtKind::kStage;
  stage->name = "a";
  stage->op = "noop";
  stage->args.push_back(Arg{"value", Loc{}, nullptr});
  auto loop = std::make_unique<Stmt>();
  loop->kind = StmtKind::kForeach;  // no items, no var
  auto bin = std::make_unique<Expr>();
  bin->kind = ExprKind::kBinary;  // no operands
  bin->text = "+";
  loop->when = std::move(bin);
  file.workflow->body.push_back(std::move(stage));
  file.workflow->body.push_back(std::move(loop));
  Diagnostics diags;
  CHECK_NOTHROW(CheckParsedFile(file, sm, diags));
}

}  // namespace
}  // namespace dandori::compiler
