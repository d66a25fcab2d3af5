// /metrics: Prometheus text exposition for `dandori serve` and `dandori worker`.
// Database-wide figures (jobs by state, tasks by state and operator, queue depth,
// retries, lease rescues) come from the store at scrape time; latency histograms
// (attempt duration, claim latency) are this process's own, recorded by its executor.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace dandori::engine {
class PgStore;
}

namespace dandori::server {

// A fixed-bucket histogram (milliseconds), safe to observe from any thread.
class Histogram {
 public:
  static constexpr std::array<int64_t, 11> kBoundsMs = {1,   5,    10,   25,    50,    100,
                                                        250, 1000, 5000, 30000, 300000};
  void Observe(int64_t ms);
  // Appends the histogram in Prometheus text format (seconds).
  void Render(const std::string& name, const std::string& help, std::string* out) const;

 private:
  std::array<std::atomic<int64_t>, kBoundsMs.size() + 1> buckets_{};
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_ms_{0};
};

struct DispatchStats;

// The whole exposition; `local` may be null (no executor in this process).
Result<std::string> RenderMetrics(engine::PgStore& store, const DispatchStats* local);

}  // namespace dandori::server
