// Chunk planning for media.split: the source's frames [0, N) are cut into contiguous
// frame ranges of about `target` frames, every boundary on a multiple of the GOP grid
// (so a keyframe grid counted from frame 0 continues unbroken across chunk joins), and
// as balanced as the grid allows. Keyframes of the source play no part: the encoder
// decodes from the nearest keyframe before a chunk and drops frames up to its start
// (see docs/media.md), so sparse keyframes never produce one huge chunk. With
// `at: scenes` split then moves boundaries off the grid to scene changes (scenes.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace dandori::media {

struct FrameRange {
  int64_t start = 0;  // first frame
  int64_t end = 0;    // one past the last frame
  int64_t frames() const { return end - start; }
};

// `grid` >= 1 frames; `target` >= 1 frames. Every range but the last has a multiple
// of `grid` frames; the ranges cover [0, total) exactly.
std::vector<FrameRange> PlanChunks(int64_t total, int64_t target, int64_t grid);

// round(ms / 1000 * num / den), at least 1: a duration in whole frames.
int64_t DurationFrames(int64_t ms, int64_t num, int64_t den);

// "30000/1001" -> {30000, 1001}; "25" -> {25, 1}.
Result<std::pair<int64_t, int64_t>> ParseFps(const std::string& text);

}  // namespace dandori::media
