// The arithmetic of a block's descriptor (table.proto Block), shared by the scheduler
// (what runs) and the planner (what `dandori plan` predicts), so the two agree: how
// many items a rolling wave takes, how wide a rolling window is, the capacity floor of
// `keep ... serving`, and how many failed items a block tolerates.
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

// Whether a rolling block slides (`window`) rather than going by waves (`batch`).
inline bool IsWindow(const v1::Block& b) { return b.window() > 0 || b.window_percent() > 0; }

// Items in flight at once in a sliding window over n items: `window N`, or P% of n
// rounded up; at least 1. Not a window: n.
inline int64_t WindowSize(const v1::Block& b, int64_t n) {
  int64_t size = b.window() > 0 ? b.window()
                 : b.window_percent() > 0
                     ? static_cast<int64_t>(std::ceil(b.window_percent() * n / 100.0 - 1e-9))
                     : n;
  return std::max<int64_t>(1, size);
}

// Items of n that must stay serving (`keep N serving`, or P% of n rounded up, so the
// zone never goes below P%); 0 without `keep`.
inline int64_t ServingFloor(const v1::Block& b, int64_t n) {
  if (!b.has_keep()) return 0;
  if (b.keep_percent() > 0) {
    return static_cast<int64_t>(std::ceil(b.keep_percent() * n / 100.0 - 1e-9));
  }
  return std::max(0, b.keep());
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
