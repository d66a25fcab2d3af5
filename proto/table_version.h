// The version of the Table format (proto/dandori/v1/table.proto) and the bounds every
// Table obeys. The compiler writes the oldest version that expresses the table (format 3
// when a rolling block has a `window` or `keep`, format 4 when a policy field is an
// expression (Policy.bound) or the workflow has `tolerate`); the engine reads
// kOldestTableFormatVersion..kTableFormatVersion and refuses others, naming them. Bump
// kTableFormatVersion on any change an older engine would misread; docs/table.md keeps
// the history.
#pragma once

#include <cstdint>

namespace dandori::v1 {

constexpr uint32_t kTableFormatVersion = 4;        // 4: policy expressions, workflow tolerate
constexpr uint32_t kOldestTableFormatVersion = 2;  // 2 means the same under this engine
constexpr const char* kDandoriVersion = "dandori 0.2.0";

constexpr int kMaxStates = 100'000;  // states in one Table
constexpr int kMaxRetries = 100;     // `retry N` upper bound

}  // namespace dandori::v1
