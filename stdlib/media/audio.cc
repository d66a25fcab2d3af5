#include "stdlib/media/audio.h"

#include <algorithm>
#include <cctype>

#include "stdlib/storage/fs_atomic.h"

namespace dandori::media {
namespace {

struct Language {
  const char* iso2;   // ISO 639-1
  const char* iso3;   // ISO 639-2/T
  const char* iso3b;  // ISO 639-2/B where it differs
  const char* name;
};

constexpr Language kLanguages[] = {
    {"en", "eng", "", "English"},    {"fr", "fra", "fre", "French"},
    {"de", "deu", "ger", "German"},  {"es", "spa", "", "Spanish"},
    {"it", "ita", "", "Italian"},    {"pt", "por", "", "Portuguese"},
    {"ja", "jpn", "", "Japanese"},   {"zh", "zho", "chi", "Chinese"},
    {"ko", "kor", "", "Korean"},     {"ru", "rus", "", "Russian"},
    {"ar", "ara", "", "Arabic"},     {"hi", "hin", "", "Hindi"},
    {"nl", "nld", "dut", "Dutch"},   {"sv", "swe", "", "Swedish"},
    {"pl", "pol", "", "Polish"},     {"tr", "tur", "", "Turkish"},
    {"th", "tha", "", "Thai"},       {"id", "ind", "", "Indonesian"},
    {"vi", "vie", "", "Vietnamese"}, {"uk", "ukr", "", "Ukrainian"},
};

const Language* Find(const std::string& code) {
  std::string c = code;
  std::transform(c.begin(), c.end(), c.begin(), [](unsigned char x) { return std::tolower(x); });
  for (const Language& l : kLanguages) {
    if (c == l.iso2 || c == l.iso3 || (*l.iso3b && c == l.iso3b)) return &l;
  }
  return nullptr;
}

}  // namespace

std::vector<AudioTrack> TracksOf(const Value& audio, const std::string& workdir) {
  std::vector<AudioTrack> out;
  if (audio.is_null()) return out;
  auto one = [&](const Value& v) {
    AudioTrack t;
    t.path = ResolvePath(workdir, v.Get("path").as_string());
    t.codec = v.Get("codec").as_string();
    if (!v.Get("language").is_null()) t.language = v.Get("language").as_string();
    if (!v.Get("name").is_null()) t.name = v.Get("name").as_string();
    if (!v.Get("index").is_null()) t.index = static_cast<int>(v.Get("index").as_int());
    if (!v.Get("channels").is_null()) t.channels = static_cast<int>(v.Get("channels").as_int());
    out.push_back(std::move(t));
  };
  const Value tracks = audio.Get("tracks");
  if (tracks.is_null() || tracks.list().empty()) {
    one(audio);
  } else {
    for (const Value& v : tracks.list()) one(v);
  }
  return out;
}

std::string Bcp47(const std::string& iso639) {
  const Language* l = Find(iso639);
  return l ? l->iso2 : iso639;
}

std::string LanguageName(const std::string& code) {
  const Language* l = Find(code);
  return l ? l->name : code;
}

std::string AudioCodecString(const std::string& codec) {
  return codec == "opus" ? "opus" : "mp4a.40.2";
}

}  // namespace dandori::media
