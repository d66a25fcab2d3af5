#include "engine/progress.h"

#include <fmt/format.h>

#include "base/value.h"

namespace dandori::engine {
namespace {

std::string_view BranchState(const BranchProgress& b) {
  if (b.ended) return b.item_failed ? "failed" : "done";
  return b.running > 0 || b.done > 0 || b.failed > 0 ? "running" : "waiting";
}

// The items [begin, end) of one fan-out: a line each, or one line past kBranchLines
// ("zone: 12 done, 2 running (z04 61 done, z05 3 done), 1 failed (z09), 0 waiting").
void BranchLines(const BranchProgress* begin, const BranchProgress* end,
                 std::vector<std::string>* out) {
  size_t n = static_cast<size_t>(end - begin);
  if (n <= kBranchLines) {
    size_t width = 0;
    for (auto* b = begin; b != end; ++b) width = std::max(width, b->item.size());
    for (auto* b = begin; b != end; ++b) {
      out->push_back(fmt::format("  {}={:<{}}  {:>7} done  {:>5} running  {:>5} failed  {}",
                                 b->block, b->item, width, b->done, b->running, b->failed,
                                 BranchState(*b)));
    }
    return;
  }
  int done = 0, waiting = 0;
  std::vector<std::string> running, failed;
  for (auto* b = begin; b != end; ++b) {
    std::string_view st = BranchState(*b);
    if (st == "done") done += 1;
    if (st == "waiting") waiting += 1;
    if (st == "failed") failed.push_back(b->item);
    if (st == "running") {
      running.push_back(fmt::format("{} {} done{}", b->item, b->done,
                                    b->failed ? fmt::format(" {} failed", b->failed) : ""));
    }
  }
  auto some = [](const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 4; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > 4) s += ", …";
    return v.empty() ? std::string() : " (" + s + ")";
  };
  out->push_back(fmt::format("  {}: {} done, {} running{}, {} failed{}, {} waiting", begin->block,
                             done, running.size(), some(running), failed.size(), some(failed),
                             waiting));
}

}  // namespace

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
  for (size_t i = 0; i < snap.branches.size();) {
    size_t j = i;
    while (j < snap.branches.size() && snap.branches[j].block == snap.branches[i].block) ++j;
    BranchLines(snap.branches.data() + i, snap.branches.data() + j, &out);
    i = j;
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
