// Subcommand registry of the `dandori` binary. Each cli/cmd_*.cc file registers its
// subcommands with DANDORI_COMMAND; main.cc builds the CLI11 app from the registry.
// Exit codes (DESIGN §7): 0 ok, 1 the work failed (or errors found), 2 bad input/usage.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace dandori::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitBadInput = 2;

// setup() declares the subcommand's options on `sub` and returns the function that
// runs it once the command line has been parsed.
using CommandMain = std::function<int()>;
struct CommandSpec {
  std::string name;
  std::string help;
  std::function<CommandMain(CLI::App* sub)> setup;
  int order = 100;  // position in --help
};

bool RegisterCommand(CommandSpec spec);
const std::vector<CommandSpec>& Commands();

}  // namespace dandori::cli

#define DANDORI_CONCAT_INNER(a, b) a##b
#define DANDORI_CONCAT(a, b) DANDORI_CONCAT_INNER(a, b)
// DANDORI_COMMAND({"check", "Check .flow files", [](CLI::App* sub) { ...; return main; }, 10});
#define DANDORI_COMMAND(...)                                 \
  static const bool DANDORI_CONCAT(kRegistered_, __LINE__) = \
      ::dandori::cli::RegisterCommand(::dandori::cli::CommandSpec __VA_ARGS__)
