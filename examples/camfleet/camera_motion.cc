#include "examples/camfleet/camera_motion.h"

#include <algorithm>
#include <cmath>

namespace camfleet {
namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Standard normal from two uniforms (Box-Muller).
double NormalDraw(uint64_t seed, uint64_t stream, uint64_t index) {
  double u1 = UniformDraw(seed, stream, index * 2);
  double u2 = UniformDraw(seed, stream, index * 2 + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

constexpr uint64_t kCameraStream = 1ULL << 40;
constexpr uint64_t kStubbornStream = 2ULL << 40;
constexpr uint64_t kRestartStream = 3ULL << 40;

}  // namespace

double UniformDraw(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t h = SplitMix(SplitMix(seed ^ SplitMix(stream)) ^ index);
  return (static_cast<double>(h >> 11) + 0.5) / 9007199254740992.0;  // 2^53
}

int64_t DrawMoveDelayMs(const Config& c, int camera, int move) {
  uint64_t stream = kCameraStream + static_cast<uint64_t>(camera);
  double seconds;
  if (UniformDraw(c.seed, kStubbornStream + static_cast<uint64_t>(camera), move) <
      c.stubborn_fraction) {
    double u = UniformDraw(c.seed, stream, static_cast<uint64_t>(move) * 4 + 3);
    seconds = c.stubborn_scale_s * std::pow(u, -1.0 / c.stubborn_shape);
  } else {
    seconds = c.move_median_s * std::exp(c.move_sigma * NormalDraw(c.seed, stream, move));
  }
  seconds = std::min(seconds, c.move_cap_s);
  return static_cast<int64_t>(seconds * 1000.0);
}

int64_t DrawRestartMs(const Config& c, int server, int n) {
  double u = UniformDraw(c.seed, kRestartStream + static_cast<uint64_t>(server), n);
  return static_cast<int64_t>((c.restart_min_s + u * (c.restart_max_s - c.restart_min_s)) * 1000);
}

}  // namespace camfleet
