// Constant folding of .flow expressions: literals, consts, arithmetic, comparisons,
// lists, records and interpolations whose parts are all constant. Used by the checker
// (parallel / batch / retry counts, durations, `when false`, choices) and by the
// lowering (a constant expression becomes one OP_CONST).
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "base/value.h"
#include "compiler/ast.h"

namespace dandori::compiler {

// Returns the value of a name (a const) or nullptr when the name is not constant.
using ConstLookup = std::function<const Value*(const Expr& name)>;

// The value of `e`, or nullopt when it is not a compile-time constant (or its
// evaluation would fail: overflow, division by zero, a type error).
std::optional<Value> Fold(const Expr& e, const ConstLookup& lookup, int depth = 0);

// The Value of a literal node (kNull..kPercent), or nullopt for other kinds.
std::optional<Value> LiteralValue(const Expr& e);

}  // namespace dandori::compiler
