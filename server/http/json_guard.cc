// CheckJson: see json_guard.h. One pass, no recursion, no allocation.
#include "server/http/json_guard.h"

#include <string>

namespace dandori::server::http {

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (1 for ASCII), 0 if invalid
// (overlong forms, surrogates and code points past U+10FFFF are invalid).
size_t Utf8Length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (n == 0 || c > 0xF4 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
  }
  if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
  if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
  return n;
}

int HexValue(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    char c = s[k];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

Status Bad(const std::string& what, size_t at) {
  return Status::Invalid("malformed JSON body: " + what + " at byte " + std::to_string(at));
}

// Checks the string whose opening quote is at s[i]; sets *end past its closing quote.
Status ScanString(std::string_view s, size_t i, size_t* end) {
  for (size_t k = i + 1; k < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[k]);
    if (c == '"') {
      *end = k + 1;
      return Status::Ok();
    }
    if (c < 0x20) return Bad(c == 0 ? "NUL byte in a string" : "control character in a string", k);
    if (c == '\\') {
      if (k + 1 >= s.size()) break;
      if (s[k + 1] != 'u') {
        k += 2;
        continue;
      }
      int v = HexValue(s, k + 2);
      if (v < 0) return Bad("malformed \\u escape", k);
      if (v == 0) return Bad("NUL character (\\u0000) in a string", k);
      if (v >= 0xDC00 && v <= 0xDFFF) return Bad("unpaired UTF-16 surrogate", k);
      if (v >= 0xD800 && v <= 0xDBFF) {
        int low = k + 7 < s.size() && s[k + 6] == '\\' && s[k + 7] == 'u' ? HexValue(s, k + 8) : -1;
        if (low < 0xDC00 || low > 0xDFFF) return Bad("unpaired UTF-16 surrogate", k);
        k += 12;
        continue;
      }
      k += 6;
      continue;
    }
    size_t n = Utf8Length(s, k);
    if (n == 0) return Bad("invalid UTF-8 in a string", k);
    k += n;
  }
  return Bad("unterminated string", i);
}

}  // namespace

Status CheckJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::Invalid("JSON body of " + std::to_string(text.size()) + " bytes exceeds the " +
                           std::to_string(limits.max_bytes) + "-byte limit");
  }
  int depth = 0;
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '"') {
      if (auto st = ScanString(text, i, &i); !st.ok()) return st;
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        return Bad("nesting deeper than " + std::to_string(limits.max_depth) + " levels", i);
      }
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (static_cast<unsigned char>(c) < 0x20 && c != ' ' && c != '\t' && c != '\n' &&
               c != '\r') {
      return Bad(c == 0 ? "NUL byte" : "control character", i);
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return Bad("non-ASCII byte outside a string", i);
    }
    ++i;
  }
  return Status::Ok();
}

bool CleanUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '\0') return false;
    size_t n = Utf8Length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace dandori::server::http
