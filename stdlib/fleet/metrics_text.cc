#include "stdlib/fleet/metrics_text.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace dandori::fleet {
namespace {

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// Parses `{a="x",b="y"}` starting at s[i] == '{'; false when malformed.
bool ParseLabels(std::string_view s, size_t& i, std::map<std::string, std::string>* out) {
  ++i;  // '{'
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i < s.size() && s[i] == '}') {
      ++i;
      return true;
    }
    size_t start = i;
    while (i < s.size() && NameChar(s[i])) ++i;
    std::string key(s.substr(start, i - start));
    if (key.empty() || i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '"') return false;
    i += 2;
    std::string value;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) {
        ++i;
        value += s[i] == 'n' ? '\n' : s[i];
      } else {
        value += s[i];
      }
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;  // closing quote
    (*out)[key] = value;
  }
  return false;
}

}  // namespace

std::vector<Sample> ParseMetricsText(std::string_view text) {
  std::vector<Sample> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    size_t i = 0;
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size() || line[i] == '#') continue;
    Sample sample;
    size_t start = i;
    while (i < line.size() && NameChar(line[i])) ++i;
    sample.name = std::string(line.substr(start, i - start));
    if (sample.name.empty()) continue;
    if (i < line.size() && line[i] == '{' && !ParseLabels(line, i, &sample.labels)) continue;
    while (i < line.size() && line[i] == ' ') ++i;
    std::string value(line.substr(i, line.find(' ', i) - i));
    if (value == "+Inf") {
      sample.value = INFINITY;
    } else if (value == "-Inf") {
      sample.value = -INFINITY;
    } else if (value == "NaN") {
      sample.value = NAN;
    } else {
      char* stop = nullptr;
      sample.value = std::strtod(value.c_str(), &stop);
      if (value.empty() || stop != value.c_str() + value.size()) continue;
    }
    out.push_back(std::move(sample));
  }
  return out;
}

}  // namespace dandori::fleet
