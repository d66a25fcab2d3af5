// Real-world sources through the real workflows with `dandori run`: video-only clips of
// several codecs and containers (h264 MP4, HEVC Matroska, a single keyframe, a VFR
// phone clip) through encode_2d, encode_vr and thumbnails; a title that must have
// sound refused cleanly; two audio languages packaged as HLS alternate audio.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"
#include "tests/media/dandori_run.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

const char* kLadder =
    R"(ladder=[{"name": "240p", "height": 240, "crf": 26}, {"name": "120p", "height": 120, "crf": 28}])";

struct Case {
  std::string name;  // file name; the extension picks the container
  SourceSpec spec;
};

// encode_2d on `c`; returns the placed title's folder.
std::string Encode2d(const std::string& dir, const Case& c, std::vector<std::string> extra = {}) {
  const std::string src = dir + "/" + c.name;
  REQUIRE(MakeSource(src, c.spec).ok());
  fs::create_directories(dir + "/vod");
  std::vector<std::string> params = {"source=" + src,
                                     "title=t",
                                     "chunk=1s",
                                     "min_free=1MB",
                                     fmt::format("roots=[\"{}/vod\"]", dir),
                                     kLadder};
  params.insert(params.end(), extra.begin(), extra.end());
  auto run = RunWorkflow(dir, "encode_2d.flow", params);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return dir + "/vod/t";
}

}  // namespace

TEST_CASE("video-only sources of several kinds encode through encode_2d", "[media]") {
  const std::vector<Case> cases = {
      {"h264.mp4", {.fps = "30000/1001", .seconds = 3, .gop = 30, .audio = false}},
      {"hevc.mkv", {.fps = "25", .seconds = 3, .gop = 25, .audio = false, .codec = "hevc"}},
      {"onekey.mp4", {.fps = "25", .seconds = 3, .bframes = 3, .gop = 0, .audio = false}},
      {"phone.mp4",
       {.fps = "30",
        .seconds = 3,
        .gop = 30,
        .audio = false,
        .retime = "N/30+0.005*sin(N*1.9)+gte(N\\,50)*(N-50)/30"}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      std::string dir = MakeTempDir("vo");
      const std::string title = Encode2d(dir, c);
      auto probe = ProbeFile(dir + "/" + c.name);
      REQUIRE(probe.ok());
      CHECK(probe->audio_streams == 0);
      const std::string master = ReadFile(title + "/master.m3u8");
      INFO(master);
      CHECK(master.find("EXT-X-MEDIA") == std::string::npos);
      CHECK(master.find("AUDIO=") == std::string::npos);
      CHECK(master.find("mp4a") == std::string::npos);
      CHECK(master.find("RESOLUTION=") != std::string::npos);
      CHECK(FfprobeOpens(title + "/master.m3u8"));
      for (std::string r : {"240p", "120p"}) {
        auto frames = CountFrames(title + "/" + r + "/index.m3u8");
        REQUIRE(frames.ok());
        CHECK(*frames == probe->frames);
      }
      if (probe->vfr) {
        auto src_t = FrameTimes(dir + "/" + c.name);
        auto out_t = FrameTimes(title + "/240p/index.m3u8");
        REQUIRE(src_t.ok());
        REQUIRE(out_t.ok());
        REQUIRE(src_t->size() == out_t->size());
        for (size_t i = 0; i < src_t->size(); ++i) {
          CHECK((*out_t)[i] - out_t->front() == Approx((*src_t)[i] - src_t->front()).margin(2e-5));
        }
      }
      fs::remove_all(dir);
    }
  }
}

TEST_CASE("a title that must have sound is refused on a video-only source", "[media]") {
  std::string dir = MakeTempDir("reqaudio");
  const std::string src = dir + "/silent.mp4";
  REQUIRE(MakeSource(src, {.seconds = 2, .audio = false}).ok());
  fs::create_directories(dir + "/vod");
  auto run = RunWorkflow(dir, "encode_2d.flow",
                         {"source=" + src, "title=t", "chunk=1s", "min_free=1MB",
                          fmt::format("roots=[\"{}/vod\"]", dir), kLadder, "require_audio=true"});
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("encode_2d.flow:") != std::string::npos);
  CHECK(run.output.find("stage audio (media.encode_audio): permanent: no audio stream in " + src +
                        ": the source is video-only") != std::string::npos);
  CHECK(fs::is_empty(dir + "/vod"));
  fs::remove_all(dir);
}

TEST_CASE("two audio languages through encode_2d: one HLS audio group", "[media]") {
  std::string dir = MakeTempDir("wflangs");
  const std::string title = Encode2d(
      dir,
      {"film.mkv", {.fps = "24000/1001", .seconds = 3, .gop = 24, .languages = {"eng", "spa"}}});
  const std::string master = ReadFile(title + "/master.m3u8");
  INFO(master);
  CHECK(master.find("NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES") != std::string::npos);
  CHECK(master.find("NAME=\"Spanish\",LANGUAGE=\"es\",DEFAULT=NO") != std::string::npos);
  CHECK(master.find("URI=\"audio-es/index.m3u8\"") != std::string::npos);
  CHECK(FfprobeOpens(title + "/master.m3u8"));
  for (std::string lang : {"en", "es"}) {
    auto d = FormatDuration(title + "/audio-" + lang + "/index.m3u8");
    REQUIRE(d.ok());
    CHECK(*d == Approx(3.0).margin(0.1));
  }
  // Only Spanish asked for: one rendition.
  std::string dir2 = MakeTempDir("wflang1");
  const std::string one = Encode2d(
      dir2, {"film.mkv", {.fps = "25", .seconds = 2, .gop = 25, .languages = {"eng", "spa"}}},
      {"languages=[\"es\"]"});
  const std::string m1 = ReadFile(one + "/master.m3u8");
  CHECK(m1.find("LANGUAGE=\"es\",DEFAULT=YES") != std::string::npos);
  CHECK(m1.find("LANGUAGE=\"en\"") == std::string::npos);
  fs::remove_all(dir);
  fs::remove_all(dir2);
}

TEST_CASE("encode_vr and thumbnails on video-only masters", "[media]") {
  std::string dir = MakeTempDir("vrvo");
  const std::string src = dir + "/master.mkv";
  REQUIRE(MakeSource(src, {.fps = "30",
                           .seconds = 2,
                           .width = 512,
                           .height = 256,
                           .gop = 30,
                           .audio = false,
                           .codec = "hevc"})
              .ok());
  fs::create_directories(dir + "/vod");
  auto run =
      RunWorkflow(dir, "encode_vr.flow",
                  {"source=" + src, "title=vr", "chunk=1s", "min_free=1MB", "preset=ultrafast",
                   fmt::format("roots=[\"{}/vod\"]", dir),
                   R"(ladder=[{"name": "vr-256", "height": 128, "width": 256, "crf": 30}])"});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const std::string master = ReadFile(dir + "/vod/vr/master.m3u8");
  CHECK(master.find("CODECS=\"hvc1.") != std::string::npos);
  CHECK(master.find("EXT-X-MEDIA") == std::string::npos);
  auto frames = CountFrames(dir + "/vod/vr/vr-256/index.m3u8");
  REQUIRE(frames.ok());
  CHECK(*frames == 60);

  auto thumbs = RunWorkflow(dir, "thumbnails.flow",
                            {fmt::format("sources=[\"{}\"]", src), "every=1s", "width=160"});
  INFO(thumbs.output);
  CHECK(thumbs.exit_code == 0);
  int jpegs = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/scratch/state")) {
    jpegs += e.path().extension() == ".jpg";
  }
  CHECK(jpegs == 2);
  fs::remove_all(dir);
}

TEST_CASE("encode_2d conforms a VFR phone clip to a declared rate", "[media]") {
  std::string dir = MakeTempDir("wfconform");
  const Case c = {"phone.mp4",
                  {.fps = "30",
                   .seconds = 3,
                   .gop = 30,
                   .retime = "N/30+0.004*sin(N*2.3)+gte(N\\,40)*(N-40)/30"}};
  const std::string title = Encode2d(dir, c, {"conform=25"});
  auto probe = ProbeFile(dir + "/" + c.name);
  REQUIRE(probe.ok());
  REQUIRE(probe->vfr);
  const int64_t expected = std::llround(probe->duration_seconds() * 25);
  for (std::string r : {"240p", "120p"}) {
    auto frames = CountFrames(title + "/" + r + "/index.m3u8");
    REQUIRE(frames.ok());
    CHECK(*frames == expected);
  }
  const std::string master = ReadFile(title + "/master.m3u8");
  CHECK(master.find("FRAME-RATE=25.000") != std::string::npos);
  auto adur = FormatDuration(title + "/audio-0/index.m3u8");
  REQUIRE(adur.ok());
  CHECK(*adur == Approx(expected / 25.0).margin(0.1));
  fs::remove_all(dir);
}
