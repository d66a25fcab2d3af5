// The version of the Table format (proto/dandori/v1/table.proto) that this compiler
// writes. The engine refuses tables whose format_version it does not know. Bump it on
// any change an older engine would misread; see docs/table.md.
#pragma once

#include <cstdint>

namespace dandori::compiler {

constexpr uint32_t kTableFormatVersion = 1;
constexpr uint32_t kFormatVersion = kTableFormatVersion;  // the name table.proto mentions
constexpr const char* kCompilerVersion = "dandori 0.1.0";

}  // namespace dandori::compiler
