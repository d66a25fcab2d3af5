// DriveWithProgress: see run_support.h.
#include "cli/run_support.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "cli/driver.h"
#include "cli/job_view.h"
#include "engine/job_runner.h"
#include "engine/plan.h"
#include "engine/progress.h"

namespace dandori::cli {
namespace {

// SIGINT / SIGTERM go to one watcher thread: they are blocked in every other thread
// (workers inherit the mask), so the first one cancels the scheduler cleanly and the
// second ends the process at once (exit 130), leaving the job resumable. SIGUSR2 ends
// the watcher.
class InterruptWatcher {
 public:
  explicit InterruptWatcher(int64_t job) : job_(job) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] { Watch(); });
  }
  ~InterruptWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
  }

  // The scheduler to cancel (null: none yet or any more). A Ctrl-C that came before
  // the scheduler existed cancels it as soon as it is set.
  void Watch(engine::Scheduler* s) {
    current_.store(s);
    if (s && interrupts_.load() > 0) s->RequestCancel();
  }

 private:
  void Watch() {
    int sig = 0;
    while (sigwait(&set_, &sig) == 0) {
      if (sig == SIGUSR2) return;
      if (interrupts_.fetch_add(1) > 0) {
        // Everything committed stays; running tasks are interrupted, not failed.
        auto id = static_cast<long long>(job_);
        std::fprintf(stderr, "dandori: stopped; job %lld is resumable: dandori resume %lld\n", id,
                     id);
        _exit(130);
      }
      std::fprintf(stderr, "\ndandori: cancelling (Ctrl-C again to quit at once)\n");
      if (auto* s = current_.load()) s->RequestCancel();
    }
  }

  int64_t job_;
  sigset_t set_;
  std::atomic<engine::Scheduler*> current_{nullptr};
  std::atomic<int> interrupts_{0};
  std::thread thread_;
};

engine::SchedulerOptions LocalOptions(const std::string& store_spec, bool tty) {
  engine::SchedulerOptions opt;
  opt.owner = engine::LocalOwner();
  opt.owner_dead = engine::LocalOwnerDead;
  opt.wait_for_lease = [](const std::string& line) {
    std::fprintf(stderr, "dandori: %s\n", line.c_str());
  };
  opt.workdir = std::filesystem::current_path().string();
  opt.scratch_root =
      engine::ScratchRootFor(store_spec.empty() ? kDefaultStore : store_spec, opt.workdir);
  opt.progress_every_ms = tty ? 100 : 500;
  return opt;
}

// Success is reported only once a fresh store handle reads it back (a store truncated
// or replaced under the run cannot be trusted: exit 2).
bool ReadsBackSucceeded(const std::string& cmd, const std::string& store_spec, int64_t job) {
  auto again = OpenStoreArg(store_spec, false);
  auto back = again.ok() ? (*again)->GetJob(job) : Result<engine::JobInfo>(again.status());
  if (back.ok() && back->state == engine::JobState::kSucceeded) return true;
  std::string spec = store_spec.empty() ? kDefaultStore : store_spec;
  std::fprintf(stderr,
               "dandori %s: job %lld ended, but the store %s does not hold its final "
               "state (%s); it cannot be trusted\n",
               cmd.c_str(), static_cast<long long>(job), spec.c_str(),
               back.ok() ? "it reads back as not succeeded" : back.status().ToString().c_str());
  return false;
}

int FinalLine(engine::Store& store, int64_t job, engine::RunOutcome outcome) {
  auto st = engine::GetStatus(store, job);
  if (st.ok()) return PrintEnd(st->job, &st->failed);
  auto id = static_cast<long long>(job);
  std::printf("job %lld %s (its final state cannot be read: %s)\n", id,
              outcome == engine::RunOutcome::kSucceeded ? "succeeded" : "ended",
              st.status().ToString().c_str());
  return outcome == engine::RunOutcome::kSucceeded ? kExitOk : kExitFailed;
}

}  // namespace

// What `plan` knows before the run: tasks per state (0 where a list is only known while
// running), so the display's totals do not grow as blocks open.
std::vector<int64_t> PlannedTotals(const engine::Scheduler& s, const OperatorRegistry& registry,
                                   const std::string& workdir) {
  std::vector<int64_t> out(s.program().states.size(), 0);
  auto plan = engine::MakePlan(s.program(), s.params(), &registry, workdir);
  if (!plan.ok()) return out;
  std::vector<const engine::PlanNode*> todo = {&*plan};
  while (!todo.empty()) {
    const engine::PlanNode* n = todo.back();
    todo.pop_back();
    if (n->kind == "stage" && !n->unknown && n->state >= 0 &&
        static_cast<size_t>(n->state) < out.size()) {
      out[static_cast<size_t>(n->state)] = n->instances;
    }
    for (const engine::PlanNode& c : n->children) todo.push_back(&c);
  }
  return out;
}

int DriveWithProgress(const std::string& cmd, engine::Store& store, const std::string& store_spec,
                      int64_t job) {
  OperatorRegistry registry;
  RegisterOperators(&registry);
  InterruptWatcher interrupts(job);
  Clock& clock = *SystemClock();
  engine::ThreadRunner runner(&clock);
  engine::PoolSet pools;
  bool tty = isatty(STDOUT_FILENO);
  engine::SchedulerOptions opt = LocalOptions(store_spec, tty);
  std::string approve = fmt::format("dandori approve {}", job);
  if (!store_spec.empty() && store_spec != kDefaultStore) approve += " --store " + store_spec;
  engine::ProgressView view(stdout, tty, approve);
  int64_t t0 = MonotonicMs();
  engine::Scheduler* sched = nullptr;  // valid only inside DriveJob
  engine::ProgressSnapshot last;
  bool shown = false;
  opt.on_progress = [&] {
    if (!sched) return;
    last = {sched->Progress(), sched->WaitingGates(), MonotonicMs() - t0, sched->Branches()};
    shown = true;
    view.Update(last, false);
  };
  const std::string workdir = opt.workdir;
  auto r =
      engine::DriveJob(store, job, registry, runner, clock, pools, opt, [&](engine::Scheduler* s) {
        s->SetPlannedTotals(PlannedTotals(*s, registry, workdir));
        sched = s;
        interrupts.Watch(s);
      });
  interrupts.Watch(nullptr);
  sched = nullptr;
  if (shown) {
    last.gates.clear();
    last.branches.clear();  // as of the last redraw; the stage lines have the end
    last.elapsed_ms = MonotonicMs() - t0;
    view.Update(last, true);
  }
  if (!r.ok()) {
    // The engine stops only when it cannot go on with the store (a full disk, a lost
    // database): nothing committed is lost, and the job resumes once that is fixed.
    auto id = static_cast<long long>(job);
    std::fprintf(stderr,
                 "dandori %s: the store %s failed: %s\n"
                 "  job %lld is resumable once that is fixed: dandori resume %lld --store %s\n",
                 cmd.c_str(), store_spec.c_str(), r.status().message().c_str(), id, id,
                 store_spec.c_str());
    return kExitBadInput;
  }
  if (*r == engine::RunOutcome::kSucceeded && !ReadsBackSucceeded(cmd, store_spec, job)) {
    return kExitBadInput;
  }
  return FinalLine(store, job, *r);
}

}  // namespace dandori::cli
