// media.probe: reads a media file with libavformat / libavcodec, in process (demuxing
// only, no decoding). The frame count is exact: it counts the video stream's packets
// (container frame counts such as nb_frames are not trusted). Every video timestamp is
// kept (sorted, relative to the first frame), so keyframe positions are exact frame
// indices and a variable frame rate is detected from the timestamps themselves, not
// from the declared rate (docs/media.md).
//
// Bad input is classified here, once, for every media operator: a missing or empty
// file, something that is not media, no video stream, a codec FFmpeg cannot decode, a
// truncated file: all kPermanent, each message naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/value.h"

namespace dandori::media {

// One audio stream of the source, in stream order ("0:a:index" for ffmpeg).
struct AudioStream {
  int index = 0;
  std::string codec;
  std::string language;  // the container's tag ("eng"); "" when absent or "und"
  std::string title;     // the title / name tag; "" when absent
  int channels = 0;
  double start = 0;  // first pts (s) relative to the container's start time
  double duration = 0;
};

struct ProbeInfo {
  std::string path;
  int64_t frames = 0;  // video packets counted
  int64_t fps_num = 0, fps_den = 1;
  int width = 0, height = 0;
  std::string video_codec, pix_fmt;
  int audio_streams = 0;
  std::string audio_codec;
  std::vector<int64_t> keyframes;  // presentation frame indices, ascending
  int64_t bit_rate = 0;            // container bit rate, bits/s
  double video_start = 0;          // first video pts (s) relative to the container's start time
  double audio_start = 0;          // first audio pts (s) relative to the container's start time
  double audio_duration = 0;
  std::vector<AudioStream> audio;
  std::string extradata_codecs;  // RFC 6381 codec string of the video stream ("avc1.64001f")
  int rotation = 0;              // display rotation in degrees (0, 90, 180, 270)
  // Field order from the codec parameters (libavformat fills them from the bitstream's
  // headers while finding the stream info: H.264 / HEVC SEI and SPS, MPEG-2 picture
  // headers, the MP4 `fiel` / Matroska FieldOrder): "progressive", "tt", "bb", "tb",
  // "bt", or "unknown" when nothing says. No decoding pass (idet) is made: "unknown"
  // counts as progressive (docs/media.md).
  std::string field_order = "unknown";
  // The demuxer ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mpegts"). MPEG transport
  // and program streams and raw elementary streams have no index: seeking in them
  // lands only near the target (measured: 10 frames late in a 3 s MPEG-2 TS), so
  // split cuts them through lossless intermediates instead of seeking.
  std::string container;
  bool exact_seek() const;
  bool interlaced() const { return field_order != "progressive" && field_order != "unknown"; }
  // Timing, from the packets (scan_packets): the video stream's time base, every
  // frame's presentation timestamp relative to the first one (ascending), and the end
  // of the last frame. `vfr`: the timestamps leave the grid of the declared rate by
  // more than rounding; fps_num / fps_den are then the average rate.
  int64_t tb_num = 1, tb_den = 1;
  std::vector<int64_t> pts;
  int64_t end_pts = 0;
  bool vfr = false;

  double duration_seconds() const {
    if (vfr) return static_cast<double>(end_pts) * tb_num / tb_den;
    return fps_num > 0 ? static_cast<double>(frames) * fps_den / fps_num : 0;
  }
  std::string timebase() const;  // "1/90000"

  std::string fps() const;  // "30000/1001"
};

// scan_packets=false reads only the headers (frames, keyframes then stay empty / 0).
Result<ProbeInfo> ProbeFile(const std::string& path, bool scan_packets = true);

// The `probe` record of stdlib/signatures.cc.
Value ProbeToValue(const ProbeInfo& p);

}  // namespace dandori::media
