#include "engine/job_runner.h"

#include <algorithm>
#include <thread>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "engine/loader.h"
#include "proto/value_codec.h"

namespace dandori::engine {

Result<JobInfo> SubmitJob(Store& store, const v1::Table& table, const Value& params,
                          const std::string& key, const std::string& workdir, Clock& clock,
                          bool* created) {
  JobSpec spec;
  spec.workflow = table.workflow();
  spec.table = table.SerializeAsString();
  spec.params = EncodeValue(params);
  spec.key = key;
  spec.workdir = workdir;
  return store.CreateJob(spec, clock.NowMs(), created);
}

std::string ScratchRootFor(const std::string& store, const std::string& workdir) {
  namespace fs = std::filesystem;
  auto scheme = store.find("://");
  if (scheme == std::string::npos) {
    fs::path file = fs::absolute(store).lexically_normal();
    return (file.parent_path() / "scratch" / file.stem()).string();
  }
  // The URL without its user and password, hashed (FNV-1a: stable across processes).
  std::string where = store.substr(scheme + 3);
  auto at = where.find('@');
  if (at != std::string::npos && at < where.find('/')) where = where.substr(at + 1);
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : where) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  fs::path dir = fs::absolute(workdir.empty() ? "." : workdir) / ".dandori" / "scratch" /
                 (store.substr(0, scheme) + "-" + hex);
  return dir.lexically_normal().string();
}

static std::string HostName() {
  char buf[256] = {0};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

std::string LocalOwner() {
  static const std::string owner =
      HostName() + ":" + std::to_string(getpid()) + ":" + std::to_string(SystemClock()->NowMs());
  return owner;
}

bool LocalOwnerDead(const std::string& owner) {
  auto a = owner.find(':');
  auto b = owner.find(':', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  if (owner.substr(0, a) != HostName()) return false;
  pid_t pid = static_cast<pid_t>(std::atoll(owner.substr(a + 1, b - a - 1).c_str()));
  if (pid <= 0) return false;
  if (pid == getpid()) return owner != LocalOwner();
  return kill(pid, 0) != 0 && errno == ESRCH;
}

// Waits while another live engine holds the job's lease (it may be running it, or may
// have died on another host: then the lease runs out).
static Status WaitForLease(Store& store, int64_t job, Clock& clock,
                           const SchedulerOptions& options) {
  bool said = false;
  while (true) {
    auto info = store.GetJob(job);
    if (!info.ok()) return info.status();
    int64_t left = info->owner_until_ms - clock.NowMs();
    if (info->owner.empty() || info->owner == options.owner || left < 0 ||
        LocalOwnerDead(info->owner)) {
      return Status::Ok();
    }
    if (!said) {
      options.wait_for_lease("job " + std::to_string(job) + " is held by " + info->owner +
                             " (its lease ends in " + FormatDuration(left) +
                             " unless renewed); waiting for it");
      said = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(left + 1, 500)));
  }
}

Result<PreparedJob> PrepareJob(Store& store, int64_t job, const OperatorRegistry& registry,
                               Runner& runner, Clock& clock, PoolSet& pools,
                               SchedulerOptions options) {
  if (options.wait_for_lease) DANDORI_RETURN_IF_ERROR(WaitForLease(store, job, clock, options));
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  PreparedJob out;
  switch (info->state) {
    case JobState::kSucceeded:
      out.ended = RunOutcome::kSucceeded;
      return out;
    case JobState::kFailed:
      out.ended = RunOutcome::kFailed;
      return out;
    case JobState::kCancelled:
      out.ended = RunOutcome::kCancelled;
      return out;
    case JobState::kRunning:
      break;
  }
  auto program = LoadTableBytes(info->table, &registry);
  if (!program.ok()) return program.status();
  auto params = DecodeValue(info->params);
  if (!params.ok()) return params.status();
  if (!info->owner.empty() && info->owner != options.owner && LocalOwnerDead(info->owner)) {
    // The previous engine on this host died: take the job over now.
    DANDORI_RETURN_IF_ERROR(store.AcquireJob(job, options.owner, clock.NowMs(),
                                             clock.NowMs() + options.lease_ms, true));
  }
  if (options.workdir == "." && !info->workdir.empty()) options.workdir = info->workdir;
  out.scheduler = std::make_unique<Scheduler>(*program, &store, &runner, &clock, &pools, job,
                                              *params, std::move(options));
  DANDORI_RETURN_IF_ERROR(out.scheduler->Load());
  return out;
}

Result<RunOutcome> DriveJob(Store& store, int64_t job, const OperatorRegistry& registry,
                            Runner& runner, Clock& clock, PoolSet& pools, SchedulerOptions options,
                            const std::function<void(Scheduler*)>& started) {
  auto prepared = PrepareJob(store, job, registry, runner, clock, pools, std::move(options));
  if (!prepared.ok()) return prepared.status();
  if (!prepared->scheduler) return prepared->ended;
  if (started) started(prepared->scheduler.get());
  return prepared->scheduler->Run();
}

Result<int> ResetFailedTasks(Store& store, int64_t job, Clock& clock, const std::string& who) {
  auto info = store.GetJob(job);
  if (!info.ok()) return info.status();
  auto rows = store.LoadTasks(job);
  if (!rows.ok()) return rows.status();
  Batch b;
  int n = 0;
  for (TaskRow r : *rows) {
    if (r.state != TaskState::kFailed && r.state != TaskState::kCancelled) continue;
    r.state = TaskState::kReady;
    r.attempts = 0;
    r.not_before_ms = 0;
    r.owner.clear();
    r.lease_until_ms = 0;
    r.error.clear();
    r.error_class = Code::kOk;
    r.updated_ms = clock.NowMs();
    b.Put(job, std::move(r));
    ++n;
  }
  b.SetJobState(job, JobState::kRunning, clock.NowMs());
  b.AddEvent({0, job, clock.NowMs(), who, "job.retry", "", 0,
              std::to_string(n) + " failed or cancelled tasks will run again"});
  DANDORI_RETURN_IF_ERROR(store.ClearSignal(job, "cancel", ""));
  DANDORI_RETURN_IF_ERROR(store.Commit(b, nullptr));
  return n;
}

}  // namespace dandori::engine
