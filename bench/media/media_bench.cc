// media_bench: the same clip and settings through (a) one ffmpeg process and (b) split
// -> W parallel chunk encodes -> merge (-> package), in one run. Prints wall time, CPU
// seconds (getrusage of the children), bitrate and PSNR for both, the split + merge +
// package overhead as a share of encode CPU, and the makespan against single-pass CPU / W.
//
//   media_bench [--seconds 20] [--size 1280x720] [--fps 25] [--workers N] [--preset medium]
//               [--crf 23] [--target 5] [--source-gop 50] [--keep]
// --source-gop 0 makes a source with a single keyframe (the sparse-keyframe case).
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "stdlib/media/operators.h"
#include "stdlib/media/probe.h"
#include "stdlib/media/testutil.h"

using namespace dandori;
using namespace dandori::media;
using namespace dandori::media::testing;
namespace fs = std::filesystem;

namespace {

struct Options {
  double seconds = 20;
  int width = 1280, height = 720;
  std::string fps = "25";
  int workers = static_cast<int>(std::thread::hardware_concurrency());
  std::string preset = "medium";
  int crf = 23;
  double target = 5;
  int source_gop = 50;
  bool keep = false;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--seconds")
      o.seconds = std::atof(next().c_str());
    else if (a == "--size")
      std::sscanf(next().c_str(), "%dx%d", &o.width, &o.height);
    else if (a == "--fps")
      o.fps = next();
    else if (a == "--workers")
      o.workers = std::atoi(next().c_str());
    else if (a == "--preset")
      o.preset = next();
    else if (a == "--crf")
      o.crf = std::atoi(next().c_str());
    else if (a == "--target")
      o.target = std::atof(next().c_str());
    else if (a == "--source-gop")
      o.source_gop = std::atoi(next().c_str());
    else if (a == "--keep")
      o.keep = true;
  }
  o.workers = std::max(1, o.workers);
  return o;
}

double ChildCpu() {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double MeanPsnr(const std::string& path, const std::string& src, const std::string& dir) {
  auto p = PerFramePsnr(path, src, dir);
  if (!p.ok()) {
    fmt::print(stderr, "psnr: {}\n", p.status().ToString());
    std::exit(1);
  }
  return std::accumulate(p->begin(), p->end(), 0.0) / p->size();
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) {
    fmt::print(stderr, "{}: {}\n", what, r.status().ToString());
    std::exit(1);
  }
  return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  const std::string dir = MakeTempDir("bench");
  const std::string src = dir + "/source.mp4";
  SourceSpec spec{.fps = o.fps,
                  .seconds = o.seconds,
                  .width = o.width,
                  .height = o.height,
                  .bframes = 2,
                  .gop = o.source_gop,
                  .audio = true};
  if (!MakeSource(src, spec).ok()) return 1;
  auto probe = Must(ProbeFile(src), "probe");
  fmt::print(
      "source: {}x{} {} fps, {} frames ({:.1f} s), {} keyframe(s); x264 {} crf {}; "
      "{} worker(s), {} cores\n",
      probe.width, probe.height, probe.fps(), probe.frames, probe.duration_seconds(),
      probe.keyframes.size(), o.preset, o.crf, o.workers, std::thread::hardware_concurrency());
  const Value settings = Value::MakeRecord({{"codec", Value::String("h264")},
                                            {"height", Value::Int(o.height)},
                                            {"crf", Value::Int(o.crf)},
                                            {"preset", Value::String(o.preset)},
                                            {"gop", Value::DurationMs(2000)},
                                            {"name", Value::String("bench")}});

  // (a) one ffmpeg process over the whole source, same operator and settings.
  Value chunk = Value::MakeRecord({{"index", Value::Int(0)},
                                   {"source", Value::String(src)},
                                   {"start_frame", Value::Int(0)},
                                   {"end_frame", Value::Int(probe.frames)},
                                   {"frames", Value::Int(probe.frames)},
                                   {"fps", Value::String(probe.fps())},
                                   {"total_frames", Value::Int(probe.frames)}});
  Value::Record args = {{"chunk", chunk}};
  for (const auto& f : settings.record()) args.push_back(f);
  auto actx = MakeContext(dir, "single", Value::MakeRecord(args));
  double c0 = ChildCpu(), t0 = Now();
  Value single = Must(RunEncode(actx), "single pass");
  const double single_wall = Now() - t0, single_cpu = ChildCpu() - c0;

  // (b) split -> W parallel encodes -> merge, then package (HLS, 6 s).
  auto run =
      Must(RunPipeline(src, std::llround(o.target * 1000), settings, o.workers, dir + "/chunked"),
           "pipeline");
  // Merge again without audio for a like-for-like video bitrate (the pipeline's merge
  // carries the audio track); its CPU is the merge figure used below.
  Value::Record margs = {{"chunks", Value::MakeList(run.encoded)}, {"name", Value::String("v")}};
  auto mctx = MakeContext(dir, "merge-video", Value::MakeRecord(margs));
  double m0 = ChildCpu();
  Value merged = Must(RunMerge(mctx), "merge");
  const double merge_cpu = ChildCpu() - m0;
  Value::Record pargs = {{"renditions", Value::MakeList({run.video})},
                         {"format", Value::String("hls")},
                         {"segment", Value::DurationMs(6000)}};
  auto pctx = MakeContext(dir, "package", Value::MakeRecord(pargs));
  double p0 = ChildCpu();
  Value pkg = Must(RunPackage(pctx), "package");
  const double package_cpu = ChildCpu() - p0;

  const double seconds = probe.duration_seconds();
  const double single_rate = fs::file_size(single.Get("path").as_string()) * 8 / seconds / 1000;
  const double chunked_rate = fs::file_size(merged.Get("path").as_string()) * 8 / seconds / 1000;
  const double single_psnr = MeanPsnr(single.Get("path").as_string(), src, dir);
  const double chunked_psnr = MeanPsnr(merged.Get("path").as_string(), src, dir);
  const double overhead = run.split_cpu + merge_cpu + package_cpu;
  // Makespan of the video path: split, the parallel encodes, the join.
  const double chunked_wall = run.split_wall + run.encode_wall + run.merge_wall;
  const double ideal = single_cpu / o.workers;

  fmt::print("\n{:<34} {:>12} {:>12}\n", "", "single pass", "chunked");
  fmt::print("{:<34} {:>12.2f} {:>12.2f}\n", "wall time, video (s)", single_wall, chunked_wall);
  fmt::print("{:<34} {:>12.2f} {:>12.2f}\n", "encode CPU (s)", single_cpu, run.encode_cpu);
  fmt::print("{:<34} {:>12.1f} {:>12.1f}\n", "video bitrate (kbit/s)", single_rate, chunked_rate);
  fmt::print("{:<34} {:>12.3f} {:>12.3f}\n", "mean PSNR vs source (dB)", single_psnr, chunked_psnr);
  fmt::print("{:<34} {:>12} {:>12}\n", "chunks", 1, run.encoded.size());
  fmt::print(
      "\nchunked: split {:.3f} s CPU, merge {:.3f} s, package {:.3f} s, audio {:.3f} s "
      "(once)\n",
      run.split_cpu, merge_cpu, package_cpu, run.audio_cpu);
  fmt::print("overhead (split+merge+package) / encode CPU: {:.2f}%   (target <= 3%)\n",
             100 * overhead / run.encode_cpu);
  fmt::print("encode CPU chunked / single: {:.3f}\n", run.encode_cpu / single_cpu);
  fmt::print("bitrate chunked / single: {:+.2f}%   (target within 3%)\n",
             100 * (chunked_rate / single_rate - 1));
  fmt::print("PSNR chunked - single: {:+.3f} dB   (target within 0.2 dB)\n",
             chunked_psnr - single_psnr);
  fmt::print(
      "makespan {:.2f} s on {} worker(s) vs single-worker CPU / W = {:.2f} s: "
      "{:.3f} x   (target <= 1.1)\n",
      chunked_wall, o.workers, ideal, chunked_wall / ideal);
  fmt::print("HLS: {}\n", pkg.Get("master").as_string());
  fmt::print(
      "load average now {} on {} cores (wall-clock figures mean little when other "
      "processes share the cores)\n",
      LoadAverage(), std::thread::hardware_concurrency());
  if (!o.keep) fs::remove_all(dir);
  return 0;
}
