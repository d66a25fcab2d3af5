#include "stdlib/media/intermediate.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/operators.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {
namespace fs = std::filesystem;

int64_t WastedDecodeFrames(const std::vector<FrameRange>& chunks,
                           const std::vector<int64_t>& keyframes) {
  int64_t waste = 0;
  for (const FrameRange& c : chunks) {
    auto it = std::upper_bound(keyframes.begin(), keyframes.end(), c.start);
    int64_t key = it == keyframes.begin() ? 0 : *(it - 1);
    waste += c.start - key;
  }
  return waste;
}

Result<std::vector<std::string>> WriteIntermediateChunks(OperatorContext& ctx, const ProbeInfo& src,
                                                         const std::vector<FrameRange>& chunks,
                                                         const std::optional<Resample>& resample) {
  static const char* kUtVideo[] = {"yuv420p", "yuv422p", "yuv444p", "gbrp", "gbrap"};
  const bool ut =
      std::find(std::begin(kUtVideo), std::end(kUtVideo), src.pix_fmt) != std::end(kUtVideo);
  std::string cuts;
  for (size_t i = 1; i < chunks.size(); ++i) {
    cuts += (cuts.empty() ? "" : ",") + std::to_string(chunks[i].start);
  }
  const std::string final_dir = ScratchPath(ctx, "chunks");
  const std::string tmp = final_dir + ".tmp";
  RemoveTreeQuietly(tmp);
  fs::create_directories(tmp);
  // Resampling: timestamps from the first frame; the last frame is held (tpad) so the
  // output runs to the source's end; the fps filter picks the frame shown at each slot.
  const std::string filter =
      resample ? fmt::format("setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop=-1,fps=fps={}/{}",
                             resample->num, resample->den)
               : fmt::format("settb=expr={}/{},setpts=N", src.fps_den, src.fps_num);
  const int64_t total = resample ? resample->frames : src.frames;
  std::vector<std::string> a = {"-i",
                                src.path,
                                "-map",
                                "0:v:0",
                                "-an",
                                "-sn",
                                "-dn",
                                "-vf",
                                filter,
                                "-fps_mode",
                                "passthrough",
                                "-frames:v",
                                std::to_string(total)};
  if (ut) {
    a.insert(a.end(), {"-c:v", "utvideo"});
  } else {
    a.insert(a.end(), {"-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "16"});
  }
  a.insert(a.end(), {"-f", "segment", "-segment_format", "matroska", "-reset_timestamps", "1"});
  if (!cuts.empty()) a.insert(a.end(), {"-segment_frames", cuts});
  a.push_back((fs::path(tmp) / "chunk-%05d.mkv").string());
  auto run = RunFfmpeg(ctx, {a, src.path, total, "split"});
  if (!run.ok()) {
    RemoveTreeQuietly(tmp);
    return run.status();
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    const std::string part = (fs::path(tmp) / fmt::format("chunk-{:05}.mkv", i)).string();
    Status st = CheckOutput(part, chunks[i].frames(), fmt::format("chunk {} of {}", i, src.path));
    if (!st.ok()) {
      RemoveTreeQuietly(tmp);
      return st;
    }
  }
  Status st = PublishDir(tmp, final_dir);
  if (!st.ok()) {
    RemoveTreeQuietly(tmp);
    return st;
  }
  std::vector<std::string> paths;
  for (size_t i = 0; i < chunks.size(); ++i) {
    paths.push_back((fs::path(final_dir) / fmt::format("chunk-{:05}.mkv", i)).string());
  }
  return paths;
}

}  // namespace dandori::media
