// Audio with real ffmpeg: several languages encoded once each and packaged as HLS
// alternate audio (EXT-X-MEDIA with LANGUAGE / NAME from the source's tags) and DASH
// adaptation sets; language selection; a video-only title packaged without an audio
// group, and encode_audio on it failing permanently with a clear message.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

Value EncodeArgs(int height, const std::string& name) {
  return Value::MakeRecord({{"codec", Value::String("h264")},
                            {"height", Value::Int(height)},
                            {"preset", Value::String("veryfast")},
                            {"gop", Value::DurationMs(1000)},
                            {"name", Value::String(name)}});
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

Result<Value> Package(const std::string& dir, const std::string& name, std::vector<Value> videos,
                      const std::string& format, const Value& audio) {
  Value::Record args = {{"renditions", Value::MakeList(std::move(videos))},
                        {"format", Value::String(format)},
                        {"segment", Value::DurationMs(2000)}};
  if (!audio.is_null()) args.push_back({"audio", audio});
  auto ctx = MakeContext(dir, name, Value::MakeRecord(args));
  return RunPackage(ctx);
}

}  // namespace

TEST_CASE("two audio languages become HLS alternate audio and DASH adaptation sets", "[media]") {
  std::string dir = MakeTempDir("langs");
  std::string src = dir + "/source.mp4";
  REQUIRE(MakeSource(src, {.fps = "25", .seconds = 3, .languages = {"eng", "fra"}}).ok());
  auto probe = ProbeFile(src);
  REQUIRE(probe.ok());
  REQUIRE(probe->audio.size() == 2);
  CHECK(probe->audio[1].language == "fra");
  auto run = RunPipeline(src, 1000, EncodeArgs(240, "240p"), 2, dir);
  REQUIRE(run.ok());
  const Value::List& tracks = run->audio.Get("tracks").list();
  REQUIRE(tracks.size() == 2);
  CHECK(tracks[0].Get("language").as_string() == "eng");
  CHECK(tracks[1].Get("name").as_string() == "French");
  for (const Value& t : tracks) {
    auto d = StreamDuration(t.Get("path").as_string(), "a");
    REQUIRE(d.ok());
    CHECK(*d == Approx(3.0).margin(0.03));
  }
  // The merged file carries both tracks; the package keeps them apart from the video.
  auto pkg = Package(dir, "hls", {run->video}, "hls", run->audio);
  REQUIRE(pkg.ok());
  CHECK(pkg->Get("audio_tracks").as_int() == 2);
  const std::string root = pkg->Get("dir").as_string();
  const std::string master = ReadAll(pkg->Get("master").as_string());
  INFO(master);
  CHECK(Count(master, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\"") == 2);
  CHECK(master.find("NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES") != std::string::npos);
  CHECK(master.find("NAME=\"French\",LANGUAGE=\"fr\",DEFAULT=NO") != std::string::npos);
  CHECK(master.find("AUDIO=\"audio\"") != std::string::npos);
  CHECK(master.find("CODECS=\"avc1.") != std::string::npos);
  CHECK(master.find(",mp4a.40.2\"") != std::string::npos);
  // Every rendition opens on its own: the video (no audio in it), each audio track.
  CHECK(FfprobeOpens(pkg->Get("master").as_string()));
  auto frames = CountFrames(root + "/240p/index.m3u8");
  REQUIRE(frames.ok());
  CHECK(*frames == probe->frames);
  const std::string video_only = ReadAll(root + "/240p/index.m3u8");
  CHECK(video_only.find("#EXTINF") != std::string::npos);
  auto no_audio = StreamCount(root + "/240p/index.m3u8", "a");
  REQUIRE(no_audio.ok());
  CHECK(*no_audio == 0);
  auto master_streams = StreamCount(pkg->Get("master").as_string(), "a");
  REQUIRE(master_streams.ok());
  CHECK(*master_streams == 2);
  for (std::string lang : {"en", "fr"}) {
    auto d = FormatDuration(root + "/audio-" + lang + "/index.m3u8");
    REQUIRE(d.ok());
    CHECK(*d == Approx(3.0).margin(0.1));
  }
  // Without `audio`, the tracks muxed in the merged rendition are used.
  auto muxed = Package(dir, "hls-muxed", {run->video}, "hls", Value());
  REQUIRE(muxed.ok());
  CHECK(Count(ReadAll(muxed->Get("master").as_string()), "TYPE=AUDIO") == 2);
  auto dash = Package(dir, "dash", {run->video}, "dash", run->audio);
  REQUIRE(dash.ok());
  const std::string mpd = ReadAll(dash->Get("master").as_string());
  INFO(mpd);
  CHECK(Count(mpd, "<AdaptationSet") == 3);
  CHECK(mpd.find("lang=\"eng\"") != std::string::npos);
  CHECK(mpd.find("lang=\"fra\"") != std::string::npos);
  CHECK(FfprobeOpens(dash->Get("master").as_string()));
  fs::remove_all(dir);
}

TEST_CASE("encode_audio keeps only the languages asked for, each required", "[media]") {
  std::string dir = MakeTempDir("langsel");
  std::string src = dir + "/source.mkv";
  REQUIRE(MakeSource(src, {.fps = "25", .seconds = 2, .languages = {"eng", "jpn", "fre"}}).ok());
  auto ctx =
      MakeContext(dir, "fr",
                  Value::MakeRecord({{"src", Value::String(src)},
                                     {"languages", Value::MakeList({Value::String("fr")})}}));
  auto fr = RunEncodeAudio(ctx);
  REQUIRE(fr.ok());
  REQUIRE(fr->Get("tracks").list().size() == 1);
  CHECK(fr->Get("language").as_string() == "fre");
  CHECK(fr->Get("tracks").list()[0].Get("index").as_int() == 2);
  auto dctx =
      MakeContext(dir, "de",
                  Value::MakeRecord({{"src", Value::String(src)},
                                     {"languages", Value::MakeList({Value::String("de")})}}));
  auto de = RunEncodeAudio(dctx);
  REQUIRE(!de.ok());
  CHECK(de.status().code() == Code::kPermanent);
  CHECK(de.status().message() ==
        fmt::format("no audio stream in language 'de' in {} (it has: eng, jpn, fre)", src));
  fs::remove_all(dir);
}

TEST_CASE("a video-only title packages without an audio group", "[media]") {
  std::string dir = MakeTempDir("noaudio");
  std::string src = dir + "/source.mkv";
  REQUIRE(
      MakeSource(src, {.fps = "24000/1001", .seconds = 2, .audio = false, .codec = "hevc"}).ok());
  auto actx = MakeContext(dir, "audio", Value::MakeRecord({{"src", Value::String(src)}}));
  auto audio = RunEncodeAudio(actx);
  REQUIRE(!audio.ok());
  CHECK(audio.status().code() == Code::kPermanent);
  CHECK(audio.status().message().find("no audio stream in " + src + ": the source is video-only") ==
        0);
  auto run = RunPipeline(src, 1000, EncodeArgs(120, "120p"), 2, dir);
  REQUIRE(run.ok());
  CHECK_FALSE(run->video.Get("has_audio").as_bool());
  for (std::string format : {"hls", "dash"}) {
    auto pkg = Package(dir, format, {run->video}, format, Value());
    REQUIRE(pkg.ok());
    CHECK(pkg->Get("audio_tracks").as_int() == 0);
    const std::string text = ReadAll(pkg->Get("master").as_string());
    CHECK(text.find("AUDIO") == std::string::npos);
    CHECK(text.find("audio") == std::string::npos);
    CHECK(FfprobeOpens(pkg->Get("master").as_string()));
    auto frames = CountFrames(pkg->Get("master").as_string());
    REQUIRE(frames.ok());
    CHECK(*frames == 48);
  }
  fs::remove_all(dir);
}
