#include "stdlib/media/scenes.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/operators.h"

namespace dandori::media {

std::string FilterGraphValue(const std::string& text) {
  auto escape = [](const std::string& in, const std::string& special) {
    std::string out;
    for (char c : in) {
      if (special.find(c) != std::string::npos) out.push_back('\\');
      out.push_back(c);
    }
    return out;
  };
  return escape(escape(text, "\\':"), "\\'[],;");
}

Result<std::vector<int64_t>> DetectScenes(OperatorContext& ctx, const ProbeInfo& p,
                                          int threshold_percent) {
  if (threshold_percent <= 0 || threshold_percent >= 100) {
    return Status::Permanent(fmt::format("split of {}: scene: {} is not a percentage in 1..99",
                                         p.path, threshold_percent));
  }
  // setpts=N first: every frame's pts is its decoded index, which the metadata filter
  // prints for the frames select keeps. A 160-pixel-wide copy is enough for the score
  // (a luma/chroma difference) and keeps the pass a small part of one decode.
  const std::string out = ScratchPath(ctx, "scenes.txt");
  const std::string vf =
      fmt::format("setpts=N,scale=160:-2,select=gt(scene\\,{:.2f}),metadata=mode=print:file={}",
                  threshold_percent / 100.0, FilterGraphValue(out));
  auto run = RunFfmpeg(ctx, {{"-i", p.path, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", vf,
                              "-fps_mode", "passthrough", "-f", "null", "-"},
                             fmt::format("scene detection of {}", p.path),
                             p.frames,
                             "scenes"});
  if (!run.ok()) return run.status();
  std::vector<int64_t> cuts;
  std::ifstream in(out);
  std::string line;
  // Lines: "frame:K    pts:N    pts_time:T" then "lavfi.scene_score=S".
  while (std::getline(in, line)) {
    const size_t at = line.find("pts:");
    if (line.rfind("frame:", 0) != 0 || at == std::string::npos) continue;
    const int64_t n = std::atoll(line.c_str() + at + 4);
    if (n > 0 && n < p.frames) cuts.push_back(n);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

std::vector<FrameRange> SnapToScenes(const std::vector<FrameRange>& plan,
                                     const std::vector<int64_t>& cuts, int64_t target) {
  if (plan.size() < 2 || cuts.empty()) return plan;
  const int64_t reach = std::max<int64_t>(0, target / 2);
  const int64_t min_len = std::max<int64_t>(1, target / 4);
  const int64_t total = plan.back().end;
  std::vector<int64_t> ends;
  int64_t prev = 0;
  for (size_t i = 0; i + 1 < plan.size(); ++i) {
    const int64_t nominal = plan[i].end;
    const int64_t lo = std::max(prev + min_len, nominal - reach);
    const int64_t hi = std::min(total - min_len, nominal + reach);
    int64_t best = nominal;
    int64_t best_dist = -1;
    for (auto it = std::lower_bound(cuts.begin(), cuts.end(), lo); it != cuts.end() && *it <= hi;
         ++it) {
      const int64_t d = std::llabs(*it - nominal);
      if (best_dist < 0 || d < best_dist) best = *it, best_dist = d;
    }
    if (best <= prev) continue;  // no room: the two chunks become one
    ends.push_back(best);
    prev = best;
  }
  std::vector<FrameRange> out;
  prev = 0;
  for (int64_t e : ends) {
    out.push_back({prev, e});
    prev = e;
  }
  out.push_back({prev, total});
  return out;
}

}  // namespace dandori::media
