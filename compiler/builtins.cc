#include "compiler/builtins.h"

#include "dandori/v1/table.pb.h"

namespace dandori::compiler {
namespace {

const BuiltinInfo kBuiltins[] = {
    {"len", v1::BUILTIN_LEN, 1, 1},         {"basename", v1::BUILTIN_BASENAME, 1, 1},
    {"dirname", v1::BUILTIN_DIRNAME, 1, 1}, {"stem", v1::BUILTIN_STEM, 1, 1},
    {"join", v1::BUILTIN_JOIN, 1, -1},      {"str", v1::BUILTIN_STR, 1, 1},
    {"int", v1::BUILTIN_INT, 1, 1},         {"min", v1::BUILTIN_MIN, 1, -1},
    {"max", v1::BUILTIN_MAX, 1, -1},        {"range", v1::BUILTIN_RANGE, 1, 2},
    {"lower", v1::BUILTIN_LOWER, 1, 1},     {"upper", v1::BUILTIN_UPPER, 1, 1},
    {"keys", v1::BUILTIN_KEYS, 1, 1},       {"seconds", v1::BUILTIN_SECONDS, 1, 1},
    {"flatten", v1::BUILTIN_FLATTEN, 1, 1}, {"default", v1::BUILTIN_DEFAULT, 2, 2},
    {"split", v1::BUILTIN_SPLIT, 2, 2},
};

}  // namespace

const BuiltinInfo* FindBuiltin(std::string_view name) {
  for (const BuiltinInfo& b : kBuiltins) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

std::vector<std::string> BuiltinNames() {
  std::vector<std::string> out;
  for (const BuiltinInfo& b : kBuiltins) out.push_back(b.name);
  return out;
}

}  // namespace dandori::compiler
