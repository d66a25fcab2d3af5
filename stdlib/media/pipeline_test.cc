// End-to-end media tests with real ffmpeg on generated clips: split -> encode chunks ->
// merge must give the source's exact frame count and timing, every frame in place
// (per-frame PSNR against the source close to a single-pass encode's), audio in sync,
// and a package whose playlists ffprobe opens.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <numeric>

#include <fmt/format.h>

#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

Value EncodeArgs(int height, const std::string& name = "main", int64_t gop_ms = 1000) {
  return Value::MakeRecord({{"codec", Value::String("h264")},
                            {"height", Value::Int(height)},
                            {"crf", Value::Int(23)},
                            {"preset", Value::String("veryfast")},
                            {"gop", Value::DurationMs(gop_ms)},
                            {"name", Value::String(name)}});
}

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The single-pass reference: the same operator and settings over one chunk = the whole
// source, in one ffmpeg process.
Value SinglePass(const std::string& src, const std::string& dir, int height, int64_t gop_ms) {
  auto p = ProbeFile(src);
  REQUIRE(p.ok());
  Value chunk = Value::MakeRecord({{"index", Value::Int(0)},
                                   {"source", Value::String(src)},
                                   {"start_frame", Value::Int(0)},
                                   {"end_frame", Value::Int(p->frames)},
                                   {"frames", Value::Int(p->frames)},
                                   {"fps", Value::String(p->fps())},
                                   {"total_frames", Value::Int(p->frames)}});
  Value::Record args = {{"chunk", chunk}};
  const Value settings = EncodeArgs(height, "single", gop_ms);
  for (const auto& f : settings.record()) args.push_back(f);
  auto ctx = MakeContext(dir, "single", Value::MakeRecord(args));
  auto r = RunEncode(ctx);
  REQUIRE(r.ok());
  return *r;
}

// `intermediate`: whether split must have chosen lossless intermediate chunks.
void CheckExact(const SourceSpec& spec, const std::string& tag, int64_t chunk_ms = 1000,
                bool intermediate = false) {
  std::string dir = MakeTempDir(tag);
  std::string src = dir + "/source.mp4";
  REQUIRE(MakeSource(src, spec).ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  INFO(tag << ": " << probe->frames << " frames at " << probe->fps() << ", keyframes "
           << probe->keyframes.size());
  if (spec.gop == 0) CHECK(probe->keyframes == std::vector<int64_t>{0});

  auto run = RunPipeline(src, chunk_ms, EncodeArgs(spec.height, "main", chunk_ms), 2, dir);
  REQUIRE(run.ok());
  for (const Value& c : run->split.Get("chunks").list()) {
    CHECK(c.Get("path").is_null() != intermediate);
  }
  const std::string merged = run->video.Get("path").as_string();
  CHECK(run->split.Get("chunks").list().size() >= 2);  // joins are exercised
  CHECK(run->video.Get("frames").as_int() == probe->frames);
  auto decoded = CountFrames(merged);
  REQUIRE(decoded.ok());
  CHECK(*decoded == probe->frames);
  auto vdur = StreamDuration(merged, "v");
  REQUIRE(vdur.ok());
  CHECK(*vdur == Approx(probe->duration_seconds()).margin(0.001));

  // Every frame in its place: per-frame PSNR close to the single pass's.
  Value single = SinglePass(src, dir, spec.height, chunk_ms);
  auto chunked_psnr = PerFramePsnr(merged, src, dir);
  auto single_psnr = PerFramePsnr(single.Get("path").as_string(), src, dir);
  REQUIRE(chunked_psnr.ok());
  REQUIRE(single_psnr.ok());
  const double worst_c = *std::min_element(chunked_psnr->begin(), chunked_psnr->end());
  const double worst_s = *std::min_element(single_psnr->begin(), single_psnr->end());
  INFO("mean PSNR chunked " << Mean(*chunked_psnr) << " single " << Mean(*single_psnr) << "; worst "
                            << worst_c << " / " << worst_s);
  // 5-frame chunks (the intermediate case) cost x264's rate control some quality;
  // a misplaced frame would cost 15-20 dB.
  CHECK(Mean(*chunked_psnr) > Mean(*single_psnr) - (chunk_ms < 1000 ? 1.5 : 0.5));
  CHECK(worst_c > worst_s - 3.0);
  for (size_t i = 0; i < chunked_psnr->size(); ++i) {
    if ((*chunked_psnr)[i] < (*single_psnr)[i] - 4.0) FAIL_CHECK("frame " << i << " out of place");
  }

  if (spec.audio) {
    REQUIRE(!run->audio.is_null());
    auto adur = StreamDuration(merged, "a");
    REQUIRE(adur.ok());
    CHECK(*adur == Approx(probe->duration_seconds()).margin(0.03));
    CHECK(run->video.Get("has_audio").as_bool());
    CHECK(run->video.Get("codecs").as_string().find("mp4a.40.2") != std::string::npos);
  } else {
    CHECK(run->audio.is_null());
  }

  // Package: HLS master + every variant playlist open with ffprobe.
  auto pctx = MakeContext(dir, "package",
                          Value::MakeRecord({{"renditions", Value::MakeList({run->video})},
                                             {"format", Value::String("hls")},
                                             {"segment", Value::DurationMs(2000)}}));
  auto pkg = RunPackage(pctx);
  REQUIRE(pkg.ok());
  const std::string master = pkg->Get("master").as_string();
  std::string text = ReadAll(master);
  CHECK(text.find("BANDWIDTH=") != std::string::npos);
  CHECK(text.find(fmt::format("RESOLUTION={}x{}", run->video.Get("width").as_int(),
                              run->video.Get("height").as_int())) != std::string::npos);
  CHECK(text.find("CODECS=\"avc1.") != std::string::npos);
  CHECK(FfprobeOpens(master));
  CHECK(FfprobeOpens(pkg->Get("dir").as_string() + "/main/index.m3u8"));
  auto hls_frames = CountFrames(master);
  REQUIRE(hls_frames.ok());
  CHECK(*hls_frames == probe->frames);
  CHECK(!fs::exists(pkg->Get("dir").as_string() + ".tmp"));
  fs::remove_all(dir);
}

}  // namespace

TEST_CASE("25 fps with B-frames and audio joins frame-exact", "[media]") {
  CheckExact({.fps = "25", .seconds = 3, .bframes = 3, .gop = 25, .audio = true}, "p25");
}

TEST_CASE("30000/1001 with audio joins frame-exact", "[media]") {
  CheckExact({.fps = "30000/1001", .seconds = 3, .bframes = 2, .gop = 30, .audio = true}, "p2997");
}

TEST_CASE("24000/1001 without audio joins frame-exact", "[media]") {
  CheckExact({.fps = "24000/1001", .seconds = 3, .bframes = 2, .gop = 24, .audio = false},
             "p23976");
}

TEST_CASE("a source with a single keyframe still gives balanced exact chunks", "[media]") {
  CheckExact({.fps = "25", .seconds = 4, .bframes = 2, .gop = 0, .audio = true}, "onekey");
}

TEST_CASE("keyframes every 2 s with 1 s chunks: decoded from the keyframe before", "[media]") {
  CheckExact({.fps = "25", .seconds = 3, .bframes = 2, .gop = 50, .audio = true}, "sparse");
}

TEST_CASE("a single keyframe and many chunks: lossless intermediates, still exact", "[media]") {
  // 20 chunks of 5 frames: decoding from frame 0 for each would waste 9.5 source lengths.
  CheckExact({.fps = "25", .seconds = 4, .bframes = 2, .gop = 0, .audio = true}, "inter", 200,
             true);
}

TEST_CASE("an odd size 854x480 source joins frame-exact", "[media]") {
  CheckExact({.fps = "25",
              .seconds = 2,
              .width = 854,
              .height = 480,
              .bframes = 2,
              .gop = 50,
              .audio = false},
             "odd");
}

TEST_CASE("a ladder of two renditions packages as HLS and DASH", "[media]") {
  std::string dir = MakeTempDir("ladder");
  std::string src = dir + "/source.mp4";
  REQUIRE(MakeSource(src, {.fps = "25", .seconds = 3}).ok());
  std::vector<Value> videos;
  for (int h : {240, 120}) {
    auto run = RunPipeline(src, 1000, EncodeArgs(h, fmt::format("h{}", h)), 2,
                           dir + fmt::format("/r{}", h));
    REQUIRE(run.ok());
    videos.push_back(run->video);
  }
  for (std::string format : {"hls", "dash"}) {
    auto ctx = MakeContext(dir, "pkg-" + format,
                           Value::MakeRecord({{"renditions", Value::MakeList(videos)},
                                              {"format", Value::String(format)},
                                              {"segment", Value::DurationMs(2000)}}));
    auto pkg = RunPackage(ctx);
    REQUIRE(pkg.ok());
    CHECK(pkg->Get("renditions").as_int() == 2);
    CHECK(FfprobeOpens(pkg->Get("master").as_string()));
    if (format == "hls") {
      std::string text = ReadAll(pkg->Get("master").as_string());
      CHECK(text.find("RESOLUTION=320x240") != std::string::npos);
      CHECK(text.find("RESOLUTION=160x120") != std::string::npos);
      CHECK(FfprobeOpens(pkg->Get("dir").as_string() + "/h240/index.m3u8"));
      CHECK(FfprobeOpens(pkg->Get("dir").as_string() + "/h120/index.m3u8"));
      // Same chunk plan and GOP grid: segment boundaries line up across renditions.
      auto extinf = [&](const std::string& name) {
        std::string out, line;
        std::ifstream in(pkg->Get("dir").as_string() + "/" + name + "/index.m3u8");
        while (std::getline(in, line)) {
          if (line.rfind("#EXTINF", 0) == 0) out += line + "\n";
        }
        return out;
      };
      CHECK(!extinf("h240").empty());
      CHECK(extinf("h240") == extinf("h120"));
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("thumbnails and a sample clip", "[media]") {
  std::string dir = MakeTempDir("batch");
  std::string src = dir + "/source.mp4";
  REQUIRE(MakeSource(src, {.fps = "25", .seconds = 3}).ok());
  auto tctx = MakeContext(dir, "thumbs",
                          Value::MakeRecord({{"src", Value::String(src)},
                                             {"every", Value::DurationMs(1000)},
                                             {"width", Value::Int(160)}}));
  auto t = RunThumbnail(tctx);
  REQUIRE(t.ok());
  CHECK(t->Get("count").as_int() == 3);
  for (const Value& img : t->Get("images").list()) CHECK(FfprobeOpens(img.as_string()));
  auto sctx = MakeContext(dir, "sample",
                          Value::MakeRecord({{"src", Value::String(src)},
                                             {"start", Value::DurationMs(1000)},
                                             {"length", Value::DurationMs(5000)},
                                             {"height", Value::Int(120)}}));
  auto s = RunSample(sctx);
  REQUIRE(s.ok());
  CHECK(s->Get("duration").duration_ms() == 2000);
  auto d = StreamDuration(s->Get("path").as_string(), "v");
  REQUIRE(d.ok());
  CHECK(*d == Approx(2.0).margin(0.05));
  // Starting past the end: the last `length` of the source instead.
  auto lctx = MakeContext(dir, "late",
                          Value::MakeRecord({{"src", Value::String(src)},
                                             {"start", Value::DurationMs(60000)},
                                             {"length", Value::DurationMs(1000)},
                                             {"height", Value::Int(120)}}));
  auto late = RunSample(lctx);
  REQUIRE(late.ok());
  CHECK(late->Get("duration").duration_ms() == 1000);
  fs::remove_all(dir);
}

TEST_CASE("hevc, av1 and vp9 chunks join frame-exact and package", "[media]") {
  std::string dir = MakeTempDir("codecs");
  std::string src = dir + "/source.mp4";
  REQUIRE(
      MakeSource(src, {.fps = "30000/1001", .seconds = 2, .width = 256, .height = 144, .gop = 30})
          .ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  const std::vector<std::pair<std::string, std::string>> codecs = {
      {"hevc", "ultrafast"}, {"av1", "12"}, {"vp9", "8"}};
  std::vector<Value> videos;
  for (const auto& [codec, preset] : codecs) {
    INFO(codec);
    Value args = Value::MakeRecord({{"codec", Value::String(codec)},
                                    {"height", Value::Int(144)},
                                    {"preset", Value::String(preset)},
                                    {"gop", Value::DurationMs(1000)},
                                    {"name", Value::String(codec)}});
    auto run = RunPipeline(src, 1000, args, 2, dir + "/" + codec);
    REQUIRE(run.ok());
    CHECK(run->encoded.size() == 2);
    auto frames = CountFrames(run->video.Get("path").as_string());
    REQUIRE(frames.ok());
    CHECK(*frames == probe->frames);
    auto psnr = PerFramePsnr(run->video.Get("path").as_string(), src, dir);
    REQUIRE(psnr.ok());
    CHECK(*std::min_element(psnr->begin(), psnr->end()) > 25.0);
    videos.push_back(run->video);
  }
  auto ctx = MakeContext(dir, "pkg",
                         Value::MakeRecord({{"renditions", Value::MakeList(videos)},
                                            {"format", Value::String("hls")}}));
  auto pkg = RunPackage(ctx);
  REQUIRE(pkg.ok());
  std::string text = ReadAll(pkg->Get("master").as_string());
  CHECK(text.find("CODECS=\"hvc1.") != std::string::npos);
  CHECK(text.find("CODECS=\"av01.") != std::string::npos);
  CHECK(text.find("CODECS=\"vp09.") != std::string::npos);
  for (const auto& [codec, preset] : codecs) {
    CHECK(FfprobeOpens(pkg->Get("dir").as_string() + "/" + codec + "/index.m3u8"));
  }
  fs::remove_all(dir);
}
