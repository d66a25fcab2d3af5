// media.merge: the join of a rendition's encoded chunks (plus the audio tracks, when
// given) into one MP4.
#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "stdlib/media/audio.h"
#include "stdlib/media/chunking.h"
#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/timing.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {

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
  // Each chunk's duration is the difference of its exact end and start times rounded
  // to the microsecond (from the frame counts at the source rate, or from a variable-
  // rate chunk's own timestamps), so the concat demuxer places every chunk at the
  // right time and the rounding never accumulates across joins.
  const Value timebase = chunks[0].Get("timebase");
  std::pair<int64_t, int64_t> tb = {1, 1};
  if (!timebase.is_null()) {
    auto parsed = ParseFps(timebase.as_string());
    if (!parsed.ok()) return parsed.status();
    tb = *parsed;
  }
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
    int64_t us = 0;
    if (!timebase.is_null()) {
      us = TicksToMicros(c.Get("end_ts").as_int(), tb.first, tb.second) -
           TicksToMicros(c.Get("start_ts").as_int(), tb.first, tb.second);
    } else {
      us = TicksToMicros(total + frames, head->fps_den, head->fps_num) -
           TicksToMicros(total, head->fps_den, head->fps_num);
    }
    total += frames;
    list += fmt::format("file {}\nduration {}\n", Quote(path), MicrosText(us));
  }
  std::string name = StringArg(ctx, "name");
  if (name.empty() && !chunks[0].Get("rendition").is_null()) {
    name = chunks[0].Get("rendition").as_string();
  }
  name = SafeName(name.empty() ? "video" : name);
  const std::string list_path = ScratchPath(ctx, name + ".ffconcat");
  std::ofstream(list_path) << list;
  std::vector<std::string> a = {"-f", "concat", "-safe", "0", "-i", list_path};
  // Every audio track given is muxed (its language and title tags are copied).
  const std::vector<AudioTrack> tracks = TracksOf(ctx.args.Get("audio"), ctx.workdir);
  for (const AudioTrack& t : tracks) a.insert(a.end(), {"-i", t.path});
  a.insert(a.end(), {"-map", "0:v:0"});
  for (size_t i = 0; i < tracks.size(); ++i) {
    a.insert(a.end(), {"-map", fmt::format("{}:a:0", i + 1)});
  }
  const std::string final_path = ScratchPath(ctx, name + ".mp4");
  const std::string tmp = final_path + ".tmp";
  a.insert(a.end(), {"-c", "copy", "-movflags", "+faststart"});
  if (!timebase.is_null() && tb.first == 1) {
    a.insert(a.end(), {"-video_track_timescale", std::to_string(tb.second)});
  }
  a.insert(a.end(), {"-f", "mp4", tmp});
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
  const bool has_audio = !tracks.empty();
  if (has_audio) codecs += "," + AudioCodecString(tracks[0].codec);
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
