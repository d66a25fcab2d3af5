// RollingLimit: the "how many items may be out at once" rule of a rolling block, a
// limit object the scheduler asks before starting an item (STYLE: "limits are
// objects"; the block's `parallel` Pool and the operator pools are asked as well).
//
// An item is *in flight* from its start until it ends, and *out* (not serving) from
// its start until it succeeds; an item that failed stays out until the block ends,
// because the engine cannot see whether its body put it back (the zone's sweep does
// that afterwards). Two caps:
//   * the window: in flight <= window (a sliding window: `window N|P%`; waves: none,
//     the wave itself is the cap);
//   * the floor: out <= n - floor (`keep N|P% serving`), so however many items fail,
//     at least `floor` of the n items are serving.
// When the floor is reached with nothing in flight, nothing can ever start again:
// Stuck() says so and the block ends failed with Why(). Single-threaded (scheduler).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "engine/block_rules.h"

namespace dandori::engine {

class RollingLimit {
 public:
  RollingLimit() = default;
  // The rule of block `b` over n items (a non-rolling block: no cap at all).
  RollingLimit(const v1::Block& b, int64_t n)
      : n_(n),
        window_(b.kind() == v1::ROLLING && IsWindow(b) ? WindowSize(b, n) : n),
        floor_(b.kind() == v1::ROLLING ? std::min(n, ServingFloor(b, n)) : 0) {}

  // Whether one more item may start now.
  bool MayStart() const { return in_flight_ < window_ && out_ < max_out(); }
  void Started() {
    ++in_flight_;
    ++out_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    max_out_seen_ = std::max(max_out_seen_, out_);
  }
  void Succeeded() {
    --in_flight_;
    --out_;
  }
  // Failed or cancelled: it is no longer running but may not be serving.
  void Failed() { --in_flight_; }

  // The floor is reached and nothing in flight can free it: no item can start again.
  bool Stuck() const { return in_flight_ == 0 && out_ >= max_out(); }
  std::string Why() const {
    if (out_ == 0) {
      return "'keep " + std::to_string(floor_) + " serving' of " + std::to_string(n_) +
             " items leaves no item to take out";
    }
    return std::to_string(out_) + " of " + std::to_string(n_) +
           " items are out (failed, not known to be serving again) and 'keep " +
           std::to_string(floor_) + " serving' allows " + std::to_string(max_out()) +
           " out; no other item can be taken out";
  }

  int64_t window() const { return window_; }
  int64_t floor() const { return floor_; }
  int64_t max_out() const { return n_ - floor_; }
  int64_t in_flight() const { return in_flight_; }
  int64_t out() const { return out_; }
  int64_t max_in_flight_seen() const { return max_in_flight_; }
  int64_t max_out_seen() const { return max_out_seen_; }

 private:
  int64_t n_ = 0;
  int64_t window_ = 0;
  int64_t floor_ = 0;
  int64_t in_flight_ = 0, out_ = 0;
  int64_t max_in_flight_ = 0, max_out_seen_ = 0;
};

}  // namespace dandori::engine
