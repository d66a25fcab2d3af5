// Frame timing of a video stream, from its presentation timestamps: whether the rate
// is variable (the timestamps leave the grid of the declared rate by more than the
// container's rounding), the average rate, where the last frame ends, and exact
// microsecond boundaries for chunk joins. Pure arithmetic, no FFmpeg calls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dandori::media {

struct Timing {
  bool vfr = false;
  int64_t end_pts = 0;               // end of the last frame, ticks after the first frame
  int64_t avg_num = 0, avg_den = 1;  // frames / (end_pts ticks), reduced
};

// `pts`: ascending, relative to the first frame (pts[0] == 0), in ticks of
// tb_num/tb_den seconds. `last_duration`: the last frame's packet duration (0 when
// the container has none: the previous interval is used). The declared rate is
// fps_num/fps_den. A frame more than max(1.5 ticks, 1 ms) away from the declared grid
// makes the stream variable-rate.
Timing AnalyzeTiming(const std::vector<int64_t>& pts, int64_t last_duration, int64_t tb_num,
                     int64_t tb_den, int64_t fps_num, int64_t fps_den);

// Resampling to a constant rate R (media.split's `conform:`): output frame k (time k/R)
// shows the last source frame whose timestamp rounds (to nearest) to a slot <= k, as
// FFmpeg's fps filter does; the output has round(duration x R) frames.
struct ConformCounts {
  int64_t frames_out = 0;
  int64_t dropped = 0;     // source frames never shown (superseded within one slot)
  int64_t duplicated = 0;  // output frames repeating the previous one's source frame
};
ConformCounts CountConform(const std::vector<int64_t>& pts, int64_t end_pts, int64_t tb_num,
                           int64_t tb_den, int64_t rate_num, int64_t rate_den);

// `ticks` of tb_num/tb_den seconds in whole microseconds, rounded to nearest.
int64_t TicksToMicros(int64_t ticks, int64_t tb_num, int64_t tb_den);

// "2.002000": microseconds as ffmpeg / ffconcat seconds.
std::string MicrosText(int64_t us);

}  // namespace dandori::media
