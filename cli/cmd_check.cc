// `dandori check PATH... [--format text|json|github|sarif]`: static validation of
// .flow files and folders. Exit 0 clean (warnings allowed); 2 when a file has errors,
// a path is missing or the usage is wrong: the exit-code rule of cli/driver.h.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "compiler/compile.h"
#include "compiler/report.h"

namespace dandori::cli {
namespace {

struct CheckArgs {
  std::vector<std::string> paths;
  std::string format = "text";
};

int RunCheck(const CheckArgs& args) {
  using namespace dandori::compiler;
  ReportFormat format;
  if (!ParseReportFormat(args.format, &format)) {
    std::fprintf(stderr, "dandori check: unknown --format '%s' (text, json, github, sarif)\n",
                 args.format.c_str());
    return kExitBadInput;
  }
  SourceManager sm;
  Diagnostics diags;
  int files = 0;
  Status st = CheckPaths(args.paths, sm, diags, &files);
  if (!st.ok()) {
    std::fprintf(stderr, "dandori check: %s\n", st.message().c_str());
    return kExitBadInput;
  }
  std::string report = RenderReport(diags, sm, format);
  std::fwrite(report.data(), 1, report.size(), stdout);
  return diags.has_errors() ? kExitBadInput : kExitOk;
}

}  // namespace

DANDORI_COMMAND(
    {"check", "Check .flow files and folders (static validation)",
     [](CLI::App* sub) -> CommandMain {
       auto args = std::make_shared<CheckArgs>();
       sub->add_option("paths", args->paths, "files or folders (recursive)")->required();
       sub->add_option("--format", args->format, "text | json | github | sarif");
       return [args] { return RunCheck(*args); };
     },
     10});

}  // namespace dandori::cli
