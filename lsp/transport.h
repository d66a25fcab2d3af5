// The Language Server Protocol's base layer over a pair of streams (stdin/stdout for
// `dandori lsp`): messages framed by a `Content-Length: N` header and a blank line,
// each a JSON-RPC 2.0 object. Untrusted input has budgets: header lines, header count
// and the body size are capped; an oversized body is read and discarded in bounded
// chunks so the stream stays in step.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace dandori::lsp {

inline constexpr size_t kMaxMessageBytes = 64u << 20;  // a 10 MiB file, JSON-escaped
inline constexpr size_t kMaxHeaderLine = 4096;
inline constexpr int kMaxHeaders = 32;

enum class ReadStatus {
  kMessage,   // `body` holds one message
  kEnd,       // the stream ended cleanly between messages
  kTooLarge,  // Content-Length above kMaxMessageBytes; the body was skipped
  kBroken,    // unreadable framing (no or bad Content-Length, stream cut mid-message)
};

class Transport {
 public:
  Transport(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

  // Reads the next message. `error` says what went wrong for kTooLarge / kBroken.
  ReadStatus Read(std::string* body, std::string* error);
  // Writes one message and flushes.
  void Write(const nlohmann::json& message);

 private:
  bool ReadHeaderLine(std::string* line, bool* eof);

  std::istream& in_;
  std::ostream& out_;
};

}  // namespace dandori::lsp
