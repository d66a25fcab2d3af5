#include "stdlib/media/hls.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace dandori::media {
namespace fs = std::filesystem;

Result<SegmentRates> MeasurePlaylist(const std::string& playlist_path) {
  std::ifstream in(playlist_path);
  if (!in) return Status::Permanent(fmt::format("cannot read playlist {}", playlist_path));
  const fs::path dir = fs::path(playlist_path).parent_path();
  SegmentRates r;
  double total_s = 0, pending = -1;
  int64_t total_bytes = 0;
  std::string line;
  std::error_code ec;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("#EXTINF:", 0) == 0) {
      pending = std::atof(line.c_str() + 8);
    } else if (line.rfind("#EXT-X-MAP:URI=\"", 0) == 0) {
      // The init section is fetched once per rendition, not per segment: not counted.
    } else if (!line.empty() && line[0] != '#' && pending > 0) {
      int64_t bytes = static_cast<int64_t>(fs::file_size(dir / line, ec));
      if (ec) return Status::Permanent(fmt::format("segment {} missing", (dir / line).string()));
      r.peak = std::max<int64_t>(r.peak, std::llround(bytes * 8 / pending));
      total_bytes += bytes;
      total_s += pending;
      pending = -1;
    }
  }
  if (total_s <= 0) return Status::Permanent(fmt::format("no segments in {}", playlist_path));
  r.average = std::llround(total_bytes * 8 / total_s);
  return r;
}

Result<std::string> WriteHlsMaster(const std::string& dir, const std::vector<HlsVariant>& v,
                                   const std::vector<HlsAudio>& audio) {
  std::ostringstream m;
  m << "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  SegmentRates audio_rates;
  std::string audio_codecs;
  for (size_t i = 0; i < audio.size(); ++i) {
    const HlsAudio& a = audio[i];
    auto rates = MeasurePlaylist((fs::path(dir) / a.uri).string());
    if (!rates.ok()) return rates.status();
    audio_rates.peak = std::max(audio_rates.peak, rates->peak);
    audio_rates.average = std::max(audio_rates.average, rates->average);
    if (audio_codecs.empty()) audio_codecs = a.codecs;
    m << fmt::format("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{}\",NAME=\"{}\"", kAudioGroup, a.name);
    if (!a.language.empty()) m << fmt::format(",LANGUAGE=\"{}\"", a.language);
    m << fmt::format(",DEFAULT={0},AUTOSELECT=YES", i == 0 ? "YES" : "NO");
    if (a.channels > 0) m << fmt::format(",CHANNELS=\"{}\"", a.channels);
    m << fmt::format(",URI=\"{}\"\n", a.uri);
  }
  for (const HlsVariant& var : v) {
    auto rates = MeasurePlaylist((fs::path(dir) / var.uri).string());
    if (!rates.ok()) return rates.status();
    m << fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={},AVERAGE-BANDWIDTH={},RESOLUTION={}x{}",
                     rates->peak + audio_rates.peak, rates->average + audio_rates.average,
                     var.width, var.height);
    if (var.fps > 0) m << fmt::format(",FRAME-RATE={:.3f}", var.fps);
    std::string codecs = var.codecs;
    if (!audio_codecs.empty()) codecs += (codecs.empty() ? "" : ",") + audio_codecs;
    if (!codecs.empty()) m << fmt::format(",CODECS=\"{}\"", codecs);
    if (!audio.empty()) m << fmt::format(",AUDIO=\"{}\"", kAudioGroup);
    m << "\n" << var.uri << "\n";
  }
  const std::string path = (fs::path(dir) / "master.m3u8").string();
  std::ofstream out(path);
  out << m.str();
  if (!out.flush()) return Status::Permanent(fmt::format("cannot write {}", path));
  return path;
}

}  // namespace dandori::media
