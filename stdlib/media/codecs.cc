#include "stdlib/media/codecs.h"

#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>
}

namespace dandori::media {
namespace {

int BitDepth(const AVCodecParameters* par) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(par->format));
  return d ? d->comp[0].depth : 8;
}

std::string H264(const AVCodecParameters* par) {
  const uint8_t* x = par->extradata;
  if (par->extradata_size >= 4 && x[0] == 1) {  // avcC
    return fmt::format("avc1.{:02x}{:02x}{:02x}", x[1], x[2], x[3]);
  }
  int profile = par->profile > 0 ? par->profile & 0xff : 100;
  int level = par->level > 0 ? par->level : 40;
  return fmt::format("avc1.{:02x}00{:02x}", profile, level);
}

std::string Hevc(const AVCodecParameters* par) {
  const uint8_t* x = par->extradata;
  if (par->extradata_size >= 13 && x[0] == 1) {  // hvcC
    int space = x[1] >> 6, tier = (x[1] >> 5) & 1, profile = x[1] & 0x1f;
    uint32_t compat = (uint32_t(x[2]) << 24) | (x[3] << 16) | (x[4] << 8) | x[5];
    uint32_t rev = 0;  // the compatibility flags are written bit-reversed
    for (int i = 0; i < 32; ++i) rev |= ((compat >> i) & 1u) << (31 - i);
    std::string s = fmt::format("hvc1.{}{}.{:x}.{}{}", space ? std::string(1, 'A' + space - 1) : "",
                                profile, rev, tier ? 'H' : 'L', x[12]);
    int last = 5;  // constraint bytes 6..11, trailing zero bytes dropped
    while (last >= 0 && x[6 + last] == 0) --last;
    for (int i = 0; i <= last; ++i) s += fmt::format(".{:X}", x[6 + i]);
    return s;
  }
  return fmt::format("hvc1.{}.6.L{}.B0", par->profile > 0 ? par->profile : 1,
                     par->level > 0 ? par->level : 93);
}

std::string Av1(const AVCodecParameters* par) {
  const uint8_t* x = par->extradata;
  if (par->extradata_size >= 4 && (x[0] & 0x80)) {  // av1C
    int profile = x[1] >> 5, level = x[1] & 0x1f, tier = x[2] >> 7;
    int depth = (x[2] & 0x40) ? ((x[2] & 0x20) ? 12 : 10) : 8;
    return fmt::format("av01.{}.{:02}{}.{:02}", profile, level, tier ? 'H' : 'M', depth);
  }
  return fmt::format("av01.0.08M.{:02}", BitDepth(par));
}

std::string Vp9(const AVCodecParameters* par) {
  const uint8_t* x = par->extradata;
  if (par->extradata_size >= 8 && x[0] == 1) {  // vpcC (full box payload: version+flags)
    return fmt::format("vp09.{:02}.{:02}.{:02}", x[4], x[5], x[6] >> 4);
  }
  int profile = par->profile > 0 ? par->profile : 0;
  int level = par->level > 0 ? par->level : 31;
  return fmt::format("vp09.{:02}.{:02}.{:02}", profile, level, BitDepth(par));
}

}  // namespace

std::string CodecString(const AVCodecParameters* par) {
  switch (par->codec_id) {
    case AV_CODEC_ID_H264:
      return H264(par);
    case AV_CODEC_ID_HEVC:
      return Hevc(par);
    case AV_CODEC_ID_AV1:
      return Av1(par);
    case AV_CODEC_ID_VP9:
      return Vp9(par);
    case AV_CODEC_ID_AAC:
      return fmt::format("mp4a.40.{}", par->profile >= 0 ? par->profile + 1 : 2);
    case AV_CODEC_ID_OPUS:
      return "opus";
    case AV_CODEC_ID_MP3:
      return "mp4a.40.34";
    case AV_CODEC_ID_AC3:
      return "ac-3";
    case AV_CODEC_ID_EAC3:
      return "ec-3";
    default:
      return "";
  }
}

}  // namespace dandori::media
