#include "lsp/transport.h"

#include <cctype>
#include <charconv>

namespace dandori::lsp {
namespace {

bool HeaderIs(const std::string& line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

// Reads one header line without its CRLF (a bare LF is accepted too).
bool Transport::ReadHeaderLine(std::string* line, bool* eof) {
  line->clear();
  *eof = false;
  for (;;) {
    int c = in_.get();
    if (c == std::char_traits<char>::eof()) {
      *eof = line->empty();
      return false;
    }
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    if (line->size() >= kMaxHeaderLine) return false;
    line->push_back(static_cast<char>(c));
  }
}

ReadStatus Transport::Read(std::string* body, std::string* error) {
  long long length = -1;
  std::string line;
  for (int n = 0;; ++n) {
    bool eof = false;
    if (!ReadHeaderLine(&line, &eof)) {
      if (eof && n == 0) return ReadStatus::kEnd;
      *error = eof ? "the stream ended inside a message header"
                   : "a header line is longer than 4096 bytes";
      return ReadStatus::kBroken;
    }
    if (line.empty()) {
      if (n == 0) continue;  // tolerate stray blank lines between messages
      break;
    }
    if (n >= kMaxHeaders) {
      *error = "more than 32 header lines";
      return ReadStatus::kBroken;
    }
    if (HeaderIs(line, "content-length")) {
      std::string v = Trim(std::string_view(line).substr(15));
      long long parsed = -1;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
      if (ec != std::errc() || p != v.data() + v.size() || parsed < 0) {
        *error = "Content-Length is not a number: '" + v + "'";
        return ReadStatus::kBroken;
      }
      length = parsed;
    }
  }
  if (length < 0) {
    *error = "a message has no Content-Length header";
    return ReadStatus::kBroken;
  }
  if (static_cast<unsigned long long>(length) > kMaxMessageBytes) {
    char sink[64 * 1024];
    for (long long left = length; left > 0;) {
      auto chunk = static_cast<std::streamsize>(std::min<long long>(left, sizeof sink));
      in_.read(sink, chunk);
      if (in_.gcount() != chunk) {
        *error = "the stream ended inside a message body";
        return ReadStatus::kBroken;
      }
      left -= chunk;
    }
    *error = "a message of " + std::to_string(length) + " bytes is over the limit of " +
             std::to_string(kMaxMessageBytes) + " bytes; it was skipped";
    return ReadStatus::kTooLarge;
  }
  body->resize(static_cast<size_t>(length));
  in_.read(body->data(), static_cast<std::streamsize>(length));
  if (in_.gcount() != static_cast<std::streamsize>(length)) {
    *error = "the stream ended inside a message body";
    return ReadStatus::kBroken;
  }
  return ReadStatus::kMessage;
}

void Transport::Write(const nlohmann::json& message) {
  // Invalid UTF-8 (never expected: documents are validated) is replaced, not thrown.
  std::string text = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out_ << "Content-Length: " << text.size() << "\r\n\r\n" << text;
  out_.flush();
}

}  // namespace dandori::lsp
