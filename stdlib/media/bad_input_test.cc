// Bad input for the media operators: each case is classified (permanent: not retried;
// a crashed encoder: transient), names the file, and leaves no output behind.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/subprocess.h"
#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"

namespace fs = std::filesystem;
using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;

namespace {

struct Fixture {
  std::string dir = MakeTempDir("bad");
  std::string good = dir + "/good.mp4";
  Fixture() { REQUIRE(MakeSource(good, {.fps = "25", .seconds = 2}).ok()); }
  ~Fixture() { fs::remove_all(dir); }
};

void CheckPermanentNaming(const Status& st, const std::string& file, const std::string& what) {
  INFO(st.ToString());
  CHECK(st.code() == Code::kPermanent);
  CHECK(st.message().find(file) != std::string::npos);
  CHECK(st.message().find(what) != std::string::npos);
}

// Files left in a scratch folder other than ffmpeg's logs.
std::vector<std::string> Outputs(const std::string& scratch) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(scratch)) {
    if (e.path().extension() != ".log") out.push_back(e.path().string());
  }
  return out;
}

Value Chunk(const std::string& src, int64_t start, int64_t end) {
  return Value::MakeRecord({{"index", Value::Int(0)},
                            {"source", Value::String(src)},
                            {"start_frame", Value::Int(start)},
                            {"end_frame", Value::Int(end)},
                            {"frames", Value::Int(end - start)},
                            {"fps", Value::String("25/1")},
                            {"total_frames", Value::Int(end)}});
}

Value EncodeArgs(const std::string& src, int64_t start, int64_t end,
                 const std::string& codec = "h264", const std::string& preset = "veryfast") {
  return Value::MakeRecord({{"chunk", Chunk(src, start, end)},
                            {"codec", Value::String(codec)},
                            {"height", Value::Int(240)},
                            {"preset", Value::String(preset)}});
}

Status Probe(const std::string& path) {
  auto r = ProbeFile(path);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace

TEST_CASE("missing, empty and non-media files are permanent errors naming the file") {
  Fixture f;
  CheckPermanentNaming(Probe(f.dir + "/nope.mp4"), f.dir + "/nope.mp4", "No such file");
  std::string empty = f.dir + "/empty.mp4";
  std::ofstream(empty).flush();
  CheckPermanentNaming(Probe(empty), empty, "empty file (0 bytes)");
  std::string text = f.dir + "/notes.mp4";
  std::ofstream(text) << "this is not a video, just some notes\n";
  CheckPermanentNaming(Probe(text), text, "not a readable media file");

  // The same classification reaches every operator that takes a source.
  auto ctx = MakeContext(
      f.dir, "split",
      Value::MakeRecord({{"src", Value::String(text)}, {"target", Value::DurationMs(1000)}}));
  CheckPermanentNaming(RunSplit(ctx).status(), text, "not a readable media file");
  auto ectx = MakeContext(f.dir, "enc", EncodeArgs(f.dir + "/nope.mp4", 0, 25));
  CheckPermanentNaming(RunEncode(ectx).status(), f.dir + "/nope.mp4", "No such file");
  CHECK(Outputs(ectx.scratch_dir).empty());
}

TEST_CASE("truncated and corrupt videos are permanent errors") {
  Fixture f;
  const auto size = fs::file_size(f.good);
  // moov at the end (ffmpeg's default): cut in half, the index is gone.
  std::string cut = f.dir + "/cut.mp4";
  fs::copy_file(f.good, cut);
  fs::resize_file(cut, size / 2);
  CheckPermanentNaming(Probe(cut), cut, "not a readable media file");
  // moov first (faststart): the index survives, the frames do not.
  std::string fast = f.dir + "/fast.mp4";
  REQUIRE(Ffmpeg({"-i", f.good, "-c", "copy", "-movflags", "+faststart", fast}).ok());
  std::string fast_cut = f.dir + "/fast-cut.mp4";
  fs::copy_file(fast, fast_cut);
  fs::resize_file(fast_cut, fs::file_size(fast) / 2);
  CheckPermanentNaming(Probe(fast_cut), fast_cut, "truncated");
  // Garbage over the header.
  std::string garbled = f.dir + "/garbled.mp4";
  fs::copy_file(f.good, garbled);
  {
    std::fstream io(garbled, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(0);
    io << std::string(4096, '\x5a');
  }
  CHECK(Probe(garbled).code() == Code::kPermanent);
}

TEST_CASE("no video stream and an undecodable codec are permanent errors") {
  Fixture f;
  std::string audio_only = f.dir + "/audio.m4a";
  REQUIRE(Ffmpeg({"-i", f.good, "-vn", "-c:a", "copy", audio_only}).ok());
  CheckPermanentNaming(Probe(audio_only), audio_only, "no video stream");
  // An AVI whose video FourCC no decoder knows: avc1 renamed QQQQ in the header.
  std::string avi = f.dir + "/h264.avi";
  REQUIRE(Ffmpeg({"-i", f.good, "-an", "-c:v", "copy", avi}).ok());
  std::string bytes;
  {
    std::ifstream in(avi, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  int renamed = 0;
  for (size_t at = bytes.find("avc1"); at != std::string::npos && at < 8192;
       at = bytes.find("avc1", at + 4), ++renamed) {
    bytes.replace(at, 4, "QQQQ");
  }
  REQUIRE(renamed > 0);
  std::string odd = f.dir + "/unknown.avi";
  std::ofstream(odd, std::ios::binary) << bytes;
  CheckPermanentNaming(Probe(odd), odd, "unsupported video codec");
  // A source without audio has no track to encode.
  std::string silent = f.dir + "/silent.mp4";
  REQUIRE(MakeSource(silent, {.seconds = 1, .audio = false}).ok());
  auto ctx = MakeContext(f.dir, "aud", Value::MakeRecord({{"src", Value::String(silent)}}));
  CheckPermanentNaming(RunEncodeAudio(ctx).status(), silent, "no audio stream");
  CHECK(Outputs(ctx.scratch_dir).empty());
  // An output codec outside the list.
  auto ectx = MakeContext(f.dir, "enc", EncodeArgs(f.good, 0, 25, "h266"));
  CHECK(RunEncode(ectx).status().code() == Code::kPermanent);
}

TEST_CASE("a crashing encoder fails one attempt as transient and leaves nothing") {
  Fixture f;
  std::string crash = f.dir + "/crashing-ffmpeg";
  std::ofstream(crash) << "#!/bin/sh\necho 'about to crash' >&2\nkill -SEGV $$\n";
  fs::permissions(crash, fs::perms::owner_all);
  ::setenv("DANDORI_FFMPEG", crash.c_str(), 1);
  auto ctx = MakeContext(f.dir, "enc", EncodeArgs(f.good, 25, 50));
  auto r = RunEncode(ctx);
  ::unsetenv("DANDORI_FFMPEG");
  INFO(r.status().ToString());
  CHECK(r.status().code() == Code::kTransient);
  CHECK(r.status().message().find("crashed (signal 11)") != std::string::npos);
  CHECK(r.status().message().find(f.good) != std::string::npos);
  CHECK(Outputs(ctx.scratch_dir).empty());
}

TEST_CASE("a full disk is reported as such and classified permanent") {
  Fixture f;
  // ffmpeg's own report of ENOSPC, by a stand-in that fails the way ffmpeg does.
  std::string full = f.dir + "/full-ffmpeg";
  std::ofstream(full) << "#!/bin/sh\necho 'Error writing trailer of out.mp4: No space left on "
                         "device' >&2\nexit 1\n";
  fs::permissions(full, fs::perms::owner_all);
  ::setenv("DANDORI_FFMPEG", full.c_str(), 1);
  auto ctx = MakeContext(f.dir, "enc", EncodeArgs(f.good, 0, 25));
  auto r = RunEncode(ctx);
  ::unsetenv("DANDORI_FFMPEG");
  CHECK(r.status().code() == Code::kPermanent);
  CHECK(r.status().message().find("no space left on device") != std::string::npos);

  // The real thing where mounting a tiny tmpfs is allowed (root); skipped otherwise.
  std::string mnt = f.dir + "/tiny";
  fs::create_directories(mnt);
  SubprocessOptions o;
  o.argv = {"mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", mnt};
  auto m = RunSubprocess(o);
  if (!m.ok() || m->exit_code != 0) {
    WARN("tmpfs mount not permitted; real ENOSPC from ffmpeg not exercised");
    return;
  }
  OperatorContext tiny;
  tiny.args = EncodeArgs(f.good, 0, 50, "h264", "ultrafast");
  tiny.scratch_dir = mnt;
  auto t = RunEncode(tiny);
  INFO(t.status().ToString());
  CHECK(t.status().code() == Code::kPermanent);
  CHECK(t.status().message().find("no space left on device") != std::string::npos);
  CHECK(Outputs(mnt).empty());
  SubprocessOptions u;
  u.argv = {"umount", mnt};
  (void)RunSubprocess(u);
}

TEST_CASE("cancel stops the encoder promptly; progress counts frames") {
  Fixture f;
  std::string big = f.dir + "/big.mp4";
  REQUIRE(MakeSource(big, {.seconds = 8, .width = 1280, .height = 720, .audio = false}).ok());
  CancelToken cancel;
  auto ctx = MakeContext(f.dir, "enc", EncodeArgs(big, 0, 200, "h264", "veryslow"));
  ctx.cancel = &cancel;
  int64_t last_done = -1, total = 0;
  ctx.progress = [&](int64_t done, int64_t t, std::string_view unit) {
    CHECK(unit == "frames");
    last_done = done;
    total = t;
  };
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cancel.Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = RunEncode(ctx);
  stopper.join();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(r.status().code() == Code::kCancelled);
  CHECK(took < std::chrono::seconds(6));
  CHECK(Outputs(ctx.scratch_dir).empty());

  // A short encode reports progress up to the chunk's frame count.
  auto pctx = MakeContext(f.dir, "prog", EncodeArgs(f.good, 0, 50, "h264", "ultrafast"));
  pctx.progress = [&](int64_t done, int64_t t, std::string_view) {
    last_done = done;
    total = t;
  };
  REQUIRE(RunEncode(pctx).ok());
  CHECK(total == 50);
  CHECK(last_done == 50);
}
