// CappedLog: see capped_log.h.
#include "base/capped_log.h"

namespace dandori {

void CappedLog::Append(std::string_view stream, std::string_view text) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) {
    it = streams_.emplace(std::string(stream), LogText{std::string(stream), "", false}).first;
  }
  LogText& log = it->second;
  if (text.size() >= cap_) {
    log.truncated = log.truncated || !log.text.empty() || text.size() > cap_;
    log.text.assign(text.substr(text.size() - cap_));
    return;
  }
  log.text.append(text);
  if (log.text.size() > cap_) {
    // Drop whole bytes from the front, twice the overflow at least, so a stream that
    // keeps growing moves memory once per half cap, not once per append.
    size_t drop = std::min(log.text.size(), log.text.size() - cap_ + cap_ / 2);
    log.text.erase(0, drop);
    log.truncated = true;
  }
}

std::vector<LogText> CappedLog::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<LogText> out;
  out.reserve(streams_.size());
  for (auto& [name, log] : streams_) out.push_back(std::move(log));
  streams_.clear();
  return out;
}

}  // namespace dandori
