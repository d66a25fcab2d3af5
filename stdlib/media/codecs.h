// RFC 6381 codec strings ("avc1.64001f", "hvc1.1.6.L93.B0", "vp09.00.31.08",
// "av01.0.05M.08", "mp4a.40.2", "opus") for the CODECS attribute of HLS master
// playlists, derived from a stream's parameters and its codec configuration record.
#pragma once

#include <string>

struct AVCodecParameters;

namespace dandori::media {

// "" when the codec has no known string.
std::string CodecString(const AVCodecParameters* par);

}  // namespace dandori::media
