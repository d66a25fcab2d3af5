#include "stdlib/media/ffmpeg.h"

#include <sys/statvfs.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "stdlib/media/probe.h"

namespace dandori::media {
namespace {

bool Contains(const std::string& s, std::string_view needle) {
  return s.find(needle) != std::string::npos;
}

Status Classify(const SubprocessResult& r, const FfmpegJob& job, const std::string& log) {
  std::string tail = TailOfFile(log, 600);
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  if (r.cancelled) return Status::Cancelled(fmt::format("ffmpeg on {} cancelled", job.subject));
  if (r.timed_out) return Status::Timeout(fmt::format("ffmpeg on {} timed out", job.subject));
  if (r.term_signal != 0) {
    return Status::Transient(
        fmt::format("ffmpeg crashed (signal {}) on {}: {}", r.term_signal, job.subject, tail));
  }
  if (Contains(tail, "No space left on device")) {
    return Status::Permanent(
        fmt::format("no space left on device writing {}: {}", job.subject, tail));
  }
  if (Contains(tail, "Cannot allocate memory") ||
      Contains(tail, "Resource temporarily unavailable")) {
    return Status::Transient(
        fmt::format("ffmpeg ran out of resources on {}: {}", job.subject, tail));
  }
  return Status::Permanent(
      fmt::format("ffmpeg failed (exit {}) on {}: {}", r.exit_code, job.subject, tail));
}

}  // namespace

Status CheckOutput(const std::string& path, int64_t frames, const std::string& subject) {
  auto out = ProbeFile(path);
  if (out.ok() && out->frames == frames) return Status::Ok();
  struct statvfs vfs;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (::statvfs(dir.c_str(), &vfs) == 0 &&
      static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize) < (1 << 20)) {
    return Status::Permanent(fmt::format("no space left on device writing {} ({})", subject, dir));
  }
  if (!out.ok()) return out.status();
  return Status::Permanent(
      fmt::format("{}: ffmpeg wrote {} frames, expected {}", subject, out->frames, frames));
}

std::string FrameSeconds(int64_t frames, int64_t num, int64_t den) {
  // frames * den / num seconds, rounded to the microsecond.
  __int128 us = (static_cast<__int128>(frames) * den * 1000000 + num / 2) / num;
  int64_t v = static_cast<int64_t>(us);
  return fmt::format("{}.{:06}", v / 1000000, v % 1000000);
}

Result<SubprocessResult> RunFfmpeg(OperatorContext& ctx, const FfmpegJob& job) {
  const char* prog = std::getenv("DANDORI_FFMPEG");
  SubprocessOptions o;
  o.argv = {prog && *prog ? prog : "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-y",
            "-loglevel",
            "error",
            "-nostats",
            "-progress",
            "pipe:1"};
  o.argv.insert(o.argv.end(), job.args.begin(), job.args.end());
  o.stderr_path = (std::filesystem::path(ctx.scratch_dir.empty() ? "/tmp" : ctx.Scratch()) /
                   (job.log_name + ".log"))
                      .string();
  o.cancel = ctx.cancel;
  int64_t last = -1;
  o.on_stdout_line = [&](const std::string& line) {
    if (line.rfind("frame=", 0) == 0) {
      int64_t done = std::atoll(line.c_str() + 6);
      if (done != last && job.total_frames > 0) {
        last = done;
        ctx.Progress(std::min(done, job.total_frames), job.total_frames, "frames");
      }
    } else if (line.rfind("progress=", 0) == 0) {
      ctx.Heartbeat();
    }
  };
  auto r = RunSubprocess(o);
  if (!r.ok()) {
    return Status::Permanent(
        fmt::format("cannot start ffmpeg for {}: {}", job.subject, r.status().message()));
  }
  if (r->exit_code != 0 || r->term_signal != 0 || r->cancelled || r->timed_out) {
    return Classify(*r, job, o.stderr_path);
  }
  return r;
}

}  // namespace dandori::media
