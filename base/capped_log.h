// CappedLog: what one operator attempt wrote (its stdout / stderr, its progress lines),
// kept per stream with a size cap. Past the cap the oldest bytes are dropped, so the end
// of a long output (where the error usually is) survives; `truncated` says it happened.
// Filled while the attempt runs, taken once when it ends and stored with the attempt
// (Store logs, `dandori logs`).
//
// Thread rules: Append and Take may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/thread_annotations.h"

namespace dandori {

inline constexpr size_t kLogCapBytes = 1 << 20;  // per stream and attempt

struct LogText {
  std::string stream;  // "stdout", "stderr", "progress"
  std::string text;
  bool truncated = false;  // bytes before `text` were dropped
};

class CappedLog {
 public:
  explicit CappedLog(size_t cap = kLogCapBytes) : cap_(cap) {}

  void Append(std::string_view stream, std::string_view text);
  // The streams in name order; the log is empty afterwards.
  std::vector<LogText> Take();

 private:
  size_t cap_;
  std::mutex mu_;
  std::map<std::string, LogText, std::less<>> streams_ GUARDED_BY(mu_);
};

}  // namespace dandori
