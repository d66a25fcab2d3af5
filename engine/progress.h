// ProgressView: renders the scheduler's per-stage counts for `dandori run`. On a
// terminal it redraws a small table in place (done / running / failed / total per
// stage, elapsed, ETA); otherwise it prints a plain log line whenever the counts of a
// stage change, at most every few seconds, plus a final summary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/scheduler.h"

namespace dandori::engine {

class ProgressView {
 public:
  ProgressView(FILE* out, bool tty) : out_(out), tty_(tty) {}
  void Update(const std::vector<StageProgress>& stages, int64_t elapsed_ms, bool final);

  // The text of one redraw (tests and the plain log use it too).
  static std::vector<std::string> Lines(const std::vector<StageProgress>& stages,
                                        int64_t elapsed_ms);

 private:
  FILE* out_;
  bool tty_;
  int drawn_ = 0;
  int64_t last_log_ms_ = -1'000'000;
  std::string last_key_;
};

}  // namespace dandori::engine
