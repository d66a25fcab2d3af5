#include "stdlib/media/testutil.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/subprocess.h"
#include "stdlib/media/operators.h"

namespace dandori::media::testing {
namespace fs = std::filesystem;

std::string MakeTempDir(const std::string& tag) {
  std::string t = (fs::temp_directory_path() / ("dandori-media-" + tag + "-XXXXXX")).string();
  if (!::mkdtemp(t.data())) std::abort();
  return t;
}

namespace {

Result<std::string> Capture(std::vector<std::string> argv, double* cpu = nullptr) {
  char tmpl[] = "/tmp/dandori-media-out-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) return Status::Internal("mkstemp");
  ::close(fd);
  SubprocessOptions o;
  o.argv = std::move(argv);
  o.stdout_path = tmpl;
  o.stderr_path = std::string(tmpl) + ".err";
  auto r = RunSubprocess(o);
  std::ifstream in(tmpl);
  std::string out((std::istreambuf_iterator<char>(in)), {});
  std::string err = TailOfFile(o.stderr_path, 800);
  fs::remove(tmpl);
  fs::remove(o.stderr_path);
  if (!r.ok()) return r.status();
  if (cpu) *cpu = r->cpu_seconds;
  if (r->exit_code != 0) {
    return Status::Internal(fmt::format("{} failed: {}", o.argv[0], err));
  }
  return out;
}

double CpuSeconds() {
  double total = 0;
  for (int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    struct rusage ru;
    getrusage(who, &ru);
    total += ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
             ru.ru_stime.tv_usec / 1e6;
  }
  return total;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Status Ffmpeg(const std::vector<std::string>& args, double* cpu_seconds) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-nostdin",
                                   "-y",     "-loglevel",    "error"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Capture(argv, cpu_seconds);
  return r.ok() ? Status::Ok() : r.status();
}

Result<IdetCounts> DetectInterlace(const std::string& path) {
  auto out = Capture(
      {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", path, "-an", "-vf",
       "idet,metadata=mode=print:key=lavfi.idet.multiple.current_frame:file=-", "-f", "null", "-"});
  if (!out.ok()) return out.status();
  IdetCounts c;
  const std::string key = "lavfi.idet.multiple.current_frame=";
  std::istringstream in(*out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    const std::string v = line.substr(key.size());
    if (v == "tff" || v == "bff") {
      ++c.interlaced;
    } else if (v == "progressive") {
      ++c.progressive;
    } else {
      ++c.undetermined;
    }
  }
  return c;
}

Status MakeSource(const std::string& path, const SourceSpec& s) {
  std::vector<std::string> a = {"-f", "lavfi", "-i",
                                fmt::format("{}=size={}x{}:rate={}:duration={}", s.pattern, s.width,
                                            s.height, s.fps, s.seconds)};
  std::vector<std::string> tags = s.languages;
  if (tags.empty() && s.audio) tags.push_back("");
  for (size_t i = 0; i < tags.size(); ++i) {
    a.insert(a.end(), {"-f", "lavfi", "-i",
                       fmt::format("sine=frequency={}:duration={}", 440 + 220 * i, s.seconds)});
  }
  a.insert(a.end(), {"-map", "0:v"});
  for (size_t i = 0; i < tags.size(); ++i) {
    a.insert(a.end(), {"-map", fmt::format("{}:a", i + 1)});
    if (!tags[i].empty()) {
      a.insert(a.end(), {fmt::format("-metadata:s:a:{}", i), "language=" + tags[i]});
    }
  }
  if (!s.retime.empty()) {
    a.insert(a.end(), {"-vf", fmt::format("settb=1/90000,setpts='({})/TB'", s.retime), "-fps_mode",
                       "passthrough", "-enc_time_base", "1/90000"});
    if (fs::path(path).extension() != ".mkv")
      a.insert(a.end(), {"-video_track_timescale", "90000"});
  }
  std::string params = s.gop > 0 ? fmt::format("keyint={0}:min-keyint={0}:scenecut=0", s.gop)
                                 : "keyint=infinite:scenecut=0";
  if (s.codec == "hevc") {
    if (s.gop <= 0) params = "keyint=-1:scenecut=0";
    a.insert(a.end(),
             {"-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", s.pix_fmt, "-x265-params",
              fmt::format("bframes={}:log-level=error:{}", s.bframes, params)});
  } else {
    a.insert(a.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", s.pix_fmt, "-bf",
                       std::to_string(s.bframes), "-x264-params", params});
  }
  if (!tags.empty()) a.insert(a.end(), {"-c:a", "aac", "-b:a", "96k"});
  if (s.rotate == 0) {
    a.push_back(path);
    return Ffmpeg(a);
  }
  // The MP4 muxer writes the rotation matrix only when remuxing with the tag.
  const std::string plain = path + ".plain" + fs::path(path).extension().string();
  a.push_back(plain);
  DANDORI_RETURN_IF_ERROR(Ffmpeg(a));
  Status st = Ffmpeg({"-i", plain, "-map", "0", "-c", "copy", "-metadata:s:v:0",
                      fmt::format("rotate={}", s.rotate), path});
  fs::remove(plain);
  return st;
}

OperatorContext MakeContext(const std::string& dir, const std::string& name, Value args) {
  OperatorContext ctx;
  ctx.args = std::move(args);
  ctx.scratch_dir = (fs::path(dir) / name).string();
  fs::create_directories(ctx.scratch_dir);
  ctx.task_id = name;
  return ctx;
}

Result<PipelineResult> RunPipeline(const std::string& src, int64_t target_ms,
                                   const Value& encode_args, int workers, const std::string& dir) {
  PipelineResult out;
  const double t0 = Now();
  double c0 = CpuSeconds();
  auto sctx = MakeContext(dir, "split",
                          Value::MakeRecord({{"src", Value::String(src)},
                                             {"target", Value::DurationMs(target_ms)},
                                             {"gop", encode_args.Get("gop")}}));
  auto split = RunSplit(sctx);
  if (!split.ok()) return split.status();
  out.split = *split;
  out.split_wall = Now() - t0;
  double c1 = CpuSeconds();
  out.split_cpu = c1 - c0;

  const Value::List& chunks = split->Get("chunks").list();
  out.encoded.resize(chunks.size());
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status failed;
  const double e0 = Now();
  auto work = [&] {
    for (size_t i; (i = next++) < chunks.size();) {
      Value::Record args = {{"chunk", chunks[i]}};
      for (const auto& f : encode_args.record()) args.push_back(f);
      auto ctx = MakeContext(dir, fmt::format("encode-{}", i), Value::MakeRecord(args));
      auto r = RunEncode(ctx);
      std::lock_guard<std::mutex> lock(mu);
      if (r.ok()) {
        out.encoded[i] = *r;
      } else if (failed.ok()) {
        failed = r.status();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < std::max(1, workers); ++w) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (!failed.ok()) return failed;
  out.encode_wall = Now() - e0;
  double c2 = CpuSeconds();
  out.encode_cpu = c2 - c1;
  const double a0 = Now();

  auto actx = MakeContext(dir, "audio", Value::MakeRecord({{"src", Value::String(src)}}));
  auto audio = RunEncodeAudio(actx);
  if (audio.ok()) {
    out.audio = *audio;
  } else if (audio.status().message().find("no audio stream") == std::string::npos) {
    return audio.status();
  }
  double c3 = CpuSeconds();
  out.audio_cpu = c3 - c2;
  out.audio_wall = Now() - a0;
  const double m0 = Now();

  Value::Record margs = {{"chunks", Value::MakeList(out.encoded)}};
  if (!out.audio.is_null()) margs.push_back({"audio", out.audio});
  auto mctx = MakeContext(dir, "merge", Value::MakeRecord(margs));
  auto video = RunMerge(mctx);
  if (!video.ok()) return video.status();
  out.video = *video;
  out.merge_cpu = CpuSeconds() - c3;
  out.merge_wall = Now() - m0;
  out.total_wall = Now() - t0;
  return out;
}

Result<std::vector<double>> PerFramePsnr(const std::string& distorted, const std::string& reference,
                                         const std::string& tmp) {
  const std::string stats = (fs::path(tmp) / "psnr-stats.log").string();
  DANDORI_RETURN_IF_ERROR(Ffmpeg({"-i", distorted, "-i", reference, "-lavfi",
                                  "[0:v][1:v]psnr=stats_file=" + stats, "-f", "null", "-"}));
  std::ifstream in(stats);
  std::vector<double> psnr;
  std::string line;
  while (std::getline(in, line)) {
    size_t k = line.find("psnr_avg:");
    if (k == std::string::npos) continue;
    std::string v = line.substr(k + 9, line.find(' ', k) - k - 9);
    psnr.push_back(v == "inf" ? 100.0 : std::atof(v.c_str()));
  }
  fs::remove(stats);
  auto a = CountFrames(distorted);
  auto b = CountFrames(reference);
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  if (*a != *b || static_cast<int64_t>(psnr.size()) != *a) {
    return Status::Internal(
        fmt::format("frame counts differ: {} vs {} ({} compared)", *a, *b, psnr.size()));
  }
  return psnr;
}

Result<int64_t> CountFrames(const std::string& path) {
  auto out = Capture({"ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                      "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path});
  if (!out.ok()) return out.status();
  return std::atoll(out->c_str());
}

Result<std::vector<double>> FrameTimes(const std::string& path) {
  auto out = Capture({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                      "frame=best_effort_timestamp_time", "-of", "csv=p=0", path});
  if (!out.ok()) return out.status();
  std::vector<double> times;
  size_t pos = 0;
  while (pos < out->size()) {
    size_t nl = out->find('\n', pos);
    if (nl == std::string::npos) nl = out->size();
    const std::string line = out->substr(pos, nl - pos);
    if (!line.empty() && line != "N/A") times.push_back(std::atof(line.c_str()));
    pos = nl + 1;
  }
  return times;
}

Result<double> StreamDuration(const std::string& path, const std::string& kind) {
  auto out = Capture({"ffprobe", "-v", "error", "-select_streams", kind + ":0", "-show_entries",
                      "stream=duration", "-of", "csv=p=0", path});
  if (!out.ok()) return out.status();
  return std::atof(out->c_str());
}

Result<double> FormatDuration(const std::string& path) {
  auto out = Capture(
      {"ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path});
  if (!out.ok()) return out.status();
  return std::atof(out->c_str());
}

Result<int> StreamCount(const std::string& path, const std::string& kind) {
  auto out = Capture({"ffprobe", "-v", "error", "-select_streams", kind, "-show_entries",
                      "stream=index", "-of", "csv=p=0", path});
  if (!out.ok()) return out.status();
  // A stream is listed once per program that holds it (HLS: one per variant).
  std::set<std::string> ids;
  size_t pos = 0;
  while (pos < out->size()) {
    size_t nl = out->find('\n', pos);
    if (nl == std::string::npos) nl = out->size();
    if (nl > pos) ids.insert(out->substr(pos, nl - pos));
    pos = nl + 1;
  }
  return static_cast<int>(ids.size());
}

bool FfprobeOpens(const std::string& path) {
  return Capture({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", path}).ok();
}

}  // namespace dandori::media::testing
