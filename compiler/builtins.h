// The pure built-in functions callable from .flow expressions (len, basename, ...):
// their names, arity and Builtin enum value in the Table (proto enum Builtin).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dandori::compiler {

struct BuiltinInfo {
  const char* name;
  int id;  // dandori::v1::Builtin
  int min_args;
  int max_args;  // -1: any number
};

const BuiltinInfo* FindBuiltin(std::string_view name);
std::vector<std::string> BuiltinNames();

}  // namespace dandori::compiler
