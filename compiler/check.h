// The checker: validates a parsed workflow (names, stage visibility, argument lists
// against the operator signatures, expression types, policies, the stage graph) and
// reports every problem to Diagnostics with a stable code (docs/diagnostics.md).
// It annotates the AST (Stmt::index, Expr::type) and returns the Program the lowering
// needs. Never throws; any input, however malformed, yields diagnostics.
#pragma once

#include <memory>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/program.h"
#include "compiler/source.h"

namespace dandori::compiler {

// Checks `main`, whose imports have already been loaded and parsed into `imports`
// (in any order; their consts become visible to `main`). The result is usable for
// lowering only when `diags` has no errors.
std::unique_ptr<Program> Check(File& main, const std::vector<File*>& imports,
                               const SourceManager& sm, Diagnostics& diags);

// For the fuzzer and single-file tools: checks a parsed file on its own (imports
// are not loaded; their consts are unknown names).
void CheckParsedFile(File& file, const SourceManager& sm, Diagnostics& diags);

}  // namespace dandori::compiler
