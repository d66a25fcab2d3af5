// The dispatch queue: how an engine (`dandori serve`, which drives jobs) hands attempts
// to task executors (`dandori worker` processes and serve's own local slots) through
// PostgreSQL.
//
//  * JobRunner is the scheduler's Runner for one job; the Dispatcher does the database
//    work for all jobs of an engine: it queues attempts (operator, encoded arguments,
//    the task's fencing token) in dandori.dispatch, after the scheduler has committed
//    the task's claim, collects finished attempts (woken by NOTIFY dandori_done),
//    mirrors executor heartbeats into the attempt links, and turns a cancelled link into
//    a cancel request. Trivial operators run inline.
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
#include <functional>
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
class ConnPool;
class Params;
class PgResult;
}  // namespace dandori::engine::pg

namespace dandori::server {

namespace pg = engine::pg;
using engine::AttemptLink;
using engine::Completion;
using engine::Launch;
using engine::Runner;

class Dispatcher;

// The scheduler's Runner for one job of a serve that drives many (server/job_drivers.h):
// trivial operators run inline in Start; the rest go to the Dispatcher. It never
// blocks: the job is driven with Scheduler::Step, its completions taken with Take(), and
// Wait(deadline) is Take() (it does not wait).
class JobRunner final : public Runner {
 public:
  JobRunner(Dispatcher* dispatcher, int64_t job) : d_(dispatcher), job_(job) {}
  void Start(Launch launch) override;
  std::vector<Completion> Wait(int64_t /*deadline_ms*/) override { return Take(); }
  void Wake() override;
  int outstanding() const override { return outstanding_; }
  // The completions that arrived so far (the driver hands them to Scheduler::Step).
  std::vector<Completion> Take();

 private:
  Dispatcher* d_;
  int64_t job_;
  int outstanding_ = 0;  // the driving thread's
};

// The engine half of the dispatch queue for every job one engine drives: launches of all
// jobs are queued in one statement, finished attempts of all jobs collected in one and
// routed back to their jobs, heartbeats mirrored into the attempt links once a second,
// cancelled links turned into cancel requests. The engine loop calls Sync on a
// connection; job drivers call the rest from any thread.
class Dispatcher {
 public:
  // `engine`: the job lease owner; `ready(job)` is called (without any lock of this
  // object held) when a job has completions to take or was woken.
  Dispatcher(std::string engine, Clock* clock, std::function<void(int64_t job)> ready);

  void Queue(int64_t job, Launch launch);
  void Complete(int64_t job, Completion c);  // an attempt that ran inline
  void WakeJob(int64_t job);
  std::vector<Completion> Take(int64_t job);
  // The job is no longer driven here: drops what is outstanding; its rows are deleted
  // at the next Sync (or ForgetNow).
  void Forget(int64_t job);
  // One round: queue pending launches, send cancellations, forget dropped jobs' rows;
  // collect finished attempts when `collect` (a NOTIFY dandori_done came, or a while
  // passed). On error (the database is gone) nothing is lost: it is tried again.
  Status Sync(pg::Conn& conn, bool collect);
  // Deletes the rows of the forgotten jobs now (at stop).
  Status ForgetNow(pg::Conn& conn);
  bool has_pending() const;  // launches not yet queued
  bool has_remote() const;   // queued attempts not yet collected

 private:
  struct Pending {
    int64_t job;
    Launch launch;
  };
  using Key = std::pair<int64_t, uint64_t>;  // job, the scheduler's attempt id
  void Route(const pg::PgResult& done, std::vector<int64_t>* ready) REQUIRES(mu_);
  void Ready(const std::vector<int64_t>& jobs);

  std::string engine_;
  Clock* clock_;
  std::function<void(int64_t)> ready_;
  mutable std::mutex mu_;
  std::vector<Pending> pending_ GUARDED_BY(mu_);                     // not yet queued
  std::map<Key, std::shared_ptr<AttemptLink>> out_ GUARDED_BY(mu_);  // queued, not collected
  std::map<int64_t, std::vector<Completion>> done_ GUARDED_BY(mu_);  // per job, to take
  std::vector<int64_t> forget_ GUARDED_BY(mu_);                      // jobs whose rows go
  std::vector<Key> collected_ GUARDED_BY(mu_);  // finished rows read, deleted next round
  int64_t next_beat_sync_ms_ = 0;               // Sync's
};

struct DispatchWorkerOptions {
  std::string url;
  std::string name;                      // executor name (lease owner), e.g. host:pid
  std::vector<std::string> op_patterns;  // "media.*"; empty: every operator
  int slots = 4;                         // attempts run at once
  int64_t lease_ms = 5'000;              // renewed every lease_ms / 4
  const OperatorRegistry* registry = nullptr;
  // Null: the worker opens its own connection for claims and reports; set: it borrows
  // one from this pool for each round (serve's local slots). Either way it holds one
  // more connection of its own for LISTEN.
  std::shared_ptr<pg::ConnPool> pool;
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
  Status Claim(pg::Conn& conn, int free_slots, const std::vector<std::string>& likes, int* claimed);
  Status ClaimPooled(pg::Conn& conn, int free_slots, const std::vector<std::string>& likes,
                     int* claimed);
  pg::Params ClaimParams(int n, const std::vector<std::string>& likes) const;
  void Adopt(const pg::PgResult& claimed);  // claimed rows -> running_, queue_
  void Execute(std::shared_ptr<Running> r);
  Status ReportAndRenew(pg::Conn& conn, bool claim, const std::vector<std::string>& likes,
                        int* asked, int* claimed);
  int ReportWaitMs(int64_t now);  // 0: report finished attempts now; else how long to wait

  DispatchWorkerOptions opt_;
  DispatchStats stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, std::shared_ptr<Running>> running_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Running>> finished_ GUARDED_BY(mu_);  // results to report
  int64_t first_finished_ms_ GUARDED_BY(mu_) = 0;  // when finished_ last became non-empty
  int64_t global_pools_ = 0;                       // claimer thread's: rows of dandori.pools
  int64_t next_pools_check_ms_ = 0;                // claimer thread's
  int wake_fd_ = -1;  // eventfd: an executor finished an attempt (wakes the claimer)
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int64_t> stop_grace_ms_{0};
  std::thread claimer_;
  std::vector<std::thread> executors_;
  std::deque<std::shared_ptr<Running>> queue_ GUARDED_BY(mu_);  // claimed, not yet executing
};

}  // namespace dandori::server
