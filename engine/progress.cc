#include "engine/progress.h"

#include <fmt/format.h>

#include "base/value.h"

namespace dandori::engine {

std::vector<std::string> ProgressView::Lines(const ProgressSnapshot& snap,
                                             const std::string& approve_command) {
  std::vector<std::string> out;
  int64_t total = 0, done = 0, failed = 0;
  size_t width = 5;
  for (const StageProgress& s : snap.stages) width = std::max(width, s.name.size());
  for (const StageProgress& s : snap.stages) {
    total += s.total;
    done += s.done;
    failed += s.failed;
    if (s.total == 0 && s.done == 0 && s.running == 0) continue;
    out.push_back(fmt::format("  {:<{}}  {:>7} done  {:>5} running  {:>5} failed  / {}", s.name,
                              width, s.done, s.running, s.failed, s.total));
  }
  for (const WaitingGate& g : snap.gates) {
    std::string text = g.message.empty() ? "" : " (" + g.message + ")";
    out.push_back(
        fmt::format("  waiting for approval: {}{} — {} {}", g.gate, text, approve_command, g.gate));
  }
  int64_t finished = done + failed;
  std::string eta = "?";
  if (finished == total) {
    eta = "-";
  } else if (!snap.gates.empty()) {
    eta = "after approval";
  } else if (finished > 0 && total > finished) {
    eta = RoughDuration(snap.elapsed_ms * (total - finished) / finished);
  }
  int64_t elapsed = snap.elapsed_ms;
  out.insert(out.begin(), fmt::format("elapsed {}  tasks {}/{}  failed {}  ETA {}",
                                      elapsed < 60'000 ? fmt::format("{:.1f}s", elapsed / 1000.0)
                                                       : FormatDuration(elapsed / 1000 * 1000),
                                      finished, total, failed, eta));
  return out;
}

void ProgressView::Update(const ProgressSnapshot& snap, bool final) {
  std::vector<std::string> lines = Lines(snap, approve_command_);
  if (tty_) {
    if (drawn_ > 0) std::fprintf(out_, "\x1b[%dA", drawn_);
    for (const std::string& l : lines) std::fprintf(out_, "\x1b[2K%s\n", l.c_str());
    drawn_ = static_cast<int>(lines.size());
    std::fflush(out_);
    return;
  }
  std::string key;
  for (size_t i = 1; i < lines.size(); ++i) key += lines[i];
  if (!final && (key == last_key_ || snap.elapsed_ms - last_log_ms_ < 2'000)) return;
  last_key_ = key;
  last_log_ms_ = snap.elapsed_ms;
  for (const std::string& l : lines) std::fprintf(out_, "%s\n", l.c_str());
  std::fflush(out_);
}

}  // namespace dandori::engine
