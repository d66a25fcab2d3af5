// The pure built-in functions callable from expressions (enum Builtin in
// proto/dandori/v1/table.proto): len, basename, dirname, stem, join, str, int, min,
// max, range, lower, upper, keys, seconds, flatten, default, split. No side effects,
// no I/O; lists they build are capped at kMaxListLength (engine/interpreter.h).
#pragma once

#include <span>
#include <string_view>

#include "base/status.h"
#include "base/value.h"

namespace dandori::engine {

// Calls builtin `id` (a dandori::v1::Builtin value) on `args`. Wrong argument counts or
// kinds, and unknown ids, are kInvalidArgument errors naming the function.
Result<Value> CallBuiltin(int id, std::span<const Value> args);

// "len", "basename", ...; "builtin#N" for unknown ids.
std::string_view BuiltinName(int id);

}  // namespace dandori::engine
