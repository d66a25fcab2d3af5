#include "stdlib/media/probe.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>

#include <fmt/format.h>

#include "stdlib/media/codecs.h"
#include "stdlib/media/timing.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

namespace dandori::media {
namespace {

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

struct FormatCloser {
  AVFormatContext* ctx = nullptr;
  ~FormatCloser() {
    if (ctx) avformat_close_input(&ctx);
  }
};

Status CheckFile(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) {
    return Status::Permanent(
        fmt::format("cannot read media file {}: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(sb.st_mode)) return Status::Permanent(fmt::format("not a regular file: {}", path));
  if (sb.st_size == 0) return Status::Permanent(fmt::format("empty file (0 bytes): {}", path));
  return Status::Ok();
}

double StartSeconds(int64_t pts, AVRational tb, int64_t container_start) {
  if (pts == AV_NOPTS_VALUE) return 0;
  double s = pts * av_q2d(tb);
  if (container_start != AV_NOPTS_VALUE) s -= container_start / double(AV_TIME_BASE);
  return s;
}

// Counts the video packets and collects every presentation timestamp; keyframes become
// exact frame indices by looking their timestamps up among all the frames'.
Status ScanPackets(AVFormatContext* fmt, int vidx, ProbeInfo* p) {
  AVStream* st = fmt->streams[vidx];
  AVPacket* pkt = av_packet_alloc();
  std::vector<int64_t> key_pts;
  int64_t max_pts = std::numeric_limits<int64_t>::min(), last_duration = 0;
  int err = 0;
  while ((err = av_read_frame(fmt, pkt)) >= 0) {
    if (pkt->stream_index == vidx) {
      ++p->frames;
      if (pkt->pts != AV_NOPTS_VALUE) {
        p->pts.push_back(pkt->pts);
        if (pkt->flags & AV_PKT_FLAG_KEY) key_pts.push_back(pkt->pts);
        if (pkt->pts >= max_pts) {
          max_pts = pkt->pts;
          last_duration = pkt->duration;
        }
      }
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  if (err != AVERROR_EOF) {
    return Status::Permanent(
        fmt::format("{}: read error after {} video frames ({}): truncated or "
                    "corrupt file",
                    p->path, p->frames, AvError(err)));
  }
  if (st->nb_frames > 0 && p->frames < st->nb_frames) {
    return Status::Permanent(
        fmt::format("{}: truncated: the index lists {} video frames, only {} "
                    "are readable",
                    p->path, st->nb_frames, p->frames));
  }
  if (p->frames == 0) return Status::Permanent(fmt::format("{}: no video frames", p->path));
  if (p->pts.empty()) {
    // No timestamps at all (raw streams): frame indices are all there is.
    p->keyframes = {0};
    return Status::Ok();
  }
  std::sort(p->pts.begin(), p->pts.end());
  const int64_t min_pts = p->pts.front();
  for (int64_t& t : p->pts) t -= min_pts;
  for (int64_t t : key_pts) {
    auto it = std::lower_bound(p->pts.begin(), p->pts.end(), t - min_pts);
    p->keyframes.push_back(it - p->pts.begin());
  }
  std::sort(p->keyframes.begin(), p->keyframes.end());
  p->keyframes.erase(std::unique(p->keyframes.begin(), p->keyframes.end()), p->keyframes.end());
  p->video_start = StartSeconds(min_pts, st->time_base, fmt->start_time);
  const Timing t =
      AnalyzeTiming(p->pts, last_duration, p->tb_num, p->tb_den, p->fps_num, p->fps_den);
  p->end_pts = t.end_pts;
  p->vfr = t.vfr;
  if (t.vfr) {
    p->fps_num = t.avg_num;
    p->fps_den = t.avg_den;
  }
  return Status::Ok();
}

AudioStream ReadAudioStream(const AVFormatContext* fmt, const AVStream* st, int index) {
  AudioStream a;
  a.index = index;
  a.codec = avcodec_get_name(st->codecpar->codec_id);
  a.channels = st->codecpar->ch_layout.nb_channels;
  a.start = StartSeconds(st->start_time, st->time_base, fmt->start_time);
  if (st->duration != AV_NOPTS_VALUE) a.duration = st->duration * av_q2d(st->time_base);
  if (const AVDictionaryEntry* e = av_dict_get(st->metadata, "language", nullptr, 0)) {
    if (std::string(e->value) != "und") a.language = e->value;
  }
  for (const char* key : {"title", "name"}) {
    const AVDictionaryEntry* e = av_dict_get(st->metadata, key, nullptr, 0);
    if (e && a.title.empty()) a.title = e->value;
  }
  return a;
}

int Rotation(const AVStream* st) {
  const uint8_t* m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!m) return 0;
  double r = -av_display_rotation_get(reinterpret_cast<const int32_t*>(m));
  int deg = static_cast<int>(std::lround(r / 90.0)) * 90 % 360;
  return deg < 0 ? deg + 360 : deg;
}

std::string FieldOrder(AVFieldOrder f) {
  switch (f) {
    case AV_FIELD_PROGRESSIVE:
      return "progressive";
    case AV_FIELD_TT:
      return "tt";
    case AV_FIELD_BB:
      return "bb";
    case AV_FIELD_TB:
      return "tb";
    case AV_FIELD_BT:
      return "bt";
    default:
      return "unknown";
  }
}

}  // namespace

bool ProbeInfo::exact_seek() const {
  for (const char* f : {"mpegts", "mpeg", "mpegvideo", "h264", "hevc", "m4v", "rawvideo"}) {
    if (container == f) return false;
  }
  return true;
}

std::string ProbeInfo::fps() const { return fmt::format("{}/{}", fps_num, fps_den); }
std::string ProbeInfo::timebase() const { return fmt::format("{}/{}", tb_num, tb_den); }

Result<ProbeInfo> ProbeFile(const std::string& path, bool scan_packets) {
  // libav would print its complaints on the engine's stderr; the errors come back as
  // Status messages instead.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
  DANDORI_RETURN_IF_ERROR(CheckFile(path));
  ProbeInfo p;
  p.path = path;
  FormatCloser fc;
  int err = avformat_open_input(&fc.ctx, path.c_str(), nullptr, nullptr);
  if (err < 0) {
    return Status::Permanent(fmt::format("not a readable media file: {}: {}", path, AvError(err)));
  }
  AVFormatContext* fmt = fc.ctx;
  p.container = fmt->iformat->name;
  if ((err = avformat_find_stream_info(fmt, nullptr)) < 0) {
    return Status::Permanent(fmt::format("cannot read streams of {}: {}", path, AvError(err)));
  }
  int vidx = -1;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        !(st->disposition & AV_DISPOSITION_ATTACHED_PIC) && vidx < 0) {
      vidx = static_cast<int>(i);
    } else if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      p.audio.push_back(ReadAudioStream(fmt, st, p.audio_streams++));
    }
  }
  if (vidx < 0) return Status::Permanent(fmt::format("no video stream in {}", path));
  if (!p.audio.empty()) {
    p.audio_codec = p.audio[0].codec;
    p.audio_start = p.audio[0].start;
    p.audio_duration = p.audio[0].duration;
  }
  AVStream* vs = fmt->streams[vidx];
  AVCodecParameters* par = vs->codecpar;
  p.video_codec = avcodec_get_name(par->codec_id);
  if (par->codec_id == AV_CODEC_ID_NONE || !avcodec_find_decoder(par->codec_id)) {
    return Status::Permanent(
        fmt::format("unsupported video codec '{}' in {} (no decoder)", p.video_codec, path));
  }
  AVRational rate = vs->r_frame_rate.num > 0 ? vs->r_frame_rate : vs->avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) {
    return Status::Permanent(fmt::format("{}: the video stream has no frame rate", path));
  }
  p.fps_num = rate.num;
  p.fps_den = rate.den;
  p.tb_num = vs->time_base.num;
  p.tb_den = vs->time_base.den;
  p.rotation = Rotation(vs);
  p.field_order = FieldOrder(par->field_order);
  p.width = par->width;
  p.height = par->height;
  const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
  p.pix_fmt = pf ? pf : "unknown";
  p.bit_rate = fmt->bit_rate > 0 ? fmt->bit_rate : 0;
  p.extradata_codecs = CodecString(par);
  p.video_start = StartSeconds(vs->start_time, vs->time_base, fmt->start_time);
  if (p.width <= 0 || p.height <= 0) {
    return Status::Permanent(fmt::format("{}: the video stream has no picture size", path));
  }
  if (scan_packets) DANDORI_RETURN_IF_ERROR(ScanPackets(fmt, vidx, &p));
  return p;
}

Value ProbeToValue(const ProbeInfo& p) {
  Value::List keys, tracks, languages;
  for (int64_t k : p.keyframes) keys.push_back(Value::Int(k));
  for (const AudioStream& a : p.audio) {
    tracks.push_back(Value::MakeRecord({{"index", Value::Int(a.index)},
                                        {"codec", Value::String(a.codec)},
                                        {"language", Value::String(a.language)},
                                        {"title", Value::String(a.title)},
                                        {"channels", Value::Int(a.channels)}}));
    if (!a.language.empty()) languages.push_back(Value::String(a.language));
  }
  Value::Record r = {
      {"path", Value::String(p.path)},
      {"duration", Value::DurationMs(std::llround(p.duration_seconds() * 1000))},
      {"frames", Value::Int(p.frames)},
      {"fps", Value::String(p.fps())},
      {"fps_num", Value::Int(p.fps_num)},
      {"fps_den", Value::Int(p.fps_den)},
      {"width", Value::Int(p.width)},
      {"height", Value::Int(p.height)},
      {"video_codec", Value::String(p.video_codec)},
      {"pix_fmt", Value::String(p.pix_fmt)},
      {"has_audio", Value::Bool(p.audio_streams > 0)},
      {"audio_streams", Value::Int(p.audio_streams)},
      {"audio_codec", p.audio_codec.empty() ? Value() : Value::String(p.audio_codec)},
      {"audio", Value::MakeList(std::move(tracks))},
      {"languages", Value::MakeList(std::move(languages))},
      {"vfr", Value::Bool(p.vfr)},
      {"rotation", Value::Int(p.rotation)},
      {"interlaced", Value::Bool(p.interlaced())},
      {"field_order", Value::String(p.field_order)},
      {"keyframes", Value::MakeList(std::move(keys))},
      {"bit_rate", Value::SizeBytes(p.bit_rate)},
  };
  return Value::MakeRecord(std::move(r));
}

}  // namespace dandori::media
