// Configuration and simulated time of the camera-fleet simulator (camfleet).
//
// Simulated time runs `time_scale` times faster than real time, so a rollout that would
// take hours on a real fleet takes a minute or two. Every duration in Config is in
// simulated seconds; the HTTP protocol and the report speak simulated seconds too
// (the report also gives real seconds where a client needs them).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace camfleet {

struct Config {
  int zones = 3;
  int servers_per_zone = 4;
  int cameras_per_server = 20;
  int capacity = 0;          // cameras per server; 0: cameras_per_server * 1.25, rounded up
  double time_scale = 60.0;  // simulated seconds per real second
  uint64_t seed = 1;

  // Camera move delay after a drain or a drop: lognormal(median, sigma); a fraction of
  // stubborn cameras draw from a Pareto tail instead (scale, shape), capped.
  double move_median_s = 20.0;
  double move_sigma = 0.8;
  double stubborn_fraction = 0.003;
  double stubborn_scale_s = 120.0;
  double stubborn_shape = 1.5;
  double move_cap_s = 3600.0;
  double retry_s = 5.0;  // a camera that found no free server tries again after this

  double restart_min_s = 20.0;  // a restart takes uniform(min, max)
  double restart_max_s = 40.0;

  double floor_percent = 90.0;  // a zone's serving capacity should stay at or above this
  // Servers per zone a plan takes out at once, for the makespan lower bound; 0: as many as
  // the floor allows.
  int batch = 0;

  int EffectiveCapacity() const {
    return capacity > 0 ? capacity : (cameras_per_server * 5 + 3) / 4;
  }
};

// Simulated milliseconds since the simulator started.
class SimClock {
 public:
  explicit SimClock(double scale) : scale_(scale), start_(std::chrono::steady_clock::now()) {}
  int64_t NowMs() const {
    auto real = std::chrono::steady_clock::now() - start_;
    double ms = std::chrono::duration<double, std::milli>(real).count();
    return static_cast<int64_t>(ms * scale_);
  }
  double scale() const { return scale_; }

 private:
  double scale_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace camfleet
