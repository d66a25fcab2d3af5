// Job parameters from the command line: --param NAME=VALUE (repeatable; the same NAME
// twice is an error) and --params-file FILE (.yaml / .yml or .json: a mapping of
// NAME -> value; a --param for the same NAME overrides the file's value). Produces
// the NAME -> text map engine::BindParams types against the workflow's declarations
// (scalars as their text, lists and records as JSON).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace CLI {
class App;
}

namespace dandori::cli {

struct ParamArgs {
  std::vector<std::string> params;
  std::string params_file;
};

// Declares -p/--param and --params-file on `sub`.
void AddParamOptions(CLI::App* sub, ParamArgs* args);

Result<std::map<std::string, std::string>> GatherParams(const ParamArgs& args);

// The parameters of a params file (exposed for tests). Errors name the file and, for
// syntax errors, the line and column.
Result<std::map<std::string, std::string>> ReadParamsFile(const std::string& path);

}  // namespace dandori::cli
