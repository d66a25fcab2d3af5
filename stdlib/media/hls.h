// HLS master playlists. ffmpeg writes each rendition's media playlist and fMP4
// segments; dandori writes the master itself so every variant carries BANDWIDTH (the
// peak segment bit rate, measured from the segment files), AVERAGE-BANDWIDTH,
// RESOLUTION, FRAME-RATE and CODECS for every codec (ffmpeg 5.1 leaves CODECS out for
// AV1 and VP9). Audio is packaged apart from the video (HLS alternate audio): each
// track is an EXT-X-MEDIA rendition of one group, with LANGUAGE and NAME, and every
// variant names the group; a title without audio has no group at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace dandori::media {

inline constexpr const char* kAudioGroup = "audio";

struct HlsVariant {
  std::string uri;     // media playlist, relative to the master
  std::string codecs;  // the video's (the audio group's codec is appended)
  int width = 0, height = 0;
  double fps = 0;
};

struct HlsAudio {
  std::string uri;  // media playlist, relative to the master
  std::string codecs;
  std::string language;  // BCP 47 ("en"), or ""
  std::string name;
  int channels = 0;
};

struct SegmentRates {
  int64_t peak = 0;     // bits/s of the largest segment
  int64_t average = 0;  // bits/s over the whole playlist
};

// Reads a media playlist and sizes its segments (and init section) on disk.
Result<SegmentRates> MeasurePlaylist(const std::string& playlist_path);

// Writes `dir`/master.m3u8 listing the audio renditions (the first is the default)
// and the variants (in order); returns its path. BANDWIDTH counts the variant's
// video plus the largest audio rendition.
Result<std::string> WriteHlsMaster(const std::string& dir, const std::vector<HlsVariant>& v,
                                   const std::vector<HlsAudio>& audio);

}  // namespace dandori::media
