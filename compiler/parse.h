// The .flow parser: source text -> the AST of compiler/ast.h. It is the only module
// that uses the ANTLR-generated code (grammar/Flow.g4); recognition errors become
// located diagnostics in human words. Never throws, never crashes, and bounds memory
// and time on any input (see the limits below and docs/language.md).
//
// Diagnostic codes used by the parser (the checker starts at E010):
//   E001 syntax error           E002 invalid UTF-8 or binary data
//   E003 limit exceeded         E004 invalid literal (duration, size, number)
//   E005 invalid string (escape or ${...} interpolation)
//   E006 construct in the wrong place (second workflow, nested `on failure`, ...)
#pragma once

#include <cstddef>
#include <memory>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace dandori::compiler {

// Limits on untrusted input (all reported as E003).
inline constexpr size_t kMaxFileBytes = 10u << 20;  // 10 MiB
inline constexpr int kMaxNesting = 200;             // brackets, braces, ${...}
inline constexpr int kMaxExprDepth = 1000;          // depth of one expression's tree
inline constexpr size_t kMaxStatements = 500000;    // statements in one file
inline constexpr int kMaxSyntaxErrors = 100;        // then parsing stops

// Parses the text of file `file` (already in `sm`) into an AST. Syntax errors and
// limit violations are reported to `diags` (code E001.. for syntax); never throws,
// never crashes, bounded memory/time on any input. Returns a (possibly partial) File;
// callers must check diags.has_errors().
std::unique_ptr<File> ParseFile(const SourceManager& sm, int file, Diagnostics& diags);

// Convenience for tests and tools: parses an expression alone.
ExprPtr ParseExpression(const SourceManager& sm, int file, Diagnostics& diags);

}  // namespace dandori::compiler
