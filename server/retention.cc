#include "server/retention.h"

#include <chrono>

#include "base/clock.h"
#include "engine/pg/pg_pool.h"
#include "server/retention_sql.h"

namespace dandori::server {

using engine::pg::Params;

Result<int64_t> DeleteEndedJobs(engine::pg::Conn& conn, int64_t ended_before_ms, int limit) {
  auto r = conn.Run(sql::kDeleteEndedJobs, Params().Int(ended_before_ms).Int(limit));
  if (!r.ok()) return r.status();
  return static_cast<int64_t>(r->rows());
}

Retention::Retention(RetentionOptions options) : opt_(std::move(options)) {}

Retention::~Retention() { Stop(); }

void Retention::Start() {
  if (opt_.retain_ms <= 0 || !opt_.pool || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Retention::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Retention::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    int64_t before = SystemClock()->NowMs() - opt_.retain_ms;
    int64_t deleted = 0;
    for (;;) {
      auto conn = opt_.pool->Acquire();
      if (conn->Broken() && !conn->Reset().ok()) break;  // the database is away: next sweep
      auto n = DeleteEndedJobs(*conn.get(), before, opt_.batch);
      if (!n.ok()) {
        if (opt_.log) opt_.log("retention: " + n.status().message());
        break;
      }
      deleted += *n;
      if (*n < opt_.batch) break;
    }
    if (deleted > 0 && opt_.log) {
      opt_.log("retention: deleted " + std::to_string(deleted) + " jobs that ended before " +
               std::to_string(before) + " ms");
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(opt_.every_ms), [this] { return stop_; });
  }
}

}  // namespace dandori::server
