// Lossless intermediate chunks, for sources whose keyframes are too sparse for the
// frame-range method (docs/media.md): when decoding each chunk from the keyframe before
// it would cost more than writing the chunks once, media.split makes one decode pass
// that writes every chunk as an intra-only lossless file (Ut Video, or FFV1 for pixel
// formats Ut Video lacks) with the segment muxer cutting at exact frame numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "stdlib/media/chunking.h"
#include "stdlib/media/probe.h"
#include "stdlib/operator.h"

namespace dandori::media {

// Frames the frame-range method would decode and throw away: for every chunk, the
// frames between the keyframe at or before its start and the start.
int64_t WastedDecodeFrames(const std::vector<FrameRange>& chunks,
                           const std::vector<int64_t>& keyframes);

// The intermediate method pays off when the waste exceeds this many source lengths.
inline constexpr int64_t kIntermediateFactor = 4;

// Resampling the source to a constant rate while writing (media.split's `conform:`):
// `frames` output frames at num/den fps (the last source frame is held to the end).
struct Resample {
  int64_t num = 0, den = 1;
  int64_t frames = 0;
};

// Writes one file per chunk into scratch_dir/chunks (published as a folder) and
// returns their paths, each checked to hold exactly its chunk's frames. Without
// `resample` the source's frames are renumbered at its own rate.
Result<std::vector<std::string>> WriteIntermediateChunks(OperatorContext& ctx, const ProbeInfo& src,
                                                         const std::vector<FrameRange>& chunks,
                                                         const std::optional<Resample>& resample);

}  // namespace dandori::media
