// workflows/encode_2d.flow and workflows/thumbnails.flow through `dandori run`: the
// embedded engine drives the real media operators on a generated clip.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"
#include "tests/media/dandori_run.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

Run Dandori(const std::string& dir, const std::string& workflow,
            const std::vector<std::string>& params) {
  auto r = RunWorkflow(dir, workflow, params);
  return {r.exit_code, r.output};
}

}  // namespace

TEST_CASE("encode_2d runs end to end and places a playable HLS title", "[media]") {
  std::string dir = MakeTempDir("wf2d");
  std::string src = dir + "/source.mp4";
  REQUIRE(MakeSource(src, {.fps = "30000/1001", .seconds = 3, .bframes = 2, .gop = 30}).ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  fs::create_directories(dir + "/vod");
  auto run = Dandori(
      dir, "encode_2d.flow",
      {"source=" + src, "title=show-1", "chunk=1s", "min_free=1MB",
       fmt::format("roots=[\"{0}/missing-root\", \"{0}/vod\"]", dir),
       R"(ladder=[{"name": "240p", "height": 240, "crf": 26}, {"name": "120p", "height": 120, "crf": 28}])"});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const std::string title = dir + "/vod/show-1";
  const std::string master = title + "/master.m3u8";
  REQUIRE(fs::exists(master));
  CHECK(FfprobeOpens(master));
  for (std::string r : {"240p", "120p"}) {
    auto frames = CountFrames(title + "/" + r + "/index.m3u8");
    REQUIRE(frames.ok());
    CHECK(*frames == probe->frames);
  }
  // The tone is packaged once, as alternate audio every variant names.
  auto adur = FormatDuration(title + "/audio-0/index.m3u8");
  REQUIRE(adur.ok());
  CHECK(*adur == Approx(probe->duration_seconds()).margin(0.1));
  const std::string text = ReadFile(master);
  CHECK(text.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\"") != std::string::npos);
  CHECK(text.find("AUDIO=\"audio\"") != std::string::npos);
  // Nothing half-placed is left in the root.
  for (const auto& e : fs::directory_iterator(dir + "/vod")) {
    CHECK(e.path().filename().string() == "show-1");
  }
  fs::remove_all(dir);
}

TEST_CASE("encode_2d on a file that is not a video fails, naming it", "[media]") {
  std::string dir = MakeTempDir("wfbad");
  std::string src = dir + "/notes.mp4";
  std::ofstream(src) << "not a video\n";
  fs::create_directories(dir + "/vod");
  auto run = Dandori(
      dir, "encode_2d.flow",
      {"source=" + src, "title=bad", "min_free=1MB", fmt::format("roots=[\"{}/vod\"]", dir)});
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find(src) != std::string::npos);
  CHECK(fs::is_empty(dir + "/vod"));
  fs::remove_all(dir);
}

TEST_CASE("thumbnails runs as a batch job", "[media]") {
  std::string dir = MakeTempDir("wfthumb");
  std::string src = dir + "/clip.mp4";
  REQUIRE(MakeSource(src, {.seconds = 3}).ok());
  auto run = Dandori(dir, "thumbnails.flow",
                     {fmt::format("sources=[\"{}\"]", src), "every=1s", "width=160"});
  INFO(run.output);
  CHECK(run.exit_code == 0);
  int jpegs = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir + "/scratch/state")) {
    jpegs += e.path().extension() == ".jpg";
  }
  CHECK(jpegs == 3);
  fs::remove_all(dir);
}
