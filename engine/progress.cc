#include "engine/progress.h"

#include <fmt/format.h>

namespace dandori::engine {

std::vector<std::string> ProgressView::Lines(const std::vector<StageProgress>& stages,
                                             int64_t elapsed_ms) {
  std::vector<std::string> out;
  int64_t total = 0, done = 0, failed = 0;
  size_t width = 5;
  for (const StageProgress& s : stages) width = std::max(width, s.name.size());
  for (const StageProgress& s : stages) {
    total += s.total;
    done += s.done;
    failed += s.failed;
    if (s.total == 0 && s.done == 0 && s.running == 0) continue;
    out.push_back(fmt::format("  {:<{}}  {:>7} done  {:>5} running  {:>5} failed  / {}", s.name,
                              width, s.done, s.running, s.failed, s.total));
  }
  std::string eta = "?";
  int64_t finished = done + failed;
  if (finished > 0 && total >= finished) {
    eta = FormatDuration(elapsed_ms * (total - finished) / finished);
  }
  out.insert(out.begin(),
             fmt::format("elapsed {}  tasks {}/{}  failed {}  ETA {}",
                         elapsed_ms < 60'000 ? fmt::format("{:.1f}s", elapsed_ms / 1000.0)
                                             : FormatDuration(elapsed_ms / 1000 * 1000),
                         finished, total, failed, finished == total ? "-" : eta));
  return out;
}

void ProgressView::Update(const std::vector<StageProgress>& stages, int64_t elapsed_ms,
                          bool final) {
  std::vector<std::string> lines = Lines(stages, elapsed_ms);
  if (tty_) {
    if (drawn_ > 0) std::fprintf(out_, "\x1b[%dA", drawn_);
    for (const std::string& l : lines) std::fprintf(out_, "\x1b[2K%s\n", l.c_str());
    drawn_ = static_cast<int>(lines.size());
    std::fflush(out_);
    return;
  }
  std::string key;
  for (size_t i = 1; i < lines.size(); ++i) key += lines[i];
  if (!final && (key == last_key_ || elapsed_ms - last_log_ms_ < 2'000)) return;
  last_key_ = key;
  last_log_ms_ = elapsed_ms;
  for (const std::string& l : lines) std::fprintf(out_, "%s\n", l.c_str());
  std::fflush(out_);
}

}  // namespace dandori::engine
