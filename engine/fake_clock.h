// FakeClock: a Clock that moves only when told, for scheduler tests in milliseconds.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/clock.h"

namespace dandori::engine {

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t NowMs() override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace dandori::engine
