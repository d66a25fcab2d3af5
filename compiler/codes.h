// The catalogue of diagnostic codes: one stable code per kind of problem, with a
// short title (used for SARIF rules and docs/diagnostics.md). E001-E009 belong to the
// parser (compiler/parse.h), E010+ to the checker, E9xx to internal errors, W0xx are
// warnings.
#pragma once

#include <string_view>
#include <vector>

namespace dandori::compiler {

struct CodeInfo {
  const char* code;
  const char* title;
};

const std::vector<CodeInfo>& AllCodes();
// The title of `code`, or "" when unknown.
std::string_view CodeTitle(std::string_view code);

}  // namespace dandori::compiler
