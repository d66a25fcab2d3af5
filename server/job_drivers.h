// JobDrivers: the engine half of `dandori serve`. It watches the database for running
// jobs that nobody drives (new jobs, jobs whose engine died or stopped renewing its job
// lease), takes each one's job lease and drives it with a Scheduler whose Runner is a
// JobRunner: attempts go to the dispatch queue, where `dandori worker` processes and
// serve's own local slots (a DispatchWorker) run them. Several serve processes may share
// one database: the job lease gives each job exactly one driver at a time, and the task
// fencing tokens refuse anything a deposed driver still tries to write.
//
// Any number of jobs, bounded resources: jobs are stepped (Scheduler::Step) by a fixed
// set of driver threads, each job's store borrows connections from one pool per call,
// and one loop thread (with one LISTEN connection) finds new jobs (at once on NOTIFY
// dandori_job, at most every 10 ms on NOTIFY dandori_work, a poll every poll_ms), wakes jobs whose
// timers are due and syncs the dispatch queue for all jobs at once (NOTIFY dandori_done). When a
// job ends, on_job_end is called (alerts, metrics).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "engine/scheduler.h"
#include "stdlib/operator.h"

namespace dandori::engine::pg {
class ConnPool;
}  // namespace dandori::engine::pg

namespace dandori::server {

struct JobDriversOptions {
  std::string url;
  std::string owner;  // this process as a job lease owner (LocalOwner())
  const OperatorRegistry* registry = nullptr;
  int max_jobs = 100'000;  // jobs driven at once by this process
  int threads = 4;         // driver threads (jobs stepped at once)
  // The connections the drivers' stores and the dispatch sync share (null: a pool of
  // `threads` + 1 of its own). The loop holds one more for LISTEN.
  std::shared_ptr<engine::pg::ConnPool> pool;
  int64_t job_lease_ms = 10'000;  // a dead serve's jobs are taken over after this
  int64_t poll_ms = 500;
  std::set<std::string> trivial_ops = {"noop"};  // run inline by the driver
  std::string workdir = ".";
  // Where attempts' scratch folders go (media chunks, merge inputs): a path every worker
  // that runs this serve's attempts sees, at the same path. Empty: ScratchRootFor(url).
  std::string scratch_root;
  int max_interruptions = engine::SchedulerOptions{}.max_interruptions;
  std::function<void(int64_t job, engine::RunOutcome outcome, const std::string& error)> on_job_end;
  std::function<void(const std::string& line)> log;  // outage lines; null: quiet
};

class Dispatcher;

class JobDrivers {
 public:
  explicit JobDrivers(JobDriversOptions options);
  ~JobDrivers();  // Stop()

  Status Start();
  // Stops taking jobs, stops stepping them (their jobs stay running in the store and
  // are released, so another serve, or this one when it comes back, picks them up).
  void Stop();
  int driving() const { return driving_.load(); }

 private:
  struct Job;
  void Loop();
  void DriverLoop();
  Status Watch();        // takes free running jobs
  void StepJob(Job* j);  // a driver thread, j not in any queue
  void EndJob(int64_t id, const Result<engine::RunOutcome>& outcome);
  void MarkReady(int64_t id);  // any thread
  void MarkReadyLocked(Job* j) REQUIRES(mu_);
  void WakeLoop();

  JobDriversOptions opt_;
  std::shared_ptr<engine::pg::ConnPool> pool_;
  std::unique_ptr<Dispatcher> dispatch_;
  std::atomic<bool> stop_{false};
  std::atomic<int> driving_{0};
  int wake_fd_ = -1;  // eventfd: wakes the loop (launches queued, a job stepped, stop)
  std::thread loop_;
  std::vector<std::thread> drivers_;
  std::mutex mu_;
  std::condition_variable ready_cv_;
  std::map<int64_t, std::unique_ptr<Job>> jobs_ GUARDED_BY(mu_);
  std::deque<int64_t> ready_ GUARDED_BY(mu_);  // jobs to step
};

}  // namespace dandori::server
