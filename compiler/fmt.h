// The canonical layout of .flow files (`dandori fmt`): 2-space indent, one statement
// per line, canonical spacing, short policies inline (`{ retry 3; timeout 30m }`),
// argument and parameter lists broken one per line only when a line would pass 100
// columns. Every comment is kept (own-line comments before the item that follows them,
// trailing comments at the end of their line) and at most one blank line is kept where
// the source had blank lines. Idempotent; re-parsing the output gives the same AST.
#pragma once

#include <string>

#include "compiler/ast.h"
#include "compiler/source.h"

namespace dandori::compiler {

// Formats a file that parsed without errors.
std::string FormatFile(const File& file, const SourceManager& sm);

// One expression on one line, canonically spaced (used by fmt and by messages).
std::string FormatExpr(const Expr& e);

// A record key: bare when it is a name, else a quoted string.
std::string FormatRecordKey(const std::string& key);

}  // namespace dandori::compiler
