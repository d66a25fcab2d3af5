#include "stdlib/media/chunking.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace dandori::media {

std::vector<FrameRange> PlanChunks(int64_t total, int64_t target, int64_t grid) {
  std::vector<FrameRange> out;
  if (total <= 0) return out;
  grid = std::max<int64_t>(1, grid);
  target = std::max<int64_t>(1, target);
  const int64_t units = (total + grid - 1) / grid;  // grid cells, the last maybe partial
  int64_t count = std::llround(static_cast<double>(total) / target);
  count = std::clamp<int64_t>(count, 1, units);
  int64_t prev = 0;
  for (int64_t i = 1; i <= count; ++i) {
    int64_t end = i == count ? total : std::min(total, (i * units / count) * grid);
    if (end > prev) out.push_back({prev, end});
    prev = end;
  }
  return out;
}

int64_t DurationFrames(int64_t ms, int64_t num, int64_t den) {
  double frames = static_cast<double>(ms) / 1000.0 * num / den;
  return std::max<int64_t>(1, std::llround(frames));
}

Result<std::pair<int64_t, int64_t>> ParseFps(const std::string& text) {
  int64_t num = 0, den = 1;
  size_t slash = text.find('/');
  try {
    num = std::stoll(text.substr(0, slash));
    if (slash != std::string::npos) den = std::stoll(text.substr(slash + 1));
  } catch (...) {
    num = 0;
  }
  if (num <= 0 || den <= 0) return Status::Permanent(fmt::format("bad frame rate '{}'", text));
  return std::make_pair(num, den);
}

}  // namespace dandori::media
