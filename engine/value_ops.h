// The primitive operations of the expression interpreter over runtime Values:
// arithmetic with its unit rules (duration + duration, size * int, ...), ordering,
// truthiness, membership, indexing and field access. Each returns a kInvalidArgument
// Status with a message naming the operands when the operation does not apply.
// Shared by the dispatch loop (engine/interpreter.cc) and the builtins.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "base/value.h"

namespace dandori::engine {

enum class ArithOp { kAdd, kSub, kMul, kDiv, kMod };

// int op int stays int (overflow-checked; / truncates toward zero, % takes the sign of
// the dividend); int with float widens to float; duration +- duration, duration */ number,
// duration / duration -> float, duration % duration; the same for size; percent +-
// percent, percent */ number; string + string and list + list concatenate.
Result<Value> Arith(ArithOp op, const Value& l, const Value& r);
Result<Value> Negate(const Value& v);

// -1, 0 or 1. Numbers (int/float mixed), strings, durations, sizes, percentages and
// bools compare within their kind; anything else is an error.
Result<int> Compare(const Value& l, const Value& r);

// null, false, 0, 0.0, "", 0s, 0 bytes, 0%, [] and {} are false; all else true.
bool Truthy(const Value& v);

// x in list (deep equality), substring in string, field name in record.
Result<bool> Contains(const Value& container, const Value& x);

// list[int] (negative counts from the end), record[string], string[int] (one byte).
Result<Value> Index(const Value& container, const Value& index);

// The field `name` of a record; the error suggests a close field name.
Result<Value> Field(const Value& record, std::string_view name);

// For messages: the kind and a short form of the value, e.g. `string "abc"`, `int 3`,
// `record {a: 1, ...}` (truncated to about 80 characters).
std::string Describe(const Value& v);

}  // namespace dandori::engine
