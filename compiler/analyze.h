// The front half of the compiler: parse a .flow file, load its imports (relative to
// the importing file), check it. CompileSource (compiler/compile.h) lowers what this
// returns; the language server (lsp/) keeps it to answer hovers, completions and
// definitions. All problems go to Diagnostics.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/program.h"
#include "compiler/source.h"

namespace dandori::compiler {

struct Analysis {
  std::unique_ptr<File> main;                  // possibly partial after syntax errors
  std::vector<std::unique_ptr<File>> imports;  // every file loaded, depth first
  std::unique_ptr<Program> program;            // null when syntax errors stopped checking
};

// Parses file `file` of `sm`, loads its imports, and checks it unless a file had
// syntax errors. Program points into `main` and `imports`.
Analysis Analyze(int file, SourceManager& sm, Diagnostics& diags);

// Reads a file whole; an error names the path (missing, a directory, unreadable).
Result<std::string> ReadSourceFile(const std::string& path);

}  // namespace dandori::compiler
