// `dandori compile FILE [-o OUT.flowc] [--json]`: writes the binary Table (default:
// FILE with the .flowc extension) or prints its JSON form.
#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/command.h"
#include "compiler/compile.h"
#include "compiler/report.h"

namespace dandori::cli {
namespace {

struct CompileArgs {
  std::string file;
  std::string out;
  bool json = false;
};

int RunCompile(const CompileArgs& args) {
  using namespace dandori::compiler;
  SourceManager sm;
  Diagnostics diags;
  auto r = CompileFile(args.file, sm, diags);
  if (!r.ok()) {
    std::fprintf(stderr, "dandori compile: %s\n", r.status().message().c_str());
    return kExitBadInput;
  }
  if (diags.has_errors() || diags.warning_count() > 0) {
    std::string report = RenderReport(diags, sm, ReportFormat::kText);
    std::fwrite(report.data(), 1, report.size(), stderr);
  }
  if (diags.has_errors()) return kExitFailed;
  if (!r->table) {
    std::fprintf(stderr, "dandori compile: %s declares no workflow (a library of consts)\n",
                 args.file.c_str());
    return kExitBadInput;
  }
  if (args.json) {
    std::string json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.add_whitespace = true;
    opts.preserve_proto_field_names = true;
    auto st = google::protobuf::util::MessageToJsonString(*r->table, &json, opts);
    if (!st.ok()) {
      std::fprintf(stderr, "dandori compile: %s\n", st.ToString().c_str());
      return kExitFailed;
    }
    if (args.out.empty()) {
      std::fwrite(json.data(), 1, json.size(), stdout);
      return kExitOk;
    }
    std::ofstream(args.out, std::ios::binary) << json;
    return kExitOk;
  }
  std::string out = args.out;
  if (out.empty()) out = std::filesystem::path(args.file).replace_extension(".flowc").string();
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (!f || !r->table->SerializeToOstream(&f)) {
    std::fprintf(stderr, "dandori compile: cannot write %s\n", out.c_str());
    return kExitBadInput;
  }
  std::fprintf(stderr, "wrote %s (%d states)\n", out.c_str(), r->table->states_size());
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"compile", "Compile a .flow file to its Table (*.flowc)",
                 [](CLI::App* sub) -> CommandMain {
                   auto args = std::make_shared<CompileArgs>();
                   sub->add_option("file", args->file, "the .flow file")->required();
                   sub->add_option("-o,--output", args->out, "output path (default FILE.flowc)");
                   sub->add_flag("--json", args->json, "print the Table as JSON instead");
                   return [args] { return RunCompile(*args); };
                 },
                 20});

}  // namespace dandori::cli
