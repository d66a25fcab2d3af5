// media.probe: reads a media file with libavformat / libavcodec, in process (demuxing
// only, no decoding). The frame count is exact: it counts the video stream's packets
// (container frame counts such as nb_frames are not trusted). Keyframe positions are
// presentation frame indices derived from the packets' timestamps, which assumes a
// constant frame rate (what the farm ingests; documented in docs/media.md).
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
  std::string extradata_codecs;  // RFC 6381 codec string of the video stream ("avc1.64001f")

  double duration_seconds() const {
    return fps_num > 0 ? static_cast<double>(frames) * fps_den / fps_num : 0;
  }
  std::string fps() const;  // "30000/1001"
};

// scan_packets=false reads only the headers (frames, keyframes then stay empty / 0).
Result<ProbeInfo> ProbeFile(const std::string& path, bool scan_packets = true);

// The `probe` record of stdlib/signatures.cc.
Value ProbeToValue(const ProbeInfo& p);

}  // namespace dandori::media
