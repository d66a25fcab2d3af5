// Type: the static types of the .flow language, shared by the checker, the operator
// signature registry and the engine (which coerces --param values to parameter types).
//
// Written forms: bool int float string path duration size percent any,
// list<T>, and named record types (chunk, rendition, server, ...) declared in the
// operator registry (stdlib/signatures.h). `{a: int, b: string}` is an anonymous record.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/value.h"

namespace dandori {

struct Type;
using TypePtr = std::shared_ptr<const Type>;

struct TypeField {
  std::string name;
  TypePtr type;
  bool optional = false;  // may be absent or null
};

struct Type {
  enum class Kind {
    kAny,
    kNull,
    kBool,
    kInt,
    kFloat,
    kString,
    kPath,
    kDuration,
    kSize,
    kPercent,
    kList,
    kRecord
  };
  Kind kind = Kind::kAny;
  TypePtr elem;                   // kList
  std::string name;               // kRecord: named type, or empty for anonymous
  std::vector<TypeField> fields;  // kRecord: empty with a name means "opaque record"

  static TypePtr Any();
  static TypePtr Null();
  static TypePtr Bool();
  static TypePtr Int();
  static TypePtr Float();
  static TypePtr String();
  static TypePtr Path();
  static TypePtr Duration();
  static TypePtr Size();
  static TypePtr Percent();
  static TypePtr ListOf(TypePtr elem);
  static TypePtr Record(std::string name, std::vector<TypeField> fields);

  const TypeField* FindField(std::string_view field) const;
  std::string ToString() const;
};

// Resolves a type name (for named records) to its definition; nullptr if unknown.
using TypeResolver = const Type* (*)(std::string_view name);

// Parses "list<rendition>", "int", ... using `resolve` for named records.
Result<TypePtr> ParseType(std::string_view text, TypeResolver resolve);

// True when a value of type `from` may be passed where `to` is expected.
// int widens to float; path and string are interchangeable; any matches everything;
// records match by name, or structurally when either side is anonymous.
bool IsAssignable(const Type& from, const Type& to);

// Checks (and where needed converts) a runtime value against a type: used to bind
// parameters given on the command line or over the API. A string "10s" becomes a
// duration for a duration parameter, "42" an int, and so on.
Result<Value> CoerceValue(const Value& v, const Type& to);

}  // namespace dandori
