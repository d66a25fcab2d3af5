// JobDrivers: see job_drivers.h.
#include "server/job_drivers.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "engine/job_runner.h"
#include "engine/pg/pg_pool.h"
#include "engine/pg/pg_store.h"
#include "server/dispatch.h"
#include "server/dispatch_sql.h"

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
  Result<std::vector<LogChunk>> ListLogs(int64_t job, const std::string& task, int attempt,
                                         int64_t since_ms) override {
    return s_->ListLogs(job, task, attempt, since_ms);
  }

 private:
  static Status Stopping() { return Status::Cancelled("engine stopping"); }
  Store* s_;
  const std::atomic<bool>* stop_;
};

}  // namespace

// One driven job. Touched by one driver thread at a time (the one stepping it: it is
// `running`, and in no queue); the flags are guarded by the drivers' mu_.
struct JobDrivers::Job {
  int64_t id = 0;
  std::unique_ptr<PgStore> pg;
  std::unique_ptr<StoppableStore> store;
  std::unique_ptr<JobRunner> runner;
  PoolSet pools;
  std::unique_ptr<Scheduler> scheduler;  // null until prepared
  int64_t wake_at = 0;                   // step again by then (clock ms)
  bool queued = false;                   // in ready_
  bool running = false;                  // a driver thread steps it now
  bool again = false;                    // made ready while running: queue after the step
};

JobDrivers::JobDrivers(JobDriversOptions options) : opt_(std::move(options)) {}

JobDrivers::~JobDrivers() {
  Stop();
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status JobDrivers::Start() {
  if (!opt_.pool) {  // a pool given: its owner checked the database
    auto probe = OpenPgStore(opt_.url, {.migrate = false});
    if (!probe.ok()) return probe.status();
  }
  pool_ = opt_.pool ? opt_.pool : std::make_shared<pg::ConnPool>(opt_.url, opt_.threads + 1);
  dispatch_ = std::make_unique<Dispatcher>(opt_.owner, SystemClock(),
                                           [this](int64_t job) { MarkReady(job); });
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  for (int i = 0; i < std::max(1, opt_.threads); ++i) {
    drivers_.emplace_back([this] { DriverLoop(); });
  }
  loop_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void JobDrivers::Stop() {
  if (stop_.exchange(true)) return;
  WakeLoop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_cv_.notify_all();
  }
  if (loop_.joinable()) loop_.join();
  for (auto& t : drivers_) t.join();
  drivers_.clear();
  if (!dispatch_) return;
  // Hand the jobs to another engine at once, and forget their queued attempts.
  std::map<int64_t, std::unique_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs.swap(jobs_);
  }
  for (auto& [id, j] : jobs) {
    if (j->pg) (void)j->pg->ReleaseJob(id, opt_.owner);
    dispatch_->Forget(id);
  }
  auto lease = pool_->Acquire();
  if (!lease->Broken()) (void)dispatch_->ForgetNow(*lease.get());
  driving_ = 0;
}

void JobDrivers::WakeLoop() {
  if (wake_fd_ < 0) return;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void JobDrivers::MarkReady(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) MarkReadyLocked(it->second.get());
}

void JobDrivers::MarkReadyLocked(Job* j) {
  if (j->running) {
    j->again = true;
  } else if (!j->queued) {
    j->queued = true;
    ready_.push_back(j->id);
    ready_cv_.notify_one();
  }
}

Status JobDrivers::Watch() {
  auto lease = pool_->Acquire();
  if (lease->Broken()) DANDORI_RETURN_IF_ERROR(lease->Reset());
  int64_t now = SystemClock()->NowMs();
  int room;
  {
    std::lock_guard<std::mutex> lock(mu_);
    room = opt_.max_jobs - static_cast<int>(jobs_.size());
  }
  if (room <= 0) return Status::Ok();
  // Free jobs are taken (their leases written) at once; the rest of kFreeJobs are held by
  // other owners, taken only when that owner is a dead process of this host.
  auto taken = lease->Run(
      sql::kTakeJobs,
      pg::Params().Text(opt_.owner).Int(now).Int(std::min(room, 10'000)).Int(opt_.job_lease_ms));
  if (!taken.ok()) return taken.status();
  auto r = lease->Run(sql::kFreeJobs, pg::Params().Text(opt_.owner).Int(now).Int(10'000));
  lease.Release();
  if (!r.ok()) return r.status();
  std::set<int64_t> held;
  for (int i = 0; i < taken->rows(); ++i) held.insert(taken->Int(i, 0));
  std::vector<std::pair<int64_t, std::string>> found;  // id, owner ("" : free)
  for (int64_t id : held) found.push_back({id, ""});
  for (int i = 0; i < r->rows(); ++i) {
    if (!held.count(r->Int(i, 0))) found.push_back({r->Int(i, 0), r->Bytes(i, 1)});
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < found.size(); ++i) {
    int64_t id = found[i].first;
    const std::string& owner = found[i].second;
    bool free = owner.empty() || (owner != opt_.owner && LocalOwnerDead(owner));
    if (!free || jobs_.count(id) || static_cast<int>(jobs_.size()) >= opt_.max_jobs) continue;
    auto j = std::make_unique<Job>();
    j->id = id;
    // A database outage does not end the drive: store calls wait for the database and
    // the in-flight attempts keep running (docs/postgres.md, "Outages").
    PgStoreOptions po;
    po.migrate = false;
    po.keep_waiting = [this] { return !stop_.load(); };
    po.max_backoff_ms = std::min<int64_t>(2000, opt_.job_lease_ms / 4);
    po.on_outage = [this, id](const std::string& line) {
      if (opt_.log) opt_.log("job " + std::to_string(id) + ": " + line);
    };
    if (held.count(id)) {
      po.held_job = id;
      po.held_owner = opt_.owner;
      po.held_until_ms = now + opt_.job_lease_ms;
    }
    j->pg = OpenPooledPgStore(pool_, po);
    j->store = std::make_unique<StoppableStore>(j->pg.get(), &stop_);
    j->runner = std::make_unique<JobRunner>(dispatch_.get(), id);
    Job* raw = j.get();
    jobs_[id] = std::move(j);
    ++driving_;
    MarkReadyLocked(raw);
  }
  return Status::Ok();
}

void JobDrivers::DriverLoop() {
  while (true) {
    Job* j = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_cv_.wait(lock, [&] { return stop_.load() || !ready_.empty(); });
      if (stop_) return;
      int64_t id = ready_.front();
      ready_.pop_front();
      auto it = jobs_.find(id);
      if (it == jobs_.end()) continue;
      j = it->second.get();
      j->queued = false;
      j->running = true;
    }
    StepJob(j);
  }
}

void JobDrivers::StepJob(Job* j) {
  if (!j->scheduler) {
    SchedulerOptions so;
    so.owner = opt_.owner;
    so.lease_ms = opt_.job_lease_ms;
    so.max_interruptions = opt_.max_interruptions;
    so.trivial_ops = opt_.trivial_ops;
    so.owner_dead = LocalOwnerDead;
    // Absolute: attempts may run in other processes (workers), and operators such as
    // media.merge hand paths under the scratch dir to child programs.
    so.workdir = std::filesystem::absolute(opt_.workdir.empty() ? "." : opt_.workdir)
                     .lexically_normal()
                     .string();
    if (so.workdir.size() > 1 && so.workdir.back() == '/') so.workdir.pop_back();
    so.scratch_root =
        opt_.scratch_root.empty()
            ? ScratchRootFor(opt_.url, so.workdir)  // one per database
            : std::filesystem::absolute(opt_.scratch_root).lexically_normal().string();
    auto prepared =
        PrepareJob(*j->store, j->id, *opt_.registry, *j->runner, *SystemClock(), j->pools, so);
    if (!prepared.ok()) return EndJob(j->id, prepared.status());
    if (!prepared->scheduler) return EndJob(j->id, prepared->ended);
    j->scheduler = std::move(prepared->scheduler);
  }
  int64_t wake_at = 0;
  auto r = j->scheduler->Step(j->runner->Take(), &wake_at);
  if (!r.ok()) return EndJob(j->id, r.status());
  if (r->has_value()) return EndJob(j->id, **r);
  {
    std::lock_guard<std::mutex> lock(mu_);
    j->running = false;
    j->wake_at = wake_at;
    if (j->again) {
      j->again = false;
      MarkReadyLocked(j);
    }
  }
  WakeLoop();  // launches to queue, a new wake-up time
}

void JobDrivers::EndJob(int64_t id, const Result<RunOutcome>& outcome) {
  std::unique_ptr<Job> j;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    j = std::move(it->second);
    jobs_.erase(it);
  }
  if (stop_) {
    (void)j->pg->ReleaseJob(id, opt_.owner);  // hand the job to another engine at once
  } else if (outcome.ok() && opt_.on_job_end && *outcome != RunOutcome::kBlocked) {
    auto info = j->pg->GetJob(id);
    opt_.on_job_end(id, *outcome, info.ok() ? info->error : "");
  }
  dispatch_->Forget(id);
  j.reset();
  --driving_;
  WakeLoop();
}

void JobDrivers::Loop() {
  std::unique_ptr<pg::Conn> listen;
  int64_t listen_backoff_ms = 0, next_listen_try = 0;
  int64_t sync_pause_ms = 0, next_sync = 0;
  int64_t next_watch = 0, next_collect = 0, last_watch = 0;
  bool watch = true, new_job = false, collect = true;
  Clock* clock = SystemClock();
  while (!stop_) {
    int64_t now = clock->NowMs();
    if ((!listen || listen->Broken()) && now >= next_listen_try) {
      auto l = pg::Conn::Open(opt_.url);
      if (l.ok() && (*l)->Exec("LISTEN dandori_work").ok() &&
          (*l)->Exec("LISTEN dandori_job").ok() && (*l)->Exec("LISTEN dandori_done").ok()) {
        listen = std::move(*l);
        listen_backoff_ms = 0;
        watch = collect = true;  // notifications may have been missed
      } else {
        listen.reset();
        listen_backoff_ms =
            listen_backoff_ms == 0 ? 100 : std::min<int64_t>(listen_backoff_ms * 2, 2000);
        next_listen_try = now + listen_backoff_ms;
      }
    }
    // New jobs: at once on NOTIFY dandori_job (a job was created), on NOTIFY dandori_work
    // at most every 10 ms (every commit that makes work due sends one), or every poll_ms.
    if (new_job || (watch && now >= last_watch + 10) || now >= next_watch) {
      watch = new_job = false;
      last_watch = now;
      next_watch = now + opt_.poll_ms;
      (void)Watch();  // the database is gone: the next poll tries again
    }
    if ((dispatch_->has_pending() || dispatch_->has_remote()) && now >= next_sync) {
      bool c = collect || now >= next_collect;
      auto lease = pool_->Acquire();
      Status st = lease->Broken() ? lease->Reset() : Status::Ok();
      if (st.ok()) st = dispatch_->Sync(*lease.get(), c);
      lease.Release();
      if (st.ok()) {
        sync_pause_ms = 0;
        if (c) {
          collect = false;
          next_collect = now + 100;  // results also come by NOTIFY dandori_done
        }
      } else {
        // The database is unreachable: queued and finished attempts wait in it, what
        // could not be queued yet stays pending; try again after a pause (to 1 s).
        sync_pause_ms = sync_pause_ms == 0 ? 50 : std::min<int64_t>(sync_pause_ms * 2, 1000);
        next_sync = now + sync_pause_ms;
      }
    }
    // Jobs whose timers are due; the earliest of the rest bounds the wait.
    now = clock->NowMs();
    int64_t until = now + 1000;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, j] : jobs_) {
        if (j->queued || j->running) continue;
        if (j->wake_at <= now) {
          MarkReadyLocked(j.get());
        } else {
          until = std::min(until, j->wake_at);
        }
      }
    }
    until = std::min(until, watch ? last_watch + 10 : next_watch);
    if (new_job) until = now;
    if (dispatch_->has_remote()) until = std::min(until, next_collect);
    if (dispatch_->has_pending()) until = std::min(until, std::max(now, next_sync));
    if (!listen) until = std::min(until, next_listen_try);
    int wait = static_cast<int>(std::max<int64_t>(0, until - now));
    if (!listen) {
      // No LISTEN connection: sleep on the wake-up eventfd alone.
      pollfd pfd{wake_fd_, POLLIN, 0};
      if (poll(&pfd, 1, wait) > 0) {
        uint64_t n;
        while (read(wake_fd_, &n, sizeof n) > 0) {
        }
      }
      continue;
    }
    std::vector<std::string> channels;
    if (!listen->WaitNotify(wait, wake_fd_, &channels).ok()) continue;
    for (const auto& ch : channels) {
      if (ch == "dandori_work") watch = true;
      if (ch == "dandori_job") new_job = true;
      if (ch == "dandori_done") collect = true;
    }
  }
}

}  // namespace dandori::server
