// Runner: where operator attempts execute. The scheduler hands it Launches and collects
// Completions; it never runs an operator itself. ThreadRunner runs attempts on worker
// threads (inline on the caller for operators marked trivial, such as noop); the
// simulated runner (engine/sim_runner.h) completes them on a FakeClock for tests.
//
// Thread rules: Start, Wait and Wake are called by the scheduler thread; Wake may also
// be called from any thread (a signal handler's helper, a heartbeat) to end a Wait early.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/cancel.h"
#include "base/capped_log.h"
#include "base/clock.h"
#include "base/thread_annotations.h"
#include "stdlib/operator.h"

namespace dandori::engine {

// Shared between the scheduler and a running attempt.
struct AttemptLink {
  CancelToken cancel;
  std::atomic<int64_t> last_beat_ms{0};
  std::atomic<int64_t> progress_done{0};
  std::atomic<int64_t> progress_total{0};
  CappedLog log;  // what the attempt wrote (OperatorContext::log); taken when it ends
  std::atomic<int64_t> last_progress_line_ms{0};
};

// An attempt's OperatorContext::progress: a heartbeat, the figures the live display
// reads, and a line in the attempt's "progress" log ("+12.5s 150/300 cameras") at most
// once a second and when done reaches total.
std::function<void(int64_t, int64_t, std::string_view)> ProgressToLink(
    std::shared_ptr<AttemptLink> link, Clock* clock);

struct Launch {
  uint64_t id = 0;  // the scheduler's attempt id
  Operator* op = nullptr;
  std::string op_name;
  // Its global pool's name (server/global_pools.h): the stage's `pool NAME`, else op_name.
  std::string pool;
  OperatorContext ctx;
  std::shared_ptr<AttemptLink> link;
  bool trivial = false;  // may run inline on the scheduler thread (noop)
};

struct Completion {
  uint64_t id = 0;
  Result<Value> result = Value();
};

class Runner {
 public:
  virtual ~Runner() = default;
  virtual void Start(Launch launch) = 0;
  // Returns the completions available, waiting until at least one arrives, Wake() is
  // called, or the clock reaches deadline_ms (INT64_MAX: no deadline).
  virtual std::vector<Completion> Wait(int64_t deadline_ms) = 0;
  virtual void Wake() = 0;
  // Attempts started and not yet collected by Wait.
  virtual int outstanding() const = 0;
};

class ThreadRunner final : public Runner {
 public:
  explicit ThreadRunner(Clock* clock, int max_threads = 1024);
  ~ThreadRunner() override;
  void Start(Launch launch) override;
  std::vector<Completion> Wait(int64_t deadline_ms) override;
  void Wake() override;
  int outstanding() const override { return outstanding_; }

 private:
  void WorkerLoop();
  static Completion Execute(Launch& l);

  Clock* clock_;
  int max_threads_;
  std::mutex mu_;
  std::condition_variable work_cv_;  // with mu_: queue_ or stop_ changed
  std::condition_variable done_cv_;  // with mu_: done_ or woken_ changed
  std::deque<Launch> queue_ GUARDED_BY(mu_);
  std::vector<Completion> done_ GUARDED_BY(mu_);
  int idle_ GUARDED_BY(mu_) = 0;
  bool stop_ GUARDED_BY(mu_) = false;
  bool woken_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // scheduler thread only (Start, the destructor)
  int outstanding_ = 0;               // scheduler thread only
};

}  // namespace dandori::engine
