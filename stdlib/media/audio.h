// Audio tracks as the operators pass them around. media.encode_audio returns a `track`
// record for the first (default) stream with every encoded stream in its `tracks`
// list; merge and package accept that record (or an old single-track one, without
// `tracks`). Language tags: containers carry ISO 639-2 ("eng"), HLS wants BCP 47 ("en").
#pragma once

#include <string>
#include <vector>

#include "base/value.h"

namespace dandori::media {

struct AudioTrack {
  std::string path, codec, language, name;
  int index = 0;   // the source's audio stream number
  int stream = 0;  // audio stream number inside `path`
  int channels = 2;
};

// The tracks of a `track` record (its `tracks` list, or the record itself); paths
// resolved against `workdir`. A null value gives no tracks.
std::vector<AudioTrack> TracksOf(const Value& audio, const std::string& workdir);

// "eng" -> "en", "fre"/"fra" -> "fr", two-letter codes unchanged; "" stays "".
std::string Bcp47(const std::string& iso639);
// "eng"/"en" -> "English"; an unknown code is returned as is; "" -> "".
std::string LanguageName(const std::string& code);

// RFC 6381 codec of an encoded track ("mp4a.40.2", "opus").
std::string AudioCodecString(const std::string& codec);

}  // namespace dandori::media
