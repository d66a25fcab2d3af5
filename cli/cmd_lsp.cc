// `dandori lsp`: the language server for .flow files on stdin/stdout (lsp/server.h),
// started by an editor (editors/vscode, the Neovim snippet in docs/editors.md).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/command.h"
#include "lsp/server.h"

namespace dandori::cli {
namespace {

int RunLsp() {
  std::ios::sync_with_stdio(false);
  return lsp::RunServer(std::cin, std::cout, std::cerr);
}

}  // namespace

DANDORI_COMMAND({"lsp", "Language server for .flow files (LSP over stdin/stdout, for editors)",
                 [](CLI::App* sub) -> CommandMain {
                   auto stdio = std::make_shared<bool>(false);
                   sub->add_flag("--stdio", *stdio,
                                 "use stdin/stdout (the default and only transport)");
                   return [stdio] { return RunLsp(); };
                 },
                 90});

}  // namespace dandori::cli
