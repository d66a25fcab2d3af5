// Clock: the engine's only source of time, so scheduler tests run on a fake clock.
// Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>

namespace dandori {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() = 0;
};

// Wall-clock time (std::chrono::system_clock).
Clock* SystemClock();
// Monotonic milliseconds for measuring elapsed time (not comparable across processes).
int64_t MonotonicMs();

}  // namespace dandori
