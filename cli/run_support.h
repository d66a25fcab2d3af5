// Shared by the engine commands (cmd_run.cc, cmd_plan.cc, cmd_jobs.cc): opening the
// store, reading a workflow (.flow compiled in-process, or .flowc), parsing --param,
// registering the operator families this binary links, and driving a job with live
// progress and Ctrl-C handling. Header-only so the cmd_*.cc glob stays the only list.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "compiler/compile.h"
#include "compiler/report.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/progress.h"
#include "engine/sqlite_store.h"
#ifdef HAVE_DANDORI_PG_STORE
#include "engine/pg/open_store.h"
#include "engine/pg/pg_store.h"
#endif
#ifdef HAVE_DANDORI_CORE_OPS
#include "stdlib/core/core_ops.h"
#endif
#ifdef HAVE_DANDORI_MEDIA_OPS
#include "stdlib/media/media_ops.h"
#endif
#ifdef HAVE_DANDORI_STORAGE_OPS
#include "stdlib/storage/storage_ops.h"
#endif
#ifdef HAVE_DANDORI_FLEET_OPS
#include "stdlib/fleet/fleet_ops.h"
#endif

namespace dandori::cli {

inline const char* kDefaultStore = ".dandori/state.db";

inline int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kCorruption:
    case Code::kUnavailable:
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
      return kExitBadInput;
    default:
      return kExitFailed;
  }
}

inline int Fail(const std::string& cmd, const Status& st) {
  std::fprintf(stderr, "dandori %s: %s\n", cmd.c_str(), st.message().c_str());
  return ExitCodeFor(st);
}

// `path` is a SQLite file or (when built with the PostgreSQL store) a postgres:// URL.
// create = false: a missing SQLite file is kNotFound ("no jobs here yet"); a PostgreSQL
// database is migrated only when create is true (otherwise its schema must be current).
inline Result<std::unique_ptr<engine::Store>> OpenStore(const std::string& path, bool create) {
  std::string p = path.empty() ? kDefaultStore : path;
#ifdef HAVE_DANDORI_PG_STORE
  if (engine::IsPostgresUrl(p)) return engine::OpenStore(p, {.migrate = create});
#endif
  if (!create && !std::filesystem::exists(p)) {
    return Status::NotFound("no store at " + p + " (run a workflow here first, or pass --store)");
  }
  return engine::OpenSqliteStore(p, {.create = create, .busy_timeout_ms = 3000, .durable = true});
}

inline Result<v1::Table> LoadWorkflow(const std::string& path) {
  if (path.size() > 6 && path.substr(path.size() - 6) == ".flowc") {
    return engine::ReadTableFile(path);
  }
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  auto r = compiler::CompileFile(path, sm, diags);
  if (!r.ok()) return Status::Invalid(r.status().message());
  if (diags.has_errors()) {
    std::string report = compiler::RenderReport(diags, sm, compiler::ReportFormat::kText);
    std::fwrite(report.data(), 1, report.size(), stderr);
    return Status::Invalid(path + " has errors; nothing was run");
  }
  if (!r->table) return Status::Invalid(path + " declares no workflow");
  return *r->table;
}

inline Result<std::map<std::string, std::string>> ParseParams(
    const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : items) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Invalid("--param wants NAME=VALUE, got '" + kv + "'");
    }
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

inline void RegisterOperators(OperatorRegistry* r) {
#ifdef HAVE_DANDORI_CORE_OPS
  RegisterCoreOperators(r);
#endif
#ifdef HAVE_DANDORI_MEDIA_OPS
  RegisterMediaOperators(r);
#endif
#ifdef HAVE_DANDORI_STORAGE_OPS
  RegisterStorageOperators(r);
#endif
#ifdef HAVE_DANDORI_FLEET_OPS
  RegisterFleetOperators(r);
#endif
  (void)r;
}

inline Result<int64_t> ParseJobId(const std::string& text) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v <= 0) return Status::Invalid("bad job id '" + text + "'");
  return static_cast<int64_t>(v);
}

// Drives `job` of the store opened from `store_spec` (--store; empty: the default) with
// progress on stdout and Ctrl-C (SIGINT/SIGTERM) as a clean cancel. Scratch folders go
// under engine::ScratchRootFor(store_spec). Returns the exit code.
inline int DriveWithProgress(const std::string& cmd, engine::Store& store,
                             const std::string& store_spec, int64_t job) {
  OperatorRegistry registry;
  RegisterOperators(&registry);
  // Signals go to a watcher thread (blocked everywhere else, inherited by workers).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);  // ends the watcher
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  static std::atomic<engine::Scheduler*> current{nullptr};
  static std::atomic<int> interrupts{0};
  std::thread watcher([set, job] {
    int sig = 0;
    while (sigwait(&set, &sig) == 0) {
      if (sig == SIGUSR2) return;
      if (interrupts.fetch_add(1) > 0) {
        // Everything committed stays; running tasks are interrupted, not failed.
        std::fprintf(stderr, "dandori: stopped; job %lld is resumable: dandori resume %lld\n",
                     static_cast<long long>(job), static_cast<long long>(job));
        _exit(130);
      }
      std::fprintf(stderr, "\ndandori: cancelling (Ctrl-C again to quit at once)\n");
      if (auto* s = current.load()) s->RequestCancel();
    }
  });

  Clock& clock = *SystemClock();
  engine::ThreadRunner runner(&clock);
  engine::PoolSet pools;
  engine::SchedulerOptions opt;
  opt.owner = engine::LocalOwner();
  opt.owner_dead = engine::LocalOwnerDead;
  opt.wait_for_lease = [](const std::string& line) {
    std::fprintf(stderr, "dandori: %s\n", line.c_str());
  };
  opt.workdir = std::filesystem::current_path().string();
  opt.scratch_root =
      engine::ScratchRootFor(store_spec.empty() ? kDefaultStore : store_spec, opt.workdir);
  bool tty = isatty(STDOUT_FILENO);
  engine::ProgressView view(stdout, tty);
  int64_t t0 = MonotonicMs();
  engine::Scheduler* sched = nullptr;  // valid only inside DriveJob
  std::vector<engine::StageProgress> last;
  opt.on_progress = [&] {
    if (!sched) return;
    last = sched->Progress();
    view.Update(last, MonotonicMs() - t0, false);
  };
  opt.progress_every_ms = tty ? 100 : 500;
  auto r =
      engine::DriveJob(store, job, registry, runner, clock, pools, opt, [&](engine::Scheduler* s) {
        sched = s;
        current = s;
        if (interrupts.load() > 0) s->RequestCancel();
      });
  current = nullptr;
  sched = nullptr;
  if (!last.empty()) view.Update(last, MonotonicMs() - t0, true);
  pthread_kill(watcher.native_handle(), SIGUSR2);
  watcher.join();
  if (!r.ok()) return Fail(cmd, r.status());
  auto info = store.GetJob(job);
  if (*r == engine::RunOutcome::kSucceeded) {
    // Success is reported only once a fresh handle reads it back from the store.
    std::string spec = store_spec.empty() ? kDefaultStore : store_spec;
    auto again = OpenStore(spec, false);
    auto back = again.ok() ? (*again)->GetJob(job) : Result<engine::JobInfo>(again.status());
    if (!back.ok() || back->state != engine::JobState::kSucceeded) {
      std::fprintf(stderr,
                   "dandori %s: job %lld ended, but the store %s does not hold its final "
                   "state (%s); it cannot be trusted\n",
                   cmd.c_str(), static_cast<long long>(job), spec.c_str(),
                   back.ok() ? "it reads back as not succeeded" : back.status().ToString().c_str());
      return kExitBadInput;
    }
  }
  switch (*r) {
    case engine::RunOutcome::kSucceeded:
      std::printf("job %lld succeeded\n", static_cast<long long>(job));
      return kExitOk;
    case engine::RunOutcome::kCancelled:
      std::printf("job %lld cancelled\n", static_cast<long long>(job));
      return kExitFailed;
    default:
      std::printf("job %lld failed: %s\n", static_cast<long long>(job),
                  info.ok() ? info->error.c_str() : "");
      std::printf("  see: dandori events %lld; run again the failed tasks: dandori retry %lld\n",
                  static_cast<long long>(job), static_cast<long long>(job));
      return kExitFailed;
  }
}

}  // namespace dandori::cli
