// Retention of `dandori serve --retain D`: jobs that ended more than D ago are deleted
// with everything they own, so the tables do not grow without bound. Running jobs are
// never touched, nor a failed job whose alert is still waiting to be delivered. Several
// serves may run it at once (FOR UPDATE SKIP LOCKED: each job is deleted by one).
// The jobs' scratch folders on disk are not removed here.
//
// Thread rules: Start/Stop from one thread; the sweeper runs on its own thread and
// borrows one connection of the serve's pool per sweep.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "engine/pg/pg_conn.h"

namespace dandori::engine::pg {
class ConnPool;
}

namespace dandori::server {

// Deletes up to `limit` jobs that ended before `ended_before_ms`; returns how many.
Result<int64_t> DeleteEndedJobs(engine::pg::Conn& conn, int64_t ended_before_ms, int limit);

struct RetentionOptions {
  std::shared_ptr<engine::pg::ConnPool> pool;
  int64_t retain_ms = 0;                        // jobs ended longer ago than this are deleted
  int64_t every_ms = 60'000;                    // between sweeps (a sweep deletes in batches)
  int batch = 500;                              // jobs per statement
  std::function<void(const std::string&)> log;  // one line per sweep that deleted some
};

class Retention {
 public:
  explicit Retention(RetentionOptions options);
  ~Retention();  // Stop()
  void Start();
  void Stop();

 private:
  void Loop();
  RetentionOptions opt_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dandori::server
