// The arithmetic of a block's descriptor (table.proto Block), shared by the scheduler
// (what runs) and the planner (what `dandori plan` predicts), so the two agree: how
// many items a rolling wave takes and how many failed items a block tolerates.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "dandori/v1/table.pb.h"

namespace dandori::engine {

// Items per wave of a rolling block over n items: `batch N`, or P% of n rounded up;
// at least 1. Other blocks: all n.
inline int64_t WaveSize(const v1::Block& b, int64_t n) {
  int64_t size = b.batch() > 0 ? b.batch()
                 : b.batch_percent() > 0
                     ? static_cast<int64_t>(std::ceil(b.batch_percent() * n / 100.0 - 1e-9))
                     : n;
  return std::max<int64_t>(1, size);
}

// Failed items tolerated over n items: `tolerate N`, or P% of n rounded down; 0 unset.
inline int64_t FailureBudget(const v1::Block& b, int64_t n) {
  if (!b.has_tolerate()) return 0;
  if (b.tolerate_percent() > 0) {
    return static_cast<int64_t>(std::floor(b.tolerate_percent() * n / 100.0 + 1e-9));
  }
  return std::max(0, b.tolerate());
}

}  // namespace dandori::engine
