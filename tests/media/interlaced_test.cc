// Interlaced sources and scene-aware chunking through the real workflow (`dandori run`
// on workflows/encode_2d.flow): generated interlaced clips (fields woven from a 50 or
// 60000/1001 fps pattern with tinterlace, encoded as interlaced H.264 / MPEG-2, top and
// bottom field first, MP4 / Matroska / MPEG-TS) are detected by probe, deinterlaced
// frame for frame (the frame count is the source's, FFmpeg's idet finds the output
// progressive) and left interlaced with deinterlace=off; a clip with hard cuts is split
// at its scene changes.
#include <catch2/catch.hpp>
#include <filesystem>

#include <fmt/format.h>

#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"
#include "tests/media/dandori_run.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

struct Interlaced {
  std::string name;        // the extension picks the container
  std::string size, rate;  // of the progressive pattern woven into fields (rate / 2)
  bool top_first = true;
  std::string codec;  // "libx264" or "mpeg2video"
  bool audio = false;
  std::string field_order;  // what probe must report
};

void MakeInterlaced(const std::string& path, const Interlaced& c) {
  std::vector<std::string> a = {"-f", "lavfi", "-i",
                                fmt::format("testsrc2=size={}:rate={}:duration=3", c.size, c.rate)};
  if (c.audio) a.insert(a.end(), {"-f", "lavfi", "-i", "sine=duration=3", "-c:a", "aac"});
  a.insert(a.end(), {"-vf",
                     c.top_first ? "tinterlace=interleave_top,setfield=tff"
                                 : "tinterlace=interleave_bottom,setfield=bff",
                     "-c:v", c.codec, "-flags", "+ildct+ilme", "-top", c.top_first ? "1" : "0",
                     "-g", "12", "-bf", "2"});
  if (c.codec == "mpeg2video") a.insert(a.end(), {"-q:v", "3"});
  if (c.codec == "libx264") a.insert(a.end(), {"-preset", "veryfast", "-pix_fmt", "yuv420p"});
  a.push_back(path);
  REQUIRE(Ffmpeg(a).ok());
}

// encode_2d with one rendition at the source's height (scaling would blur the combing
// that idet looks for); returns the rendition's playlist.
std::string Encode(const std::string& dir, const std::string& src, int height,
                   std::vector<std::string> extra) {
  const std::string vod = dir + "/vod";
  fs::create_directories(vod);
  std::vector<std::string> params = {
      "source=" + src,
      "title=t",
      "chunk=1s",
      "min_free=1MB",
      fmt::format("roots=[\"{}\"]", vod),
      fmt::format(R"(ladder=[{{"name": "v", "height": {}, "crf": 22}}])", height)};
  params.insert(params.end(), extra.begin(), extra.end());
  auto run = RunWorkflow(dir, "encode_2d.flow", params);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  return vod + "/t/v/index.m3u8";
}

}  // namespace

TEST_CASE("interlaced sources are detected and deinterlaced frame for frame", "[media]") {
  const std::vector<Interlaced> cases = {
      {"tff.mp4", "320x240", "50", true, "libx264", true, "tt"},
      {"bff.ts", "352x288", "50", false, "mpeg2video", false, "bb"},
      {"tff.mkv", "320x240", "60000/1001", true, "libx264", false, "tt"},
  };
  for (const Interlaced& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const std::string dir = MakeTempDir("il");
      const std::string src = dir + "/" + c.name;
      MakeInterlaced(src, c);
      auto probe = ProbeFile(src);
      REQUIRE(probe.ok());
      CHECK(probe->field_order == c.field_order);
      CHECK(probe->interlaced());
      const Value record = ProbeToValue(*probe);
      CHECK(record.Get("interlaced").as_bool());
      CHECK(record.Get("field_order").as_string() == c.field_order);
      auto before = DetectInterlace(src);
      REQUIRE(before.ok());
      CHECK(before->interlaced >= probe->frames * 9 / 10);

      const std::string out = Encode(dir, src, probe->height, {});
      auto frames = CountFrames(out);
      REQUIRE(frames.ok());
      CHECK(*frames == probe->frames);
      auto after = DetectInterlace(out);
      REQUIRE(after.ok());
      INFO(fmt::format("idet after: {} interlaced, {} progressive, {} undetermined",
                       after->interlaced, after->progressive, after->undetermined));
      CHECK(after->interlaced + after->progressive + after->undetermined == probe->frames);
      CHECK(after->interlaced <= probe->frames / 10);
    }
  }
}

TEST_CASE("deinterlace=off keeps the fields; a progressive source is not touched", "[media]") {
  const std::string dir = MakeTempDir("il-off");
  const Interlaced c = {"off.mp4", "320x240", "50", true, "libx264", false, "tt"};
  const std::string src = dir + "/" + c.name;
  MakeInterlaced(src, c);
  const std::string out = Encode(dir, src, 240, {"deinterlace=off"});
  auto frames = CountFrames(out);
  REQUIRE(frames.ok());
  CHECK(*frames == 75);
  auto after = DetectInterlace(out);
  REQUIRE(after.ok());
  CHECK(after->interlaced >= 75 * 9 / 10);

  const std::string prog = dir + "/progressive.mp4";
  REQUIRE(MakeSource(prog, {.seconds = 1, .audio = false}).ok());
  auto probe = ProbeFile(prog);
  REQUIRE(probe.ok());
  CHECK(probe->field_order == "progressive");
  CHECK_FALSE(probe->interlaced());
}

TEST_CASE("split at: scenes cuts at the hard cuts near the target", "[media]") {
  const std::string dir = MakeTempDir("scenes");
  const std::string src = dir + "/cuts.mp4";
  // 34 + 30 + 36 frames of three different patterns: scene changes at 34 and 64.
  REQUIRE(Ffmpeg({"-f",
                  "lavfi",
                  "-i",
                  "testsrc2=size=320x240:rate=25:duration=1.36",
                  "-f",
                  "lavfi",
                  "-i",
                  "smptebars=size=320x240:rate=25:duration=1.2",
                  "-f",
                  "lavfi",
                  "-i",
                  "testsrc=size=320x240:rate=25:duration=1.44",
                  "-filter_complex",
                  "[0:v][1:v][2:v]concat=n=3:v=1:a=0,trim=end_frame=100",
                  "-c:v",
                  "libx264",
                  "-preset",
                  "veryfast",
                  "-g",
                  "25",
                  "-pix_fmt",
                  "yuv420p",
                  src})
              .ok());
  Value::Record args = {{"src", Value::String(src)},
                        {"target", Value::DurationMs(1000)},
                        {"gop", Value::DurationMs(1000)},
                        {"at", Value::String("scenes")}};
  auto ctx = MakeContext(dir, "split", Value::MakeRecord(args));
  auto split = RunSplit(ctx);
  REQUIRE(split.ok());
  std::vector<int64_t> cuts, starts;
  for (const Value& v : split->Get("scene_cuts").list()) cuts.push_back(v.as_int());
  for (const Value& v : split->Get("chunks").list())
    starts.push_back(v.Get("start_frame").as_int());
  CHECK(cuts == std::vector<int64_t>{34, 64});
  // Grid boundaries 25, 50, 75: 25 -> 34, 50 stays (no cut within 12 frames), 75 -> 64.
  CHECK(starts == std::vector<int64_t>{0, 34, 50, 64});

  const std::string out = Encode(dir, src, 240, {"cut_at=scenes"});
  auto frames = CountFrames(out);
  REQUIRE(frames.ok());
  CHECK(*frames == 100);
  auto psnr = PerFramePsnr(out, src, dir);
  REQUIRE(psnr.ok());
  for (double db : *psnr) CHECK(db > 30);
}

TEST_CASE("split at: scenes refuses a bad threshold and conform", "[media]") {
  const std::string dir = MakeTempDir("scenes-bad");
  const std::string src = dir + "/src.mp4";
  REQUIRE(MakeSource(src, {.seconds = 1, .audio = false}).ok());
  auto split = [&](Value::Record extra) {
    Value::Record args = {{"src", Value::String(src)},
                          {"target", Value::DurationMs(1000)},
                          {"at", Value::String("scenes")}};
    args.insert(args.end(), extra.begin(), extra.end());
    auto ctx = MakeContext(dir, "split", Value::MakeRecord(args));
    return RunSplit(ctx);
  };
  auto bad = split({{"scene", Value::Int(0)}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find(src) != std::string::npos);
  CHECK(bad.status().message().find("scene: 0") != std::string::npos);
  auto conform = split({{"conform", Value::String("25")}});
  REQUIRE_FALSE(conform.ok());
  CHECK(conform.status().message().find("cannot be combined with conform") != std::string::npos);
}
