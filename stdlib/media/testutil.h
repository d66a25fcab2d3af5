// Helpers for the media tests and the media benchmark (not part of the operators):
// generating test-pattern sources with ffmpeg, an OperatorContext with its own scratch
// folder, the split -> encode (W in parallel) -> merge pipeline driven directly through
// the operator functions, and measurements (per-frame PSNR, stream durations, ffprobe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/value.h"
#include "stdlib/operator.h"

namespace dandori::media::testing {

std::string MakeTempDir(const std::string& tag);

struct SourceSpec {
  std::string fps = "25";  // "30000/1001"
  double seconds = 3;
  int width = 320, height = 240;
  int bframes = 2;
  int gop = 25;  // frames between keyframes; 0: a single keyframe
  bool audio = true;
  std::string pattern = "testsrc2";
  std::string codec = "h264";  // or "hevc"; the container follows the path's extension
  // Variable frame rate: a setpts expression (in seconds, of N) retimes the `fps` frames,
  // written in a 1/90000 time base ("N/30+0.004*sin(N)"); "" keeps them constant.
  std::string retime = "";
  // Audio streams, one per language tag ("eng", "fra"), each a different tone; when
  // set it replaces the single untagged `audio` stream.
  std::vector<std::string> languages = {};
  std::string pix_fmt = "yuv420p";
  int rotate = 0;  // a display rotation tag ("rotate", degrees), as phones write it
};

// Runs the ffmpeg program with `args` (after -hide_banner -y -loglevel error).
Status Ffmpeg(const std::vector<std::string>& args, double* cpu_seconds = nullptr);
Status MakeSource(const std::string& path, const SourceSpec& spec);

// A context whose scratch folder is `dir`/`name` (created).
OperatorContext MakeContext(const std::string& dir, const std::string& name, Value args);

struct PipelineResult {
  Value split, audio, video;  // operator outputs (audio null without an audio track)
  std::vector<Value> encoded;
  double split_cpu = 0, encode_cpu = 0, audio_cpu = 0, merge_cpu = 0;  // seconds
  double split_wall = 0, encode_wall = 0, audio_wall = 0, merge_wall = 0, total_wall = 0;
};

// split(src, target) -> encode every chunk with `encode_args` (a record of the
// media.encode arguments other than `chunk`), `workers` at a time -> encode_audio (when
// the source has audio) -> merge. CPU is measured with getrusage (children + self).
Result<PipelineResult> RunPipeline(const std::string& src, int64_t target_ms,
                                   const Value& encode_args, int workers, const std::string& dir);

// Per-frame PSNR (average of Y, U, V, dB) of `distorted` against `reference`; fails
// when the two do not have the same number of frames.
Result<std::vector<double>> PerFramePsnr(const std::string& distorted, const std::string& reference,
                                         const std::string& tmp);
// Presentation timestamps (seconds) of every video frame, in order, via ffprobe.
Result<std::vector<double>> FrameTimes(const std::string& path);
// Duration in seconds of the first stream of `kind` ("v" or "a") read with ffprobe,
// counting packets (-count_packets) for video.
Result<double> StreamDuration(const std::string& path, const std::string& kind);
Result<int64_t> CountFrames(const std::string& path);
// The container's duration (an HLS media playlist's sum of segments), and the number
// of streams of `kind` ("v", "a") ffprobe finds.
Result<double> FormatDuration(const std::string& path);
Result<int> StreamCount(const std::string& path, const std::string& kind);
bool FfprobeOpens(const std::string& path);
// FFmpeg's idet multi-frame verdict for every decoded frame of `path`: how many look
// interlaced (tff or bff: combing between the fields) and how many progressive.
struct IdetCounts {
  int64_t interlaced = 0, progressive = 0, undetermined = 0;
};
Result<IdetCounts> DetectInterlace(const std::string& path);

}  // namespace dandori::media::testing
