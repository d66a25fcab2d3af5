// Scene-aware chunking for media.split(..., at: scenes): one low-resolution decode pass
// of the source through FFmpeg's scene score (the `select` filter's `scene` variable)
// finds the frames that start a new scene; the chunk boundaries of the plain grid plan
// then move to the nearest scene change within half a target length (docs/media.md).
// Boundaries stay frame indices, so encode and merge do not change.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "stdlib/media/chunking.h"
#include "stdlib/media/probe.h"
#include "stdlib/operator.h"

namespace dandori::media {

// Frame indices (ascending, > 0) whose scene score against the frame before is above
// threshold_percent / 100. Frame n is the n-th decoded frame of the first video stream,
// the numbering of probe and split.
Result<std::vector<int64_t>> DetectScenes(OperatorContext& ctx, const ProbeInfo& p,
                                          int threshold_percent);

// `plan`'s interior boundaries, each moved to the scene cut nearest to it within
// target / 2 frames, provided every chunk keeps at least target / 4 frames (at least
// one); a boundary with no scene cut that near stays where it was. Pure.
std::vector<FrameRange> SnapToScenes(const std::vector<FrameRange>& plan,
                                     const std::vector<int64_t>& cuts, int64_t target);

// Escapes `text` for use as one option value inside an FFmpeg filter graph string
// (both quoting levels: the option parser's and the graph parser's).
std::string FilterGraphValue(const std::string& text);

}  // namespace dandori::media
