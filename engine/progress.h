// ProgressView: renders the scheduler's per-stage counts for `dandori run`. On a
// terminal it redraws a small table in place (done / running / failed / total per
// stage, a line per item of an outermost fan-out — collapsed to one line past
// kBranchLines items — elapsed, a rounded ETA, and every approval gate the job waits at
// with the command that passes it); otherwise it prints a plain log line whenever the counts of
// a stage or the waiting gates change, at most every few seconds, plus a final summary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/scheduler.h"

namespace dandori::engine {

inline constexpr size_t kBranchLines = 8;  // more items of a fan-out: one summary line

struct ProgressSnapshot {
  std::vector<StageProgress> stages;
  std::vector<WaitingGate> gates;
  int64_t elapsed_ms = 0;
  std::vector<BranchProgress> branches;  // the outermost fan-outs' items
};

class ProgressView {
 public:
  // approve_command: how a gate is passed, without the gate's name ("dandori approve 3").
  ProgressView(FILE* out, bool tty, std::string approve_command)
      : out_(out), tty_(tty), approve_command_(std::move(approve_command)) {}
  void Update(const ProgressSnapshot& snapshot, bool final);

  // The text of one redraw (tests and the plain log use it too).
  static std::vector<std::string> Lines(const ProgressSnapshot& snapshot,
                                        const std::string& approve_command);

 private:
  FILE* out_;
  bool tty_;
  std::string approve_command_;
  int drawn_ = 0;
  int64_t last_log_ms_ = -1'000'000;
  std::string last_key_;
};

}  // namespace dandori::engine
