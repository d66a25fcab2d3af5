// media.encode: one chunk of one rendition, frame-exact (docs/media.md).
#include <cmath>

#include <fmt/format.h>

#include "stdlib/media/chunking.h"
#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/intermediate.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {

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

// 10-bit sources keep 10 bits in HEVC and AV1 renditions; H.264 and VP9 get 8 bits
// (what every player decodes).
std::string OutputPixFmt(const std::string& codec, const std::string& source_pix_fmt) {
  const bool deep = source_pix_fmt.find("10") != std::string::npos ||
                    source_pix_fmt.find("12") != std::string::npos;
  return deep && (codec == "hevc" || codec == "av1") ? "yuv420p10le" : "yuv420p";
}

// The deinterlacer for `mode` (auto | on | off) and the chunk's field order, or "" for
// none. bwdif in send_frame mode gives one progressive frame per input frame (the
// frame count and the timestamps do not change, so frame-exactness holds); the parity
// comes from the field order split found, since intermediate chunk files do not keep
// the source's field flags. `auto` deinterlaces what probe found interlaced; `on`
// every frame, even of a source that says it is progressive.
Result<std::string> Deinterlacer(const std::string& mode, const std::string& field_order) {
  const bool interlaced =
      field_order == "tt" || field_order == "bb" || field_order == "tb" || field_order == "bt";
  if (mode == "off" || (mode == "auto" && !interlaced)) return std::string();
  if (mode != "auto" && mode != "on") {
    return Status::Permanent(fmt::format("bad deinterlace '{}': auto, on or off", mode));
  }
  const char* parity = field_order == "tt" || field_order == "tb"   ? "tff"
                       : field_order == "bb" || field_order == "bt" ? "bff"
                                                                    : "auto";
  return fmt::format("bwdif=mode=send_frame:parity={}:deint=all,", parity);
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

  // A variable-rate chunk keeps the source's own timestamps (relative to its first
  // frame, in the stream's time base); a constant-rate one is renumbered on its grid.
  const Value timebase = chunk.Get("timebase");
  const bool keep_time = range && !timebase.is_null();
  std::vector<std::string> a;
  if (keep_time && start > 0) {
    const double t = p->video_start + chunk.Get("seek_us").as_int() / 1e6;
    a.insert(a.end(), {"-ss", fmt::format("{:.6f}", t)});
  } else if (range && start > 0) {
    // Half a frame before the chunk's first frame: the seek lands on the keyframe at or
    // before it, and every frame before the chunk start is decoded and dropped.
    double t = p->video_start + (start - 0.5) * den / double(num);
    a.insert(a.end(), {"-ss", fmt::format("{:.6f}", t)});
  }
  const std::string pix = OutputPixFmt(s.codec, p->pix_fmt);
  const Value chunk_fields = chunk.Get("field_order");
  auto deint = Deinterlacer(StringArg(ctx, "deinterlace", "auto"),
                            chunk_fields.is_null() ? p->field_order : chunk_fields.as_string());
  if (!deint.ok()) return deint.status();
  const std::string timing =
      keep_time ? "setpts=PTS-STARTPTS" : fmt::format("settb=expr={}/{},setpts=N", den, num);
  a.insert(a.end(), {"-i", input, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf",
                     fmt::format("{}{},scale={}:{},format={}", *deint, timing, width, height, pix),
                     "-frames:v", std::to_string(frames), "-fps_mode", "passthrough"});
  if (keep_time) {
    auto tb = ParseFps(timebase.as_string());
    if (!tb.ok()) return tb.status();
    a.insert(a.end(), {"-enc_time_base", "-1"});
    if (tb->first == 1) a.insert(a.end(), {"-video_track_timescale", std::to_string(tb->second)});
  } else {
    a.insert(a.end(), {"-r", fmt::format("{}/{}", num, den)});
  }
  a.insert(a.end(),
           {"-force_key_frames", fmt::format("expr:eq(n,0)+eq(mod(n+{},{}),0)", start, s.gop)});
  a.insert(a.end(), codec_args->begin(), codec_args->end());
  const Value threads = ctx.args.Get("threads");
  if (!threads.is_null()) {
    if (threads.as_int() < 0) {
      return Status::Permanent(fmt::format("bad encoder threads {}", threads.as_int()));
    }
    a.insert(a.end(), {"-threads", std::to_string(threads.as_int())});
  }
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
  Value::Record out_rec = {{"index", Value::Int(index)},
                           {"path", Value::String(final_path)},
                           {"frames", Value::Int(frames)},
                           {"codec", Value::String(s.codec)},
                           {"width", Value::Int(out->width)},
                           {"height", Value::Int(out->height)},
                           {"bytes", Value::SizeBytes(TreeBytes(final_path))},
                           {"rendition", rendition.is_null() ? Value() : rendition},
                           {"deinterlaced", Value::Bool(!deint->empty())}};
  if (keep_time) {
    for (const char* k : {"timebase", "start_ts", "end_ts"}) out_rec.push_back({k, chunk.Get(k)});
  }
  return Value::MakeRecord(std::move(out_rec));
}

}  // namespace dandori::media
