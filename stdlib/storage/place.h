// storage.place: moves a finished folder (or file) to the distribution root with the
// most free space above a floor, atomically. The data is copied (or renamed, on the
// same filesystem) into a hidden temporary name under the chosen root, fsynced, then
// renamed to its final name, so a reader of the root never sees half a title.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/value.h"
#include "stdlib/operator.h"

namespace dandori {

struct RootChoice {
  std::string root;                  // chosen root ("" when none)
  int64_t free = 0;                  // its free bytes (statvfs f_bavail * f_frsize)
  std::vector<std::string> skipped;  // "ROOT: reason" for every root not chosen
};

// Picks the root with the most free space among those that exist, are directories and
// have at least `min_free + need` bytes free. Fails (permanent) naming every root and
// why it was refused when none qualifies.
Result<RootChoice> ChooseRoot(const std::vector<std::string>& candidates, int64_t min_free,
                              int64_t need);

// The operator: args {dir, candidates, min_free, name} -> {path, root, bytes}.
Result<Value> RunPlace(OperatorContext& ctx);

}  // namespace dandori
