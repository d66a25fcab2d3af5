// CheckJson: see json_guard.h. nlohmann's SAX parser does the scanning (iterative,
// linear, UTF-8 and \u-escape validation); the handler below bounds the depth and
// refuses NUL in strings and keys.
#include "server/http/json_guard.h"

#include <nlohmann/json.hpp>
#include <string>

namespace dandori::server::http {

namespace {

using Json = nlohmann::json;

class GuardHandler : public nlohmann::json_sax<Json> {
 public:
  explicit GuardHandler(int max_depth) : max_depth_(max_depth) {}

  const std::string& error() const { return error_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& s) override { return NoNul(s); }
  bool key(string_t& s) override { return NoNul(s); }
  bool start_object(std::size_t) override { return Open(); }
  bool start_array(std::size_t) override { return Open(); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t at, const std::string&,
                   const nlohmann::detail::exception& e) override {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 7: …";
    // keep the part after the bracketed id.
    std::string what = e.what();
    size_t space = what.find("] ");
    error_ = (space == std::string::npos ? what : what.substr(space + 2)) + " (byte " +
             std::to_string(at) + ")";
    return false;
  }

 private:
  bool Open() {
    if (++depth_ <= max_depth_) return true;
    error_ = "nesting deeper than " + std::to_string(max_depth_) + " levels";
    return false;
  }
  bool Close() {
    --depth_;
    return true;
  }
  bool NoNul(const std::string& s) {
    if (s.find('\0') == std::string::npos) return true;
    error_ = "NUL character in a string";
    return false;
  }

  int max_depth_;
  int depth_ = 0;
  std::string error_;
};

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

}  // namespace

Status CheckJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::Invalid("JSON body of " + std::to_string(text.size()) + " bytes exceeds the " +
                           std::to_string(limits.max_bytes) + "-byte limit");
  }
  GuardHandler handler(limits.max_depth);
  if (Json::sax_parse(text.begin(), text.end(), &handler)) return Status::Ok();
  return Status::Invalid("malformed JSON body: " + handler.error());
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
