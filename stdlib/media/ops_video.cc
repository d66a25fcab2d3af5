// media.probe, media.split, media.encode: the per-chunk half of the pipeline.
#include <cmath>

#include <fmt/format.h>

#include "stdlib/media/chunking.h"
#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/intermediate.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {

Result<Value> RunProbe(OperatorContext& ctx) {
  auto p = ProbeFile(PathArg(ctx, "src"));
  if (!p.ok()) return p.status();
  return ProbeToValue(*p);
}

Result<Value> RunSplit(OperatorContext& ctx) {
  const std::string src = PathArg(ctx, "src");
  auto p = ProbeFile(src);
  if (!p.ok()) return p.status();
  const Value gop_v = ctx.args.Get("gop");
  const int64_t gop_ms = gop_v.is_null() ? 2000 : gop_v.duration_ms();
  const int64_t grid = DurationFrames(gop_ms, p->fps_num, p->fps_den);
  const int64_t target =
      DurationFrames(ctx.args.Get("target").duration_ms(), p->fps_num, p->fps_den);
  const std::vector<FrameRange> plan = PlanChunks(p->frames, target, grid);
  // Sparse keyframes: write lossless intermediates once instead of decoding the same
  // leading frames again for every chunk (docs/media.md).
  std::vector<std::string> files;
  if (plan.size() > 1 && WastedDecodeFrames(plan, p->keyframes) > kIntermediateFactor * p->frames) {
    auto written = WriteIntermediateChunks(ctx, *p, plan);
    if (!written.ok()) return written.status();
    files = std::move(*written);
  }
  Value::List chunks;
  for (const FrameRange& r : plan) {
    const size_t i = chunks.size();
    chunks.push_back(
        Value::MakeRecord({{"index", Value::Int(int64_t(chunks.size()))},
                           {"source", Value::String(src)},
                           {"start_frame", Value::Int(r.start)},
                           {"end_frame", Value::Int(r.end)},
                           {"frames", Value::Int(r.frames())},
                           {"fps", Value::String(p->fps())},
                           {"total_frames", Value::Int(p->frames)},
                           {"path", files.empty() ? Value() : Value::String(files[i])}}));
  }
  return Value::MakeRecord({{"chunks", Value::MakeList(std::move(chunks))},
                            {"frames", Value::Int(p->frames)},
                            {"fps", Value::String(p->fps())}});
}

namespace {

struct EncodeSettings {
  std::string codec;
  Value crf, bitrate;
  std::string preset;
  int64_t gop = 0;  // frames
};

std::vector<std::string> RateArgs(const EncodeSettings& s, int default_crf) {
  if (!s.bitrate.is_null()) {
    int64_t b = s.bitrate.size_bytes();
    return {"-b:v",     std::to_string(b),    "-maxrate", std::to_string(b * 3 / 2),
            "-bufsize", std::to_string(b * 2)};
  }
  int64_t crf = s.crf.is_null() ? default_crf : s.crf.as_int();
  return {"-crf", std::to_string(crf)};
}

Result<std::vector<std::string>> CodecArgs(const EncodeSettings& s) {
  std::vector<std::string> a;
  const std::string g = std::to_string(s.gop);
  auto add = [&](std::vector<std::string> more) { a.insert(a.end(), more.begin(), more.end()); };
  if (s.codec == "h264") {
    add({"-c:v", "libx264", "-preset", s.preset.empty() ? "medium" : s.preset});
    add(RateArgs(s, 23));
    add({"-x264-params", fmt::format("keyint={0}:min-keyint={0}:scenecut=0:open-gop=0", g)});
  } else if (s.codec == "hevc") {
    add({"-c:v", "libx265", "-preset", s.preset.empty() ? "medium" : s.preset, "-tag:v", "hvc1"});
    add(RateArgs(s, 28));
    add({"-x265-params",
         fmt::format("keyint={0}:min-keyint={0}:scenecut=0:open-gop=0:log-level=error", g)});
  } else if (s.codec == "av1") {
    add({"-c:v", "libsvtav1", "-preset", s.preset.empty() ? "8" : s.preset, "-g", g});
    add(RateArgs(s, 35));
  } else if (s.codec == "vp9") {
    add({"-c:v", "libvpx-vp9", "-deadline", "good", "-cpu-used", s.preset.empty() ? "4" : s.preset,
         "-row-mt", "1", "-g", g, "-keyint_min", g});
    add(RateArgs(s, 33));
    if (s.bitrate.is_null()) add({"-b:v", "0"});
  } else {
    return Status::Permanent(fmt::format("unsupported output codec '{}'", s.codec));
  }
  return a;
}

}  // namespace

Result<Value> RunEncode(OperatorContext& ctx) {
  const Value chunk = ctx.args.Get("chunk");
  const std::string src = ResolvePath(ctx.workdir, chunk.Get("source").as_string());
  const int64_t index = chunk.Get("index").as_int();
  const int64_t start = chunk.Get("start_frame").as_int();
  const int64_t frames = chunk.Get("end_frame").as_int() - start;
  auto fps = ParseFps(chunk.Get("fps").as_string());
  if (!fps.ok()) return fps.status();
  auto [num, den] = *fps;
  if (frames <= 0) return Status::Permanent(fmt::format("chunk {} of {} is empty", index, src));
  // A chunk may carry its own intermediate file (path); otherwise it is a frame range
  // of the source, decoded from the keyframe before it (ffmpeg's accurate seek).
  const Value own = chunk.Get("path");
  const bool range = own.is_null() || own.as_string().empty();
  const std::string input = range ? src : ResolvePath(ctx.workdir, own.as_string());
  auto p = ProbeFile(input, /*scan_packets=*/false);
  if (!p.ok()) return p.status();

  EncodeSettings s;
  s.codec = StringArg(ctx, "codec", "h264");
  s.crf = ctx.args.Get("crf");
  s.bitrate = ctx.args.Get("bitrate");
  s.preset = StringArg(ctx, "preset");
  const Value gop_v = ctx.args.Get("gop");
  s.gop = DurationFrames(gop_v.is_null() ? 2000 : gop_v.duration_ms(), num, den);
  auto codec_args = CodecArgs(s);
  if (!codec_args.ok()) return codec_args.status();
  const int64_t height = ctx.args.Get("height").as_int();
  const Value width_v = ctx.args.Get("width");
  const int64_t width = width_v.is_null() ? -2 : width_v.as_int();
  if (height <= 0 || height % 2 || (width != -2 && (width <= 0 || width % 2))) {
    return Status::Permanent(
        fmt::format("bad output size {}x{}: even positive numbers needed", width, height));
  }

  std::vector<std::string> a;
  if (range && start > 0) {
    // Half a frame before the chunk's first frame: the seek lands on the keyframe at or
    // before it, and every frame before the chunk start is decoded and dropped.
    double t = p->video_start + (start - 0.5) * den / double(num);
    a.insert(a.end(), {"-ss", fmt::format("{:.6f}", t)});
  }
  a.insert(a.end(), {"-i", input, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf",
                     fmt::format("settb=expr={}/{},setpts=N,scale={}:{},format=yuv420p", den, num,
                                 width, height),
                     "-frames:v", std::to_string(frames), "-fps_mode", "passthrough", "-r",
                     fmt::format("{}/{}", num, den), "-force_key_frames",
                     fmt::format("expr:eq(n,0)+eq(mod(n+{},{}),0)", start, s.gop)});
  a.insert(a.end(), codec_args->begin(), codec_args->end());
  const std::string name = SafeName(StringArg(ctx, "name", s.codec));
  const std::string final_path = ScratchPath(ctx, fmt::format("chunk-{:05}.{}.mp4", index, name));
  const std::string tmp = final_path + ".tmp";
  a.insert(a.end(), {"-f", "mp4", tmp});
  auto run =
      RunFfmpeg(ctx, {a, fmt::format("chunk {} [{}, {}) of {}", index, start, start + frames, src),
                      frames, fmt::format("encode-{:05}", index)});
  if (!run.ok()) {
    RemoveTreeQuietly(tmp);
    return run.status();
  }
  Status checked = CheckOutput(tmp, frames, fmt::format("chunk {} of {}", index, src));
  if (!checked.ok()) {
    RemoveTreeQuietly(tmp);
    return checked;
  }
  auto out = ProbeFile(tmp, false);
  if (!out.ok()) return out.status();
  DANDORI_RETURN_IF_ERROR(PublishFile(tmp, final_path));
  ctx.Progress(frames, frames, "frames");
  const Value rendition = ctx.args.Get("name");
  return Value::MakeRecord({{"index", Value::Int(index)},
                            {"path", Value::String(final_path)},
                            {"frames", Value::Int(frames)},
                            {"codec", Value::String(s.codec)},
                            {"width", Value::Int(out->width)},
                            {"height", Value::Int(out->height)},
                            {"bytes", Value::SizeBytes(TreeBytes(final_path))},
                            {"rendition", rendition.is_null() ? Value() : rendition}});
}

}  // namespace dandori::media
