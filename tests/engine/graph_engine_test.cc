// `dandori graph` draws exactly the transitions the engine takes: for every workflow in
// the repository, the edges of the graph (compiler/graph.h, from the Table) equal the
// edges of the Program the engine loads from that Table (engine/program_edges.h).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "compiler/compile.h"
#include "compiler/graph.h"
#include "engine/loader.h"
#include "engine/program_edges.h"

namespace dandori::engine {
namespace {

std::vector<std::string> Flows() {
  std::vector<std::string> out;
  for (const char* dir : {"workflows", "examples", "tests/compiler/golden", "tests/fleet"}) {
    for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".flow") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("graph edges are the engine's transitions") {
  auto flows = Flows();
  REQUIRE(flows.size() >= 8);
  int compared = 0;
  for (const std::string& flow : flows) {
    INFO(flow);
    compiler::SourceManager sm;
    compiler::Diagnostics diags;
    auto r = compiler::CompileFile(flow, sm, diags);
    if (!r.ok() || !r->table.has_value()) continue;  // an import-only file
    auto prog = LoadTable(*r->table, nullptr);
    REQUIRE(prog.ok());
    std::vector<ProgramEdge> engine = ProgramEdges(**prog);
    std::vector<ProgramEdge> graph;
    for (const compiler::GraphEdge& e : compiler::GraphEdges(*r->table)) {
      graph.push_back({e.from, e.to, e.kind});
    }
    std::sort(graph.begin(), graph.end());
    CHECK(engine == graph);
    ++compared;
  }
  CHECK(compared >= 8);
}

}  // namespace
}  // namespace dandori::engine
