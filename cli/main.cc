// The `dandori` binary: dispatches to the subcommands registered in cli/cmd_*.cc.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>

#include "base/suggest.h"
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

namespace {

// `dandori chek x.flow`: names the unknown command and the closest one, instead of
// CLI11's "A subcommand is required". Returns false (after printing) for an unknown one.
bool KnownCommand(const std::string& word, const std::vector<CommandSpec>& specs) {
  std::vector<std::string> names;
  for (const CommandSpec& s : specs) {
    if (s.name == word) return true;
    names.push_back(s.name);
  }
  std::string best = Suggest(word, names);
  std::fprintf(stderr, "dandori: unknown command '%s'%s\nRun 'dandori --help' for the commands.\n",
               word.c_str(), best.empty() ? "" : (" (did you mean " + best + "?)").c_str());
  return false;
}

}  // namespace
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
  if (argc > 1 && argv[1][0] != '-' && !KnownCommand(argv[1], specs)) return kExitBadInput;
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
