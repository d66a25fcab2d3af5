// Variable frame rate end to end with real ffmpeg: a phone-style clip (jittered frame
// times, a drop to 15 fps in low light) and a 30 -> 15 fps concatenation. Kept timing:
// split -> chunk encodes -> merge must put every frame at its source timestamp, in its
// place (per-frame PSNR against the source). Conformed: the output has the declared
// rate, the frames duplicated / dropped are reported, and each output frame matches
// FFmpeg's own one-pass resampling of the source.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
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

Value EncodeArgs(int height) {
  return Value::MakeRecord({{"codec", Value::String("h264")},
                            {"height", Value::Int(height)},
                            {"crf", Value::Int(20)},
                            {"preset", Value::String("veryfast")},
                            {"gop", Value::DurationMs(1000)},
                            {"name", Value::String("main")}});
}

std::vector<double> Relative(std::vector<double> t) {
  const double first = t.empty() ? 0 : t.front();
  for (double& x : t) x -= first;
  return t;
}

// Kept timing: same frames, same timestamps, every frame in place.
void CheckKeepsTiming(const SourceSpec& spec, const std::string& name, const std::string& tag) {
  std::string dir = MakeTempDir(tag);
  std::string src = dir + "/" + name;
  REQUIRE(MakeSource(src, spec).ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  INFO(tag << ": " << probe->frames << " frames, average " << probe->fps());
  CHECK(probe->vfr);
  auto run = RunPipeline(src, 1000, EncodeArgs(spec.height), 2, dir);
  REQUIRE(run.ok());
  CHECK(run->split.Get("vfr").as_bool());
  CHECK(run->split.Get("chunks").list().size() >= 2);
  for (const Value& c : run->split.Get("chunks").list()) CHECK(!c.Get("timebase").is_null());
  const std::string merged = run->video.Get("path").as_string();
  auto src_times = FrameTimes(src);
  auto out_times = FrameTimes(merged);
  REQUIRE(src_times.ok());
  REQUIRE(out_times.ok());
  REQUIRE(out_times->size() == src_times->size());
  CHECK(static_cast<int64_t>(out_times->size()) == probe->frames);
  const std::vector<double> a = Relative(*src_times), b = Relative(*out_times);
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::abs(a[i] - b[i]) > 2e-5)
      FAIL_CHECK("frame " << i << " at " << b[i] << ", source " << a[i]);
  }
  auto psnr = PerFramePsnr(merged, src, dir);
  REQUIRE(psnr.ok());
  const double mean = std::accumulate(psnr->begin(), psnr->end(), 0.0) / psnr->size();
  INFO("mean PSNR " << mean);
  for (size_t i = 0; i < psnr->size(); ++i) {
    if ((*psnr)[i] < mean - 8)
      FAIL_CHECK("frame " << i << " out of place: " << (*psnr)[i] << " dB");
  }
  if (spec.audio) {
    auto adur = StreamDuration(merged, "a");
    REQUIRE(adur.ok());
    CHECK(*adur == Approx(probe->duration_seconds()).margin(0.03));
  }
  auto pctx = MakeContext(dir, "package",
                          Value::MakeRecord({{"renditions", Value::MakeList({run->video})},
                                             {"format", Value::String("hls")},
                                             {"segment", Value::DurationMs(2000)}}));
  auto pkg = RunPackage(pctx);
  REQUIRE(pkg.ok());
  auto hls_frames = CountFrames(pkg->Get("master").as_string());
  REQUIRE(hls_frames.ok());
  CHECK(*hls_frames == probe->frames);
  fs::remove_all(dir);
}

// A phone: ~30 fps with jitter, then 15 fps from frame `slow` on.
std::string Phone(double jitter, int seed, int slow) {
  return fmt::format("N/30+{}*sin(N*{})+gte(N\\,{})*(N-{})/30", jitter, 1.3 + seed, slow, slow);
}

// 30 fps for 2 s, then 15 fps: a concatenation of two takes.
const char* kThirtyThenFifteen = "N/30+gte(N\\,60)*(N-60)/30";

}  // namespace

TEST_CASE("phone-style VFR clips keep every frame at its source timestamp", "[media]") {
  CheckKeepsTiming({.fps = "30",
                    .seconds = 3,
                    .bframes = 2,
                    .gop = 30,
                    .audio = true,
                    .retime = Phone(0.006, 0, 45)},
                   "phone.mp4", "vfrphone");
  CheckKeepsTiming({.fps = "30",
                    .seconds = 3,
                    .bframes = 0,
                    .gop = 60,
                    .audio = false,
                    .retime = Phone(0.009, 2, 70)},
                   "phone2.mp4", "vfrphone2");
}

TEST_CASE("a 30 -> 15 fps concatenation keeps its timing (Matroska and MP4)", "[media]") {
  CheckKeepsTiming({.fps = "30",
                    .seconds = 3,
                    .bframes = 2,
                    .gop = 30,
                    .audio = true,
                    .retime = kThirtyThenFifteen},
                   "cat.mkv", "vfrcatmkv");
  CheckKeepsTiming({.fps = "30",
                    .seconds = 3,
                    .bframes = 2,
                    .gop = 15,
                    .audio = false,
                    .retime = kThirtyThenFifteen},
                   "cat.mp4", "vfrcatmp4");
}

TEST_CASE("conform: a VFR source resampled to a constant rate, frames counted", "[media]") {
  std::string dir = MakeTempDir("conform");
  std::string src = dir + "/cat.mkv";
  // 90 frames: 60 at 30 fps (2 s), 30 at 15 fps (2 s).
  REQUIRE(MakeSource(src, {.fps = "30",
                           .seconds = 3,
                           .bframes = 2,
                           .gop = 30,
                           .audio = true,
                           .retime = kThirtyThenFifteen})
              .ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  REQUIRE(probe->frames == 90);
  // 4 s less what the muxer's last frame duration leaves out: 120 or 119 frames at 30.
  const int64_t expected = std::llround(probe->duration_seconds() * 30);
  INFO("source duration " << probe->duration_seconds());
  REQUIRE(expected >= 119);
  REQUIRE(expected <= 120);
  auto sctx = MakeContext(dir, "split",
                          Value::MakeRecord({{"src", Value::String(src)},
                                             {"target", Value::DurationMs(1000)},
                                             {"gop", Value::DurationMs(1000)},
                                             {"conform", Value::String("30")}}));
  auto split = RunSplit(sctx);
  REQUIRE(split.ok());
  CHECK(split->Get("frames").as_int() == expected);
  CHECK(split->Get("duplicated").as_int() == expected - 90);  // each 15 fps frame twice
  CHECK(split->Get("dropped").as_int() == 0);
  CHECK(split->Get("fps").as_string() == "30/1");
  // The reference: FFmpeg's fps filter over the whole source in one pass, lossless.
  const std::string ref = dir + "/ref.mkv";
  REQUIRE(Ffmpeg({"-i", src, "-vf", "setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop=-1,fps=fps=30",
                  "-frames:v", std::to_string(expected), "-c:v", "libx264", "-qp", "0", ref})
              .ok());
  std::vector<Value> encoded;
  const Value settings = EncodeArgs(240);
  for (const Value& c : split->Get("chunks").list()) {
    CHECK(!c.Get("path").is_null());
    Value::Record args = {{"chunk", c}};
    for (const auto& f : settings.record()) args.push_back(f);
    auto ctx = MakeContext(dir, fmt::format("enc-{}", encoded.size()), Value::MakeRecord(args));
    auto r = RunEncode(ctx);
    REQUIRE(r.ok());
    encoded.push_back(*r);
  }
  auto mctx = MakeContext(dir, "merge", Value::MakeRecord({{"chunks", Value::MakeList(encoded)}}));
  auto merged = RunMerge(mctx);
  REQUIRE(merged.ok());
  auto out = ProbeFile(merged->Get("path").as_string());
  REQUIRE(out.ok());
  CHECK(out->frames == expected);
  CHECK_FALSE(out->vfr);
  CHECK(out->duration_seconds() == Approx(expected / 30.0).margin(1e-6));
  auto psnr = PerFramePsnr(merged->Get("path").as_string(), ref, dir);
  REQUIRE(psnr.ok());
  const double mean = std::accumulate(psnr->begin(), psnr->end(), 0.0) / psnr->size();
  INFO("mean PSNR " << mean);
  for (size_t i = 0; i < psnr->size(); ++i) {
    if ((*psnr)[i] < mean - 8)
      FAIL_CHECK("frame " << i << " out of place: " << (*psnr)[i] << " dB");
  }
  // A bad rate is refused, naming the file.
  auto bctx = MakeContext(dir, "bad",
                          Value::MakeRecord({{"src", Value::String(src)},
                                             {"target", Value::DurationMs(1000)},
                                             {"conform", Value::String("fast")}}));
  auto bad = RunSplit(bctx);
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find(src) != std::string::npos);
  CHECK(bad.status().message().find("'fast'") != std::string::npos);
  fs::remove_all(dir);
}
