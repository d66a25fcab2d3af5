// `dandori graph FILE.flow|FILE.flowc [--format dot|mermaid]`: draws the compiled Table. A .flow
// with errors exits 2 (cli/driver.h).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/driver.h"
#include "compiler/graph.h"

namespace dandori::cli {
namespace {

struct GraphArgs {
  std::string file;
  std::string format = "dot";
};

int RunGraph(const GraphArgs& args) {
  using namespace dandori::compiler;
  if (args.format != "dot" && args.format != "mermaid") {
    return Fail("graph", Status::Invalid("unknown --format '" + args.format + "' (dot, mermaid)"));
  }
  auto table = LoadWorkflow(args.file);
  if (!table.ok()) return Fail("graph", table.status());
  std::string out = args.format == "dot" ? RenderDot(*table) : RenderMermaid(*table);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"graph", "Draw a workflow's stages and transitions (DOT or Mermaid)",
                 [](CLI::App* sub) -> CommandMain {
                   auto args = std::make_shared<GraphArgs>();
                   sub->add_option("file", args->file, "FILE.flow or FILE.flowc")->required();
                   sub->add_option("--format", args->format, "dot | mermaid");
                   return [args] { return RunGraph(*args); };
                 },
                 40});

}  // namespace dandori::cli
