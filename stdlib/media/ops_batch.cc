// media.thumbnail and media.sample: the batch jobs (stills and a short preview clip).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {
namespace fs = std::filesystem;

Result<Value> RunThumbnail(OperatorContext& ctx) {
  const std::string src = PathArg(ctx, "src");
  auto p = ProbeFile(src);
  if (!p.ok()) return p.status();
  const int64_t every_ms = std::max<int64_t>(1, ctx.args.Get("every").duration_ms());
  const int64_t width = ctx.args.Get("width").is_null() ? 320 : ctx.args.Get("width").as_int();
  if (width <= 0) return Status::Permanent(fmt::format("bad thumbnail width {}", width));
  const std::string final_dir = ScratchPath(ctx, "thumbnails");
  const std::string tmp = final_dir + ".tmp";
  RemoveTreeQuietly(tmp);
  fs::create_directories(tmp);
  // One picture at 0, every, 2*every, ... (the frame nearest each instant).
  std::vector<std::string> a = {"-i",
                                src,
                                "-map",
                                "0:v:0",
                                "-an",
                                "-vf",
                                fmt::format("fps=fps=1000/{},scale={}:-2", every_ms, width),
                                "-fps_mode",
                                "passthrough",
                                "-q:v",
                                "3",
                                "-f",
                                "image2",
                                (fs::path(tmp) / "thumb_%05d.jpg").string()};
  auto run = RunFfmpeg(ctx, {a, src, p->frames, "thumbnail"});
  if (!run.ok()) {
    RemoveTreeQuietly(tmp);
    return run.status();
  }
  Status st = PublishDir(tmp, final_dir);
  if (!st.ok()) {
    RemoveTreeQuietly(tmp);
    return st;
  }
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(final_dir)) names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  Value::List images;
  for (const std::string& n : names) images.push_back(Value::String(n));
  return Value::MakeRecord({{"dir", Value::String(final_dir)},
                            {"images", Value::MakeList(std::move(images))},
                            {"count", Value::Int(int64_t(names.size()))}});
}

Result<Value> RunSample(OperatorContext& ctx) {
  const std::string src = PathArg(ctx, "src");
  auto p = ProbeFile(src);
  if (!p.ok()) return p.status();
  int64_t start_ms = ctx.args.Get("start").is_null() ? 0 : ctx.args.Get("start").duration_ms();
  const int64_t length_ms = ctx.args.Get("length").duration_ms();
  const int64_t total_ms = std::llround(p->duration_seconds() * 1000);
  const int64_t height = ctx.args.Get("height").is_null() ? 480 : ctx.args.Get("height").as_int();
  // A source shorter than the requested start still gets a preview: its last `length`.
  if (start_ms >= total_ms) start_ms = std::max<int64_t>(0, total_ms - length_ms);
  if (start_ms < 0 || length_ms <= 0 || height <= 0 || height % 2) {
    return Status::Permanent(
        fmt::format("sample of {}: start must not be negative, length positive, height even", src));
  }
  const int64_t out_ms = std::min(length_ms, total_ms - start_ms);
  std::vector<std::string> a = {"-ss",  fmt::format("{:.3f}", start_ms / 1000.0),
                                "-t",   fmt::format("{:.3f}", out_ms / 1000.0),
                                "-i",   src,
                                "-map", "0:v:0"};
  if (p->audio_streams > 0) a.insert(a.end(), {"-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"});
  const std::string final_path = ScratchPath(ctx, "sample.mp4");
  const std::string tmp = final_path + ".tmp";
  a.insert(a.end(),
           {"-vf", fmt::format("scale=-2:{},format=yuv420p", height), "-c:v", "libx264", "-preset",
            "veryfast", "-crf", "23", "-movflags", "+faststart", "-f", "mp4", tmp});
  const int64_t frames = out_ms * p->fps_num / (1000 * p->fps_den);
  auto run = RunFfmpeg(ctx, {a, src, frames, "sample"});
  if (!run.ok()) {
    RemoveTreeQuietly(tmp);
    return run.status();
  }
  DANDORI_RETURN_IF_ERROR(PublishFile(tmp, final_path));
  return Value::MakeRecord(
      {{"path", Value::String(final_path)}, {"duration", Value::DurationMs(out_ms)}});
}

}  // namespace dandori::media
