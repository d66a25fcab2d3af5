// The version of the Table format (proto/dandori/v1/table.proto) and the bounds every
// Table obeys. The compiler writes kTableFormatVersion; the engine reads exactly that
// version and refuses others, naming both. Bump it on any change an older engine would
// misread; docs/table.md keeps the history.
#pragma once

#include <cstdint>

namespace dandori::v1 {

constexpr uint32_t kTableFormatVersion = 2;
constexpr const char* kDandoriVersion = "dandori 0.2.0";

constexpr int kMaxStates = 100'000;  // states in one Table
constexpr int kMaxRetries = 100;     // `retry N` upper bound

}  // namespace dandori::v1
