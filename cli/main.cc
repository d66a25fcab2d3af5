// The `dandori` binary: dispatches to the subcommands registered in cli/cmd_*.cc.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>

#include "cli/command.h"
#include "proto/table_version.h"

namespace dandori::cli {

static std::vector<CommandSpec>& Registry() {
  static std::vector<CommandSpec> specs;
  return specs;
}

bool RegisterCommand(CommandSpec spec) {
  Registry().push_back(std::move(spec));
  return true;
}

const std::vector<CommandSpec>& Commands() { return Registry(); }

}  // namespace dandori::cli

int main(int argc, char** argv) {
  using namespace dandori::cli;
  // A closed stdout (`dandori run … | head -1`) must never kill the engine: writes
  // fail with EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"dandori: declarative workflows, compiled and run durably"};
  app.require_subcommand(1);
  app.set_version_flag("--version", dandori::v1::kDandoriVersion);
  std::vector<CommandSpec> specs = Commands();
  std::stable_sort(specs.begin(), specs.end(),
                   [](const CommandSpec& a, const CommandSpec& b) { return a.order < b.order; });
  std::map<CLI::App*, CommandMain> mains;
  for (const CommandSpec& spec : specs) {
    CLI::App* sub = app.add_subcommand(spec.name, spec.help);
    mains[sub] = spec.setup(sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadInput;
  }
  for (auto& [sub, run] : mains) {
    if (sub->parsed()) return run();
  }
  return kExitBadInput;
}
