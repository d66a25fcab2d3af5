// The operations of the .flow language on Values, defined once: arithmetic with its
// unit rules (duration + duration, size * int, ...), negation, ordering, truthiness,
// membership, indexing and field access. Each returns a kInvalidArgument Status with a
// message naming the operands when the operation does not apply. The compiler's
// constant folder (compiler/consteval.cc) and the engine's interpreter and builtins
// (engine/interpreter.cc, engine/builtins.cc) both call these, so a folded constant
// and the same expression evaluated at run time agree; the rules are listed in
// docs/language.md ("Operators on values") and tested by tests/values/.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "base/value.h"

namespace dandori {

enum class ArithOp { kAdd, kSub, kMul, kDiv, kMod };

// int op int stays int (overflow-checked; / truncates toward zero, % takes the sign of
// the dividend); int with float widens to float (% is fmod); duration +- % duration,
// duration */ number (rounded to a whole ms), number * duration, duration / duration ->
// float; the same for size; percent +- percent, percent / percent -> float, percent */
// number, number * percent; string + string and list + list concatenate. Anything else
// is an error.
Result<Value> Arith(ArithOp op, const Value& l, const Value& r);
// -x of an int, float, duration, size or percent.
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

}  // namespace dandori
