#include "stdlib/media/timing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace dandori::media {

Timing AnalyzeTiming(const std::vector<int64_t>& pts, int64_t last_duration, int64_t tb_num,
                     int64_t tb_den, int64_t fps_num, int64_t fps_den) {
  Timing t;
  if (pts.empty() || tb_num <= 0 || tb_den <= 0) return t;
  const double tick = double(tb_num) / tb_den;                       // seconds
  const double frame = fps_num > 0 ? double(fps_den) / fps_num : 0;  // seconds
  const double tolerance = std::max(1.5 * tick, 0.001);
  for (size_t i = 0; i < pts.size() && frame > 0 && !t.vfr; ++i) {
    t.vfr = std::abs(pts[i] * tick - i * frame) > tolerance;
  }
  if (frame <= 0) t.vfr = pts.size() > 1;
  int64_t last = last_duration;
  if (last <= 0) {
    last = pts.size() > 1 ? pts.back() - pts[pts.size() - 2]
                          : std::max<int64_t>(1, std::llround(frame / tick));
  }
  t.end_pts = pts.back() + last;
  // frames / (end_pts * tick) = frames * tb_den / (end_pts * tb_num)
  int64_t num = static_cast<int64_t>(pts.size()) * tb_den, den = t.end_pts * tb_num;
  const int64_t g = std::gcd(num, den);
  t.avg_num = g ? num / g : 0;
  t.avg_den = g ? den / g : 1;
  return t;
}

namespace {

// round(ticks * tb * rate), ties away from zero (AV_ROUND_NEAR_INF), for ticks >= 0.
int64_t Slot(int64_t ticks, int64_t tb_num, int64_t tb_den, int64_t rate_num, int64_t rate_den) {
  const __int128 n = static_cast<__int128>(ticks) * tb_num * rate_num;
  const __int128 d = static_cast<__int128>(tb_den) * rate_den;
  return static_cast<int64_t>((2 * n + d) / (2 * d));
}

}  // namespace

ConformCounts CountConform(const std::vector<int64_t>& pts, int64_t end_pts, int64_t tb_num,
                           int64_t tb_den, int64_t rate_num, int64_t rate_den) {
  ConformCounts c;
  c.frames_out = std::max<int64_t>(1, Slot(end_pts, tb_num, tb_den, rate_num, rate_den));
  int64_t shown = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    const int64_t slot = Slot(pts[i], tb_num, tb_den, rate_num, rate_den);
    const bool last = i + 1 == pts.size();
    const int64_t next = last ? c.frames_out : Slot(pts[i + 1], tb_num, tb_den, rate_num, rate_den);
    if (slot < c.frames_out && next > slot) ++shown;
  }
  c.dropped = static_cast<int64_t>(pts.size()) - shown;
  c.duplicated = c.frames_out - shown;
  return c;
}

int64_t TicksToMicros(int64_t ticks, int64_t tb_num, int64_t tb_den) {
  __int128 n = static_cast<__int128>(ticks) * tb_num * 1000000;
  __int128 half = tb_den / 2;
  return static_cast<int64_t>(n >= 0 ? (n + half) / tb_den : -((-n + half) / tb_den));
}

std::string MicrosText(int64_t us) {
  const char* sign = us < 0 ? "-" : "";
  us = us < 0 ? -us : us;
  return fmt::format("{}{}.{:06}", sign, us / 1000000, us % 1000000);
}

}  // namespace dandori::media
