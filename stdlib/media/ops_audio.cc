// media.encode_audio: every audio stream of the source (or those of the requested
// languages), each encoded once for the whole title, in one ffmpeg run with one output
// per stream. Each track starts at the source's first video frame and is padded / cut
// to the video's exact duration, so it lines up with the merged video (per-chunk audio
// would click at every join).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "stdlib/media/audio.h"
#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/timing.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {
namespace {

bool SameLanguage(const std::string& tag, const std::string& wanted) {
  return !tag.empty() && Bcp47(tag) == Bcp47(wanted);
}

// The streams to encode: all, or one per requested language (each must exist).
Result<std::vector<AudioStream>> Select(const ProbeInfo& p, const Value& languages) {
  if (p.audio.empty()) {
    return Status::Permanent(fmt::format(
        "no audio stream in {}: the source is video-only ({} video frames); run "
        "media.encode_audio only when probe.has_audio, or give the title an audio track",
        p.path, p.frames));
  }
  if (languages.is_null() || languages.list().empty()) return p.audio;
  std::vector<AudioStream> out;
  std::string have;
  for (const AudioStream& a : p.audio) {
    have += (have.empty() ? "" : ", ") + (a.language.empty() ? "untagged" : a.language);
  }
  for (const Value& v : languages.list()) {
    auto it = std::find_if(p.audio.begin(), p.audio.end(), [&](const AudioStream& a) {
      return SameLanguage(a.language, v.as_string());
    });
    if (it == p.audio.end()) {
      return Status::Permanent(fmt::format("no audio stream in language '{}' in {} (it has: {})",
                                           v.as_string(), p.path, have));
    }
    out.push_back(*it);
  }
  return out;
}

std::string TrackName(const AudioStream& a) {
  if (!a.title.empty()) return a.title;
  if (!a.language.empty()) return LanguageName(a.language);
  return fmt::format("Audio {}", a.index + 1);
}

}  // namespace

Result<Value> RunEncodeAudio(OperatorContext& ctx) {
  const std::string src = PathArg(ctx, "src");
  auto p = ProbeFile(src);
  if (!p.ok()) return p.status();
  auto streams = Select(*p, ctx.args.Get("languages"));
  if (!streams.ok()) return streams.status();
  const std::string codec = StringArg(ctx, "codec", "aac");
  const int64_t bitrate =
      ctx.args.Get("bitrate").is_null() ? 128000 : ctx.args.Get("bitrate").size_bytes();
  const std::string duration = p->vfr ? MicrosText(TicksToMicros(p->end_pts, p->tb_num, p->tb_den))
                                      : FrameSeconds(p->frames, p->fps_num, p->fps_den);
  std::vector<std::string> a = {"-i", src};
  std::vector<std::string> finals;
  for (const AudioStream& s : *streams) {
    const std::string tag = s.language.empty() ? "und" : s.language;
    finals.push_back(
        ScratchPath(ctx, fmt::format("audio-{}.{}.{}.m4a", s.index, SafeName(tag), codec)));
    a.insert(a.end(), {"-map",
                       fmt::format("0:a:{}", s.index),
                       "-vn",
                       "-sn",
                       "-dn",
                       "-af",
                       fmt::format("asetpts=PTS-{:.6f}/TB,aresample=async=1:first_pts=0,apad",
                                   p->video_start),
                       "-t",
                       duration,
                       "-c:a",
                       codec == "opus" ? "libopus" : "aac",
                       "-b:a",
                       std::to_string(bitrate),
                       "-metadata:s:a:0",
                       "language=" + tag,
                       "-metadata:s:a:0",
                       "title=" + TrackName(s),
                       "-f",
                       "mp4",
                       finals.back() + ".tmp"});
  }
  auto cleanup = [&] {
    for (const std::string& f : finals) RemoveTreeQuietly(f + ".tmp");
  };
  auto run = RunFfmpeg(ctx, {a, src, 0, "encode-audio"});
  if (!run.ok()) {
    cleanup();
    return run.status();
  }
  const Value ms = Value::DurationMs(std::llround(p->duration_seconds() * 1000));
  Value::List tracks;
  for (size_t i = 0; i < finals.size(); ++i) {
    Status st = PublishFile(finals[i] + ".tmp", finals[i]);
    if (!st.ok()) {
      cleanup();
      return st;
    }
    const AudioStream& s = (*streams)[i];
    tracks.push_back(Value::MakeRecord({{"path", Value::String(finals[i])},
                                        {"codec", Value::String(codec)},
                                        {"bitrate", Value::SizeBytes(bitrate)},
                                        {"duration", ms},
                                        {"index", Value::Int(s.index)},
                                        {"language", Value::String(s.language)},
                                        {"name", Value::String(TrackName(s))},
                                        {"channels", Value::Int(s.channels)}}));
  }
  const Value first = tracks[0];
  return Value::MakeRecord({{"path", first.Get("path")},
                            {"codec", Value::String(codec)},
                            {"bitrate", Value::SizeBytes(bitrate)},
                            {"duration", ms},
                            {"language", first.Get("language")},
                            {"name", first.Get("name")},
                            {"tracks", Value::MakeList(std::move(tracks))}});
}

}  // namespace dandori::media
