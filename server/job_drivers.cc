// JobDrivers: see job_drivers.h.
#include "server/job_drivers.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "engine/job_runner.h"
#include "engine/pg/pg_store.h"
#include "server/dispatch.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

// Forwards to the real store until the engine stops; then every call fails, so a
// scheduler ends its Run at its next store call without writing anything more. The
// job stays running in the store for the next driver to replay.
class StoppableStore final : public Store {
 public:
  StoppableStore(Store* s, const std::atomic<bool>* stop) : s_(s), stop_(stop) {}
  Result<JobInfo> CreateJob(const JobSpec& spec, int64_t now, bool* created) override {
    return s_->CreateJob(spec, now, created);
  }
  Result<JobInfo> GetJob(int64_t id) override { return s_->GetJob(id); }
  Result<std::vector<JobInfo>> ListJobs(int limit) override { return s_->ListJobs(limit); }
  Status AcquireJob(int64_t job, const std::string& owner, int64_t now, int64_t until,
                    bool force) override {
    if (*stop_) return Stopping();
    return s_->AcquireJob(job, owner, now, until, force);
  }
  Status ReleaseJob(int64_t job, const std::string& owner) override {
    return s_->ReleaseJob(job, owner);
  }
  Status Commit(const Batch& batch, std::vector<bool>* accepted) override {
    if (*stop_) return Stopping();
    return s_->Commit(batch, accepted);
  }
  Result<std::vector<Claim>> ClaimTasks(int64_t job, const std::string& owner, int64_t now,
                                        int64_t lease, int max) override {
    if (*stop_) return Stopping();
    return s_->ClaimTasks(job, owner, now, lease, max);
  }
  Status Heartbeat(int64_t job, const std::string& key, int64_t fence, int64_t until) override {
    return s_->Heartbeat(job, key, fence, until);
  }
  Result<std::vector<TaskRow>> LoadTasks(int64_t job) override { return s_->LoadTasks(job); }
  Result<TaskRow> GetTask(int64_t job, const std::string& key) override {
    return s_->GetTask(job, key);
  }
  Result<std::vector<Event>> ListEvents(int64_t job, int64_t after, int limit) override {
    return s_->ListEvents(job, after, limit);
  }
  Status AddSignal(int64_t job, const Signal& signal) override {
    return s_->AddSignal(job, signal);
  }
  Result<std::vector<Signal>> ListSignals(int64_t job) override {
    if (*stop_) return Stopping();
    return s_->ListSignals(job);
  }
  Status ClearSignal(int64_t job, const std::string& kind, const std::string& name) override {
    return s_->ClearSignal(job, kind, name);
  }

 private:
  static Status Stopping() { return Status::Cancelled("engine stopping"); }
  Store* s_;
  const std::atomic<bool>* stop_;
};

}  // namespace

JobDrivers::JobDrivers(JobDriversOptions options) : opt_(std::move(options)) {}

JobDrivers::~JobDrivers() { Stop(); }

Status JobDrivers::Start() {
  auto probe = OpenPgStore(opt_.url, {.migrate = false});
  if (!probe.ok()) return probe.status();
  watcher_ = std::thread([this] { WatchLoop(); });
  return Status::Ok();
}

void JobDrivers::Stop() {
  stop_ = true;
  if (watcher_.joinable()) watcher_.join();
  std::map<int64_t, std::thread> drivers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    drivers.swap(drivers_);
  }
  for (auto& [job, t] : drivers) {
    if (t.joinable()) t.join();
  }
}

void JobDrivers::WatchLoop() {
  std::unique_ptr<PgStore> store;
  while (!stop_) {
    // Join the threads of jobs that ended.
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int64_t job : finished_) {
        auto it = drivers_.find(job);
        if (it != drivers_.end()) {
          it->second.join();
          drivers_.erase(it);
        }
      }
      finished_.clear();
    }
    if (!store) {
      auto s = OpenPgStore(opt_.url, {.migrate = false});
      if (!s.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(opt_.poll_ms));
        continue;
      }
      store = std::move(*s);
    }
    int64_t now = SystemClock()->NowMs();
    auto jobs = store->ListJobsPage(static_cast<int>(JobState::kRunning), "", 0, 1000);
    if (jobs.ok()) {
      for (const JobInfo& j : *jobs) {
        bool free = j.owner.empty() || j.owner_until_ms < now ||
                    (j.owner != opt_.owner && LocalOwnerDead(j.owner));
        if (!free || driving_ >= opt_.max_jobs) continue;
        std::lock_guard<std::mutex> lock(mu_);
        if (drivers_.count(j.id)) continue;
        ++driving_;
        drivers_[j.id] = std::thread([this, id = j.id] { Drive(id); });
      }
    } else {
      store.reset();  // reconnect next round
    }
    if (store) {
      auto w = store->WaitForWork(static_cast<int>(opt_.poll_ms));
      if (!w.ok()) store.reset();
    }
  }
}

void JobDrivers::Drive(int64_t job) {
  auto finish = [&] {
    --driving_;
    std::lock_guard<std::mutex> lock(mu_);
    finished_.insert(job);
  };
  // A database outage does not end the drive: store calls wait for the database and
  // the in-flight attempts keep running (docs/postgres.md, "Outages").
  PgStoreOptions po;
  po.migrate = false;
  po.keep_waiting = [this] { return !stop_.load(); };
  po.max_backoff_ms = std::min<int64_t>(2000, opt_.job_lease_ms / 4);
  po.on_outage = [this, job](const std::string& line) {
    if (opt_.log) opt_.log("job " + std::to_string(job) + ": " + line);
  };
  auto pg = OpenPgStore(opt_.url, po);
  if (!pg.ok()) return finish();
  StoppableStore store(pg->get(), &stop_);
  auto runner = DispatchRunner::Open(opt_.url, opt_.owner, job, SystemClock());
  if (!runner.ok()) return finish();
  PoolSet pools;
  SchedulerOptions so;
  so.owner = opt_.owner;
  so.lease_ms = opt_.job_lease_ms;
  so.trivial_ops = opt_.trivial_ops;
  so.owner_dead = LocalOwnerDead;
  // Absolute: attempts may run in other processes (workers), and operators such as
  // media.merge hand paths under the scratch dir to child programs.
  so.workdir = std::filesystem::absolute(opt_.workdir.empty() ? "." : opt_.workdir)
                   .lexically_normal()
                   .string();
  if (so.workdir.size() > 1 && so.workdir.back() == '/') so.workdir.pop_back();
  so.scratch_root = ScratchRootFor(opt_.url, so.workdir);  // one per database
  auto outcome = DriveJob(store, job, *opt_.registry, **runner, *SystemClock(), pools, so);
  if (stop_) {
    // Hand the job to another engine at once.
    (void)(*pg)->ReleaseJob(job, opt_.owner);
  } else if (outcome.ok() && opt_.on_job_end && *outcome != RunOutcome::kBlocked) {
    auto info = (*pg)->GetJob(job);
    opt_.on_job_end(job, *outcome, info.ok() ? info->error : "");
  }
  finish();
}

}  // namespace dandori::server
