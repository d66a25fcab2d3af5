// media.encode_audio and media.merge: the whole audio track once, and the join of a
// rendition's encoded chunks (plus that audio) into one MP4.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "stdlib/media/chunking.h"
#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {

Result<Value> RunEncodeAudio(OperatorContext& ctx) {
  const std::string src = PathArg(ctx, "src");
  auto p = ProbeFile(src);
  if (!p.ok()) return p.status();
  if (p->audio_streams == 0) return Status::Permanent(fmt::format("no audio stream in {}", src));
  const std::string codec = StringArg(ctx, "codec", "aac");
  const int64_t bitrate =
      ctx.args.Get("bitrate").is_null() ? 128000 : ctx.args.Get("bitrate").size_bytes();
  const std::string duration = FrameSeconds(p->frames, p->fps_num, p->fps_den);
  // Time 0 of the track is the source's first video frame; the track is padded or cut
  // to the video's exact duration, so it lines up with the merged video.
  std::vector<std::string> a = {
      "-i",
      src,
      "-map",
      "0:a:0",
      "-vn",
      "-sn",
      "-dn",
      "-af",
      fmt::format("asetpts=PTS-{:.6f}/TB,aresample=async=1:first_pts=0,apad", p->video_start),
      "-t",
      duration,
      "-c:a",
      codec == "opus" ? "libopus" : "aac",
      "-b:a",
      std::to_string(bitrate)};
  const std::string final_path = ScratchPath(ctx, fmt::format("audio.{}.m4a", codec));
  const std::string tmp = final_path + ".tmp";
  a.insert(a.end(), {"-f", "mp4", tmp});
  auto run = RunFfmpeg(ctx, {a, src, 0, "encode-audio"});
  if (!run.ok()) {
    RemoveTreeQuietly(tmp);
    return run.status();
  }
  DANDORI_RETURN_IF_ERROR(PublishFile(tmp, final_path));
  return Value::MakeRecord(
      {{"path", Value::String(final_path)},
       {"codec", Value::String(codec)},
       {"bitrate", Value::SizeBytes(bitrate)},
       {"duration", Value::DurationMs(std::llround(p->duration_seconds() * 1000))}});
}

namespace {

// ffconcat quoting: 'it'\''s'
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Result<Value> RunMerge(OperatorContext& ctx) {
  std::vector<Value> chunks = ctx.args.Get("chunks").list();
  if (chunks.empty()) return Status::Permanent("merge: no chunks");
  std::sort(chunks.begin(), chunks.end(), [](const Value& a, const Value& b) {
    return a.Get("index").as_int() < b.Get("index").as_int();
  });
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (chunks[i].Get("index").as_int() != static_cast<int64_t>(i)) {
      return Status::Permanent(fmt::format("merge: chunk {} is missing or repeated", i));
    }
  }
  const std::string first = ResolvePath(ctx.workdir, chunks[0].Get("path").as_string());
  auto head = ProbeFile(first, false);
  if (!head.ok()) return head.status();
  // Each chunk's duration is its exact frame count at the source rate, so the concat
  // demuxer places every chunk at the right time (no rounding drift at the joins).
  std::string list = "ffconcat version 1.0\n";
  int64_t total = 0;
  for (const Value& c : chunks) {
    const std::string path = ResolvePath(ctx.workdir, c.Get("path").as_string());
    auto info = ProbeFile(path, false);
    if (!info.ok()) return info.status();
    if (info->width != head->width || info->height != head->height ||
        info->video_codec != head->video_codec) {
      return Status::Permanent(fmt::format("merge: {} is {}x{} {}, the first chunk {}x{} {}", path,
                                           info->width, info->height, info->video_codec,
                                           head->width, head->height, head->video_codec));
    }
    const int64_t frames = c.Get("frames").as_int();
    total += frames;
    list += fmt::format("file {}\nduration {}\n", Quote(path),
                        FrameSeconds(frames, head->fps_num, head->fps_den));
  }
  std::string name = StringArg(ctx, "name");
  if (name.empty() && !chunks[0].Get("rendition").is_null()) {
    name = chunks[0].Get("rendition").as_string();
  }
  name = SafeName(name.empty() ? "video" : name);
  const std::string list_path = ScratchPath(ctx, name + ".ffconcat");
  std::ofstream(list_path) << list;
  std::vector<std::string> a = {"-f", "concat", "-safe", "0", "-i", list_path};
  const Value audio = ctx.args.Get("audio");
  if (!audio.is_null())
    a.insert(a.end(), {"-i", ResolvePath(ctx.workdir, audio.Get("path").as_string())});
  a.insert(a.end(), {"-map", "0:v:0"});
  if (!audio.is_null()) a.insert(a.end(), {"-map", "1:a:0"});
  const std::string final_path = ScratchPath(ctx, name + ".mp4");
  const std::string tmp = final_path + ".tmp";
  a.insert(a.end(), {"-c", "copy", "-movflags", "+faststart", "-f", "mp4", tmp});
  auto run = RunFfmpeg(ctx, {a, fmt::format("rendition {} ({} chunks)", name, chunks.size()), total,
                             "merge-" + name});
  if (!run.ok()) {
    RemoveTreeQuietly(tmp);
    return run.status();
  }
  Status checked = CheckOutput(tmp, total, "rendition " + name);
  if (!checked.ok()) {
    RemoveTreeQuietly(tmp);
    return checked;
  }
  auto out = ProbeFile(tmp);
  if (!out.ok()) return out.status();
  DANDORI_RETURN_IF_ERROR(PublishFile(tmp, final_path));
  std::string codecs = out->extradata_codecs;
  const bool has_audio = !audio.is_null();
  if (has_audio) {
    const std::string acodec = audio.Get("codec").as_string();
    codecs += acodec == "opus" ? ",opus" : ",mp4a.40.2";
  }
  const double seconds = out->duration_seconds();
  const int64_t bytes = TreeBytes(final_path);
  return Value::MakeRecord(
      {{"path", Value::String(final_path)},
       {"name", Value::String(name)},
       {"codec", Value::String(chunks[0].Get("codec").as_string())},
       {"codecs", Value::String(codecs)},
       {"width", Value::Int(out->width)},
       {"height", Value::Int(out->height)},
       {"bitrate", Value::SizeBytes(seconds > 0 ? std::llround(bytes * 8 / seconds) : 0)},
       {"frames", Value::Int(out->frames)},
       {"duration", Value::DurationMs(std::llround(seconds * 1000))},
       {"has_audio", Value::Bool(has_audio)}});
}

}  // namespace dandori::media
