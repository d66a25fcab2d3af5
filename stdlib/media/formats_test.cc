// Other real-world video formats with real ffmpeg: 10-bit sources keep 10 bits in HEVC
// renditions (8 in H.264), phone footage with a rotation tag comes out upright, and an
// odd-sized source gives even-sized renditions with the display aspect kept; each
// through split -> chunk encodes -> merge, frame-exact.
#include <catch2/catch.hpp>
#include <filesystem>

#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

Value EncodeArgs(const std::string& codec, int height) {
  return Value::MakeRecord({{"codec", Value::String(codec)},
                            {"height", Value::Int(height)},
                            {"preset", Value::String(codec == "hevc" ? "ultrafast" : "veryfast")},
                            {"gop", Value::DurationMs(1000)},
                            {"name", Value::String(codec)}});
}

// Runs the pipeline and checks the frame count; returns the merged file's probe.
ProbeInfo Encode(const std::string& src, const std::string& codec, int height,
                 const std::string& dir) {
  auto source = ProbeFile(src);
  REQUIRE(source.ok());
  auto run = RunPipeline(src, 1000, EncodeArgs(codec, height), 2, dir + "/" + codec);
  REQUIRE(run.ok());
  auto out = ProbeFile(run->video.Get("path").as_string());
  REQUIRE(out.ok());
  CHECK(out->frames == source->frames);
  auto decoded = CountFrames(out->path);
  REQUIRE(decoded.ok());
  CHECK(*decoded == source->frames);
  return *out;
}

}  // namespace

TEST_CASE("a 10-bit source keeps 10 bits in HEVC, 8 in H.264", "[media]") {
  std::string dir = MakeTempDir("tenbit");
  const std::string src = dir + "/master.mkv";
  REQUIRE(MakeSource(src, {.fps = "25",
                           .seconds = 2,
                           .gop = 25,
                           .audio = false,
                           .codec = "hevc",
                           .pix_fmt = "yuv420p10le"})
              .ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  CHECK(probe->pix_fmt == "yuv420p10le");
  const ProbeInfo hevc = Encode(src, "hevc", 240, dir);
  CHECK(hevc.pix_fmt == "yuv420p10le");
  CHECK(hevc.extradata_codecs.rfind("hvc1.2.", 0) == 0);  // Main 10
  const ProbeInfo h264 = Encode(src, "h264", 240, dir);
  CHECK(h264.pix_fmt == "yuv420p");
  fs::remove_all(dir);
}

TEST_CASE("phone footage with a rotation tag comes out upright", "[media]") {
  std::string dir = MakeTempDir("rotate");
  const std::string src = dir + "/phone.mp4";
  REQUIRE(MakeSource(src, {.fps = "30", .seconds = 2, .gop = 30, .rotate = 90}).ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  CHECK(probe->width == 320);
  CHECK((probe->rotation == 90 || probe->rotation == 270));
  const ProbeInfo out = Encode(src, "h264", 320, dir);
  CHECK(out.width == 240);  // portrait: the picture was turned, not squeezed
  CHECK(out.height == 320);
  CHECK(out.rotation == 0);
  fs::remove_all(dir);
}

TEST_CASE("an odd-sized source gives even renditions with its aspect", "[media]") {
  std::string dir = MakeTempDir("oddsize");
  const std::string src = dir + "/odd.mp4";
  REQUIRE(MakeSource(src, {.fps = "25",
                           .seconds = 2,
                           .width = 321,
                           .height = 241,
                           .gop = 25,
                           .audio = false,
                           .pix_fmt = "yuv444p"})
              .ok());
  const ProbeInfo out = Encode(src, "h264", 240, dir);
  CHECK(out.height == 240);
  CHECK(out.width % 2 == 0);
  CHECK(double(out.width) / out.height == Approx(321.0 / 241).epsilon(0.01));
  fs::remove_all(dir);
}
