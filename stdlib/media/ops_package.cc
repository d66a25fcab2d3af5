// media.package: HLS (fMP4 / CMAF segments, one media playlist per rendition, a master
// listing them all) or DASH (one MPD), built in a temporary folder under scratch and
// published with one rename.
#include <filesystem>
#include <set>

#include <fmt/format.h>

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
  bool has_audio = false;
  ProbeInfo info;
};

Result<std::vector<Rendition>> LoadRenditions(const OperatorContext& ctx) {
  std::vector<Rendition> out;
  std::set<std::string> names;
  for (const Value& v : ctx.args.Get("renditions").list()) {
    Rendition r;
    r.path = ResolvePath(ctx.workdir, v.Get("path").as_string());
    auto info = ProbeFile(r.path, false);
    if (!info.ok()) return info.status();
    r.info = *info;
    r.name = SafeName(v.Get("name").as_string());
    if (r.name.empty() || names.count(r.name)) r.name += fmt::format("v{}", out.size());
    names.insert(r.name);
    r.codecs = v.Get("codecs").as_string();
    r.has_audio = v.Get("has_audio").as_bool() && info->audio_streams > 0;
    out.push_back(std::move(r));
  }
  if (out.empty()) return Status::Permanent("package: no renditions");
  return out;
}

Status PackageHls(OperatorContext& ctx, const std::vector<Rendition>& rs, const Value& audio,
                  int64_t segment_ms, const std::string& tmp) {
  std::vector<HlsVariant> variants;
  for (const Rendition& r : rs) {
    fs::create_directories(fs::path(tmp) / r.name);
    std::vector<std::string> a = {"-i", r.path};
    std::string codecs = r.codecs;
    a.insert(a.end(), {"-map", "0:v:0"});
    if (r.has_audio) {
      a.insert(a.end(), {"-map", "0:a:0"});
    } else if (!audio.is_null()) {
      a.insert(a.end(),
               {"-i", ResolvePath(ctx.workdir, audio.Get("path").as_string()), "-map", "1:a:0"});
      codecs += audio.Get("codec").as_string() == "opus" ? ",opus" : ",mp4a.40.2";
    }
    const fs::path dir = fs::path(tmp) / r.name;
    a.insert(a.end(),
             {"-c", "copy", "-f", "hls", "-hls_time", Seconds(segment_ms), "-hls_playlist_type",
              "vod", "-hls_segment_type", "fmp4", "-hls_flags", "independent_segments",
              "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename",
              (dir / "seg_%05d.m4s").string(), (dir / "index.m3u8").string()});
    auto run = RunFfmpeg(
        ctx, {a, fmt::format("package of {}", r.path), r.info.frames, "package-" + r.name});
    if (!run.ok()) return run.status();
    variants.push_back({r.name + "/index.m3u8", codecs, r.info.width, r.info.height,
                        double(r.info.fps_num) / r.info.fps_den});
  }
  auto master = WriteHlsMaster(tmp, variants);
  return master.ok() ? Status::Ok() : master.status();
}

Status PackageDash(OperatorContext& ctx, const std::vector<Rendition>& rs, const Value& audio,
                   int64_t segment_ms, const std::string& tmp) {
  std::vector<std::string> a;
  for (const Rendition& r : rs) a.insert(a.end(), {"-i", r.path});
  for (size_t i = 0; i < rs.size(); ++i) a.insert(a.end(), {"-map", fmt::format("{}:v:0", i)});
  bool has_audio = false;
  for (size_t i = 0; i < rs.size() && !has_audio; ++i) {
    if (rs[i].has_audio) {
      a.insert(a.end(), {"-map", fmt::format("{}:a:0", i)});
      has_audio = true;
    }
  }
  if (!has_audio && !audio.is_null()) {
    a.insert(a.end(), {"-i", ResolvePath(ctx.workdir, audio.Get("path").as_string()), "-map",
                       fmt::format("{}:a:0", rs.size())});
    has_audio = true;
  }
  a.insert(a.end(),
           {"-c", "copy", "-f", "dash", "-seg_duration", Seconds(segment_ms), "-use_template", "1",
            "-use_timeline", "1", "-init_seg_name", "init-$RepresentationID$.m4s",
            "-media_seg_name", "chunk-$RepresentationID$-$Number%05d$.m4s", "-adaptation_sets",
            has_audio ? "id=0,streams=v id=1,streams=a" : "id=0,streams=v",
            (fs::path(tmp) / "master.mpd").string()});
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
  Status st = format == "dash" ? PackageDash(ctx, *rs, ctx.args.Get("audio"), segment_ms, tmp)
                               : PackageHls(ctx, *rs, ctx.args.Get("audio"), segment_ms, tmp);
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
                            {"renditions", Value::Int(int64_t(rs->size()))}});
}

}  // namespace dandori::media
