// The dispatch queue: how an engine (`dandori serve`, which drives jobs) hands attempts
// to task executors (`dandori worker` processes and serve's own local slots) through
// PostgreSQL.
//
//  * DispatchRunner is the scheduler's Runner for one job: Start() queues the attempt
//    (operator, encoded arguments, the task's fencing token) in dandori.dispatch, after
//    the scheduler has committed the task's claim; Wait() collects finished attempts
//    (woken by NOTIFY dandori_done), mirrors executor heartbeats into the attempt link,
//    and turns a cancelled link into a cancel request. Trivial operators run inline.
//  * DispatchWorker claims queued attempts with FOR UPDATE SKIP LOCKED (only operators
//    matching its patterns), runs them on its slots, renews their leases, and reports
//    results in batches, each fenced by its own executor token: an executor that lost
//    its lease (it stalled and the attempt was declared lost) cannot report.
//    An executor killed mid-attempt stops renewing; after the lease another executor
//    ends the attempt as `lost` (zombie rescue), and the engine's retry policy decides
//    whether a new attempt runs (docs/engine.md, "Interruptions").
//
// The scheduler's own fencing (the task's token, checked by Store::Commit) still decides
// which result is accepted; the dispatch queue only moves work and answers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "engine/runner.h"
#include "server/metrics.h"
#include "stdlib/operator.h"

namespace dandori::engine::pg {
class Conn;
}

namespace dandori::server {

namespace pg = engine::pg;
using engine::AttemptLink;
using engine::Completion;
using engine::Launch;
using engine::Runner;

class DispatchRunner final : public Runner {
 public:
  // `engine` is the job lease owner (the scheduler's options.owner).
  static Result<std::unique_ptr<DispatchRunner>> Open(const std::string& url,
                                                      const std::string& engine, int64_t job,
                                                      Clock* clock);
  ~DispatchRunner() override;

  void Start(Launch launch) override;
  std::vector<Completion> Wait(int64_t deadline_ms) override;
  void Wake() override;
  int outstanding() const override { return outstanding_; }

 private:
  DispatchRunner(std::unique_ptr<pg::Conn> conn, std::unique_ptr<pg::Conn> listen,
                 std::string engine, int64_t job, Clock* clock);
  Status Flush();  // queues the pending launches (one statement)
  Status Poll(std::vector<Completion>* out);

  std::unique_ptr<pg::Conn> conn_;
  std::unique_ptr<pg::Conn> listen_;  // LISTEN dandori_done
  std::string engine_;
  int64_t job_;
  Clock* clock_;
  std::vector<Launch> pending_;                           // started, not yet queued
  std::map<uint64_t, std::shared_ptr<AttemptLink>> out_;  // queued, not yet collected
  std::vector<Completion> local_;                         // trivial ops run inline
  int outstanding_ = 0;
  int64_t next_beat_sync_ms_ = 0;
  int64_t error_pause_ms_ = 0;      // after a database error: pause before trying again
  std::atomic<bool> woken_{false};  // set by Wake (any thread), read by Wait
  int wake_fd_ = -1;                // eventfd: Wake makes it readable, Wait polls it
};

struct DispatchWorkerOptions {
  std::string url;
  std::string name;                      // executor name (lease owner), e.g. host:pid
  std::vector<std::string> op_patterns;  // "media.*"; empty: every operator
  int slots = 4;                         // attempts run at once
  int64_t lease_ms = 5'000;              // renewed every lease_ms / 4
  const OperatorRegistry* registry = nullptr;
};

struct DispatchStats {
  std::atomic<int64_t> claimed{0};
  std::atomic<int64_t> rescued{0};
  std::atomic<int64_t> succeeded{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> refused{0};  // results refused: the lease was lost meanwhile
  Histogram attempt_ms;             // operator run time
  Histogram claim_ms;               // queued -> claimed by an executor
};

class DispatchWorker {
 public:
  explicit DispatchWorker(DispatchWorkerOptions options);
  ~DispatchWorker();  // Stop(0)

  Status Start();
  // Graceful stop: claim nothing more, let running attempts finish for up to
  // deadline_ms, then cancel the rest and hand them back (their leases are released,
  // so another executor takes them at once).
  void Stop(int64_t deadline_ms);
  const DispatchStats& stats() const { return stats_; }

 private:
  struct Running;
  void ClaimLoop();
  void Execute(std::shared_ptr<Running> r);
  Status ReportAndRenew(pg::Conn& conn);

  DispatchWorkerOptions opt_;
  DispatchStats stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, std::shared_ptr<Running>> running_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Running>> finished_ GUARDED_BY(mu_);  // results to report
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int64_t> stop_grace_ms_{0};
  std::thread claimer_;
  std::vector<std::thread> executors_;
  std::deque<std::shared_ptr<Running>> queue_ GUARDED_BY(mu_);  // claimed, not yet executing
};

}  // namespace dandori::server
