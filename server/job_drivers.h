// JobDrivers: the engine half of `dandori serve`. It watches the database for running
// jobs that nobody drives (new jobs, jobs whose engine died or stopped renewing its job
// lease), takes each one's job lease and drives it with a Scheduler whose Runner is a
// DispatchRunner: attempts go to the dispatch queue, where `dandori worker` processes
// and serve's own local slots (a DispatchWorker) run them. Several serve processes may
// share one database: the job lease gives each job exactly one driver at a time, and
// the task fencing tokens refuse anything a deposed driver still tries to write.
//
// Wakes on NOTIFY dandori_work (a job submitted, approved, cancelled, retried) and polls
// every poll_ms. When a job ends, on_job_end is called (alerts, metrics).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "base/thread_annotations.h"
#include "engine/scheduler.h"
#include "stdlib/operator.h"

namespace dandori::server {

struct JobDriversOptions {
  std::string url;
  std::string owner;  // this process as a job lease owner (LocalOwner())
  const OperatorRegistry* registry = nullptr;
  int max_jobs = 64;              // jobs driven at once by this process
  int64_t job_lease_ms = 10'000;  // a dead serve's jobs are taken over after this
  int64_t poll_ms = 500;
  std::set<std::string> trivial_ops = {"noop"};  // run inline by the driver
  std::string workdir = ".";
  std::function<void(int64_t job, engine::RunOutcome outcome, const std::string& error)> on_job_end;
  std::function<void(const std::string& line)> log;  // outage lines; null: quiet
};

class JobDrivers {
 public:
  explicit JobDrivers(JobDriversOptions options);
  ~JobDrivers();  // Stop()

  Status Start();
  // Stops taking jobs, asks running schedulers to stop (their jobs stay running in the
  // store and are picked up by another serve, or this one when it comes back) and waits.
  void Stop();
  int driving() const { return driving_.load(); }

 private:
  void WatchLoop();
  void Drive(int64_t job);

  JobDriversOptions opt_;
  std::atomic<bool> stop_{false};
  std::atomic<int> driving_{0};
  std::thread watcher_;
  std::mutex mu_;
  std::map<int64_t, std::thread> drivers_ GUARDED_BY(mu_);  // one scheduler thread per job
  std::set<int64_t> finished_ GUARDED_BY(mu_);              // ended drivers: threads to join
};

}  // namespace dandori::server
