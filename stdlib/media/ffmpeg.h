// Runs the ffmpeg program for one operator attempt: argv only (never a shell), in its
// own process group, stopped by the attempt's cancellation; `-progress pipe:1` lines
// are turned into ctx.Progress(frames done, total, "frames"). The exit is classified:
// a signal (a crashed encoder) is transient; a non-zero exit is permanent (bad input or
// settings repeat on retry) unless stderr shows a resource problem (out of memory:
// transient; no space left on device: permanent, named as such). Messages name the
// file being worked on and quote the end of ffmpeg's stderr.
//
// The program is `ffmpeg` from PATH, or $DANDORI_FFMPEG when set (tests use it to run
// a program that crashes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/subprocess.h"
#include "stdlib/operator.h"

namespace dandori::media {

struct FfmpegJob {
  std::vector<std::string> args;    // after "ffmpeg -hide_banner -nostdin -y ..."
  std::string subject;              // the file named in error messages
  int64_t total_frames = 0;         // for progress; 0: no progress reports
  std::string log_name = "ffmpeg";  // stderr goes to scratch_dir/<log_name>.log
};

Result<SubprocessResult> RunFfmpeg(OperatorContext& ctx, const FfmpegJob& job);

// Checks a file ffmpeg says it wrote: it must probe cleanly and hold `frames` video
// frames. ffmpeg does not always notice a full disk (its own log may be on the full
// disk too), so a short file on a filesystem with almost no space left is reported as
// "no space left on device" (permanent).
Status CheckOutput(const std::string& path, int64_t frames, const std::string& subject);

// Exact decimal seconds of `frames` at fps num/den, with microsecond precision
// ("2.002000"), for ffmpeg options and concat lists.
std::string FrameSeconds(int64_t frames, int64_t num, int64_t den);

}  // namespace dandori::media
