// media.package: HLS (fMP4 / CMAF segments, one media playlist per video rendition and
// per audio track, a master listing them all, audio as alternate renditions) or DASH
// (one MPD, an adaptation set per audio track), built in a temporary folder under
// scratch and published with one rename.
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "stdlib/media/audio.h"
#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/hls.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {
namespace fs = std::filesystem;

namespace {

std::string Seconds(int64_t ms) { return fmt::format("{:.3f}", ms / 1000.0); }

struct Rendition {
  std::string path, name, codecs;
  ProbeInfo info;
};

Result<std::vector<Rendition>> LoadRenditions(const OperatorContext& ctx) {
  std::vector<Rendition> out;
  std::set<std::string> names;
  for (const Value& v : ctx.args.Get("renditions").list()) {
    Rendition r;
    r.path = ResolvePath(ctx.workdir, v.Get("path").as_string());
    auto info = ProbeFile(r.path);  // scanned: the average rate of a variable-rate video
    if (!info.ok()) return info.status();
    r.info = *info;
    r.name = SafeName(v.Get("name").as_string());
    if (r.name.empty() || names.count(r.name)) r.name += fmt::format("v{}", out.size());
    names.insert(r.name);
    // The video's own codec string; audio travels apart (alternate renditions).
    r.codecs = v.Get("codecs").as_string();
    r.codecs = r.codecs.substr(0, r.codecs.find(','));
    out.push_back(std::move(r));
  }
  if (out.empty()) return Status::Permanent("package: no renditions");
  return out;
}

// The audio to package: the tracks given as `audio`, else the audio streams muxed in
// the first rendition that has any (a merge with `audio:`), else none.
std::vector<AudioTrack> AudioToPackage(const OperatorContext& ctx,
                                       const std::vector<Rendition>& rs) {
  std::vector<AudioTrack> tracks = TracksOf(ctx.args.Get("audio"), ctx.workdir);
  if (!tracks.empty()) return tracks;
  for (const Rendition& r : rs) {
    for (const AudioStream& s : r.info.audio) {
      tracks.push_back({r.path, s.codec == "opus" ? "opus" : "aac", s.language,
                        s.title.empty() ? LanguageName(s.language) : s.title, s.index, s.index,
                        s.channels});
      if (tracks.back().name.empty()) tracks.back().name = fmt::format("Audio {}", s.index + 1);
    }
    if (!tracks.empty()) break;
  }
  return tracks;
}

std::vector<std::string> HlsArgs(int64_t segment_ms, const fs::path& dir) {
  return {"-c",
          "copy",
          "-f",
          "hls",
          "-hls_time",
          Seconds(segment_ms),
          "-hls_playlist_type",
          "vod",
          "-hls_segment_type",
          "fmp4",
          "-hls_flags",
          "independent_segments",
          "-hls_fmp4_init_filename",
          "init.mp4",
          "-hls_segment_filename",
          (dir / "seg_%05d.m4s").string(),
          (dir / "index.m3u8").string()};
}

// Unique folder names for the audio renditions: "audio-en", "audio-fr", "audio-2".
std::vector<std::string> AudioDirs(const std::vector<AudioTrack>& tracks) {
  std::vector<std::string> dirs;
  std::set<std::string> used;
  for (const AudioTrack& t : tracks) {
    std::string d =
        "audio-" + (t.language.empty() ? std::to_string(t.index) : SafeName(Bcp47(t.language)));
    if (used.count(d)) d += fmt::format("-{}", t.index);
    used.insert(d);
    dirs.push_back(d);
  }
  return dirs;
}

Status PackageHls(OperatorContext& ctx, const std::vector<Rendition>& rs,
                  const std::vector<AudioTrack>& tracks, int64_t segment_ms,
                  const std::string& tmp) {
  std::vector<HlsVariant> variants;
  for (const Rendition& r : rs) {
    const fs::path dir = fs::path(tmp) / r.name;
    fs::create_directories(dir);
    std::vector<std::string> a = {"-i", r.path, "-map", "0:v:0"};
    const std::vector<std::string> out = HlsArgs(segment_ms, dir);
    a.insert(a.end(), out.begin(), out.end());
    auto run = RunFfmpeg(
        ctx, {a, fmt::format("package of {}", r.path), r.info.frames, "package-" + r.name});
    if (!run.ok()) return run.status();
    variants.push_back({r.name + "/index.m3u8", r.codecs, r.info.width, r.info.height,
                        double(r.info.fps_num) / r.info.fps_den});
  }
  std::vector<HlsAudio> audio;
  const std::vector<std::string> dirs = AudioDirs(tracks);
  for (size_t i = 0; i < tracks.size(); ++i) {
    const AudioTrack& t = tracks[i];
    const fs::path dir = fs::path(tmp) / dirs[i];
    fs::create_directories(dir);
    std::vector<std::string> a = {"-i", t.path, "-map", fmt::format("0:a:{}", t.stream)};
    const std::vector<std::string> out = HlsArgs(segment_ms, dir);
    a.insert(a.end(), out.begin(), out.end());
    auto run =
        RunFfmpeg(ctx, {a, fmt::format("package of audio {}", t.path), 0, "package-" + dirs[i]});
    if (!run.ok()) return run.status();
    audio.push_back({dirs[i] + "/index.m3u8", AudioCodecString(t.codec), Bcp47(t.language), t.name,
                     t.channels});
  }
  auto master = WriteHlsMaster(tmp, variants, audio);
  return master.ok() ? Status::Ok() : master.status();
}

// One adaptation set for the video, one per audio track (players pick by language).
Status PackageDash(OperatorContext& ctx, const std::vector<Rendition>& rs,
                   const std::vector<AudioTrack>& tracks, int64_t segment_ms,
                   const std::string& tmp) {
  std::vector<std::string> a;
  for (const Rendition& r : rs) a.insert(a.end(), {"-i", r.path});
  for (const AudioTrack& t : tracks) a.insert(a.end(), {"-i", t.path});
  for (size_t i = 0; i < rs.size(); ++i) a.insert(a.end(), {"-map", fmt::format("{}:v:0", i)});
  std::string sets = "id=0,streams=v";
  for (size_t k = 0; k < tracks.size(); ++k) {
    a.insert(a.end(), {"-map", fmt::format("{}:a:{}", rs.size() + k, tracks[k].stream)});
    if (!tracks[k].language.empty()) {
      a.insert(a.end(), {fmt::format("-metadata:s:a:{}", k), "language=" + tracks[k].language});
    }
    sets += fmt::format(" id={},streams={}", k + 1, rs.size() + k);
  }
  a.insert(a.end(),
           {"-c", "copy", "-f", "dash", "-seg_duration", Seconds(segment_ms), "-use_template", "1",
            "-use_timeline", "1", "-init_seg_name", "init-$RepresentationID$.m4s",
            "-media_seg_name", "chunk-$RepresentationID$-$Number%05d$.m4s", "-adaptation_sets",
            sets, (fs::path(tmp) / "master.mpd").string()});
  auto run = RunFfmpeg(ctx, {a, "dash package", rs[0].info.frames, "package-dash"});
  return run.ok() ? Status::Ok() : run.status();
}

}  // namespace

Result<Value> RunPackage(OperatorContext& ctx) {
  auto rs = LoadRenditions(ctx);
  if (!rs.ok()) return rs.status();
  const std::string format = StringArg(ctx, "format", "hls");
  const Value seg = ctx.args.Get("segment");
  const int64_t segment_ms = seg.is_null() ? 6000 : seg.duration_ms();
  const std::string final_dir = ScratchPath(ctx, format);
  const std::string tmp = final_dir + ".tmp";
  RemoveTreeQuietly(tmp);
  fs::create_directories(tmp);
  const std::vector<AudioTrack> tracks = AudioToPackage(ctx, *rs);
  Status st = format == "dash" ? PackageDash(ctx, *rs, tracks, segment_ms, tmp)
                               : PackageHls(ctx, *rs, tracks, segment_ms, tmp);
  if (!st.ok()) {
    RemoveTreeQuietly(tmp);
    return st;
  }
  st = PublishDir(tmp, final_dir);
  if (!st.ok()) {
    RemoveTreeQuietly(tmp);
    return st;
  }
  const std::string master = final_dir + (format == "dash" ? "/master.mpd" : "/master.m3u8");
  return Value::MakeRecord({{"dir", Value::String(final_dir)},
                            {"master", Value::String(master)},
                            {"renditions", Value::Int(int64_t(rs->size()))},
                            {"audio_tracks", Value::Int(int64_t(tracks.size()))}});
}

}  // namespace dandori::media
