// `dandori graph FILE [--format dot|mermaid]`: draws the compiled Table.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "compiler/compile.h"
#include "compiler/graph.h"
#include "compiler/report.h"

namespace dandori::cli {
namespace {

struct GraphArgs {
  std::string file;
  std::string format = "dot";
};

int RunGraph(const GraphArgs& args) {
  using namespace dandori::compiler;
  if (args.format != "dot" && args.format != "mermaid") {
    std::fprintf(stderr, "dandori graph: unknown --format '%s' (dot, mermaid)\n",
                 args.format.c_str());
    return kExitBadInput;
  }
  SourceManager sm;
  Diagnostics diags;
  auto r = CompileFile(args.file, sm, diags);
  if (!r.ok()) {
    std::fprintf(stderr, "dandori graph: %s\n", r.status().message().c_str());
    return kExitBadInput;
  }
  if (diags.has_errors()) {
    std::string report = RenderReport(diags, sm, ReportFormat::kText);
    std::fwrite(report.data(), 1, report.size(), stderr);
    return kExitFailed;
  }
  if (!r->table) {
    std::fprintf(stderr, "dandori graph: %s declares no workflow\n", args.file.c_str());
    return kExitBadInput;
  }
  std::string out = args.format == "dot" ? RenderDot(*r->table) : RenderMermaid(*r->table);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"graph", "Draw a workflow's stages and transitions (DOT or Mermaid)",
                 [](CLI::App* sub) -> CommandMain {
                   auto args = std::make_shared<GraphArgs>();
                   sub->add_option("file", args->file, "the .flow file")->required();
                   sub->add_option("--format", args->format, "dot | mermaid");
                   return [args] { return RunGraph(*args); };
                 },
                 40});

}  // namespace dandori::cli
