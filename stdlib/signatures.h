// The operator signature registry: the one place where each built-in operator's
// arguments (names, types, defaults, allowed choices), output type, raised error
// classes and default duration estimate are declared. The checker validates calls
// against it; the engine fills defaults from it; stdlib implementations register
// against the same names (stdlib/operator.h). Also declares the named record types
// (chunk, rendition, server, zone, ...) that operator outputs and workflows use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/type.h"
#include "base/value.h"

namespace dandori {

struct ArgSpec {
  std::string name;
  TypePtr type;
  bool required = true;
  std::optional<Value> default_value;  // used when the argument is omitted
  // For string arguments with a fixed set of values: a bare identifier naming one of
  // them is accepted in .flow source (`format: hls`).
  std::vector<std::string> choices;
  std::string doc;
};

struct OperatorSignature {
  std::string name;            // "media.encode"
  std::string family;          // "media": the default worker pool
  std::vector<ArgSpec> args;   // positional order = declaration order
  TypePtr output;              // a record type
  std::vector<Code> raises;    // error classes: kTransient, kTimeout, kPermanent, kCancelled
  int64_t estimate_ms = 1000;  // default per-task duration estimate for `dandori plan`
  std::string doc;

  const ArgSpec* FindArg(std::string_view arg) const;
};

// nullptr when unknown.
const OperatorSignature* FindOperator(std::string_view name);
const std::vector<OperatorSignature>& AllOperators();

// Named record types; nullptr when unknown. Matches base/type.h's TypeResolver.
const Type* FindNamedType(std::string_view name);
std::vector<std::string> NamedTypeNames();

// Fills defaults and checks a fully evaluated argument record against `sig`
// (types, required arguments, unknown names, choices). The engine calls this before
// running an operator; the checker does the same statically.
Result<Value> BindArguments(const OperatorSignature& sig, const Value& args);

}  // namespace dandori
