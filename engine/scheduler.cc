// The scheduler's loop: completions -> decisions -> one commit -> launches.
#include <climits>

#include "engine/loader_bind.h"
#include "engine/scheduler_impl.h"

namespace dandori::engine {

std::string_view RunOutcomeName(RunOutcome o) {
  switch (o) {
    case RunOutcome::kSucceeded:
      return "succeeded";
    case RunOutcome::kFailed:
      return "failed";
    case RunOutcome::kCancelled:
      return "cancelled";
    case RunOutcome::kBlocked:
      return "blocked";
  }
  return "?";
}

namespace {

// Marks every block under which some expression reads `name[*]`: their finished
// instances are kept; others are freed as soon as they end.
std::vector<bool> RetainedBlocks(const Program& p) {
  std::vector<bool> keep(p.states.size(), false);
  auto scan = [&](const FlatCode& c) {
    for (const FlatInstr& in : c.code) {
      if (in.op != v1::OP_STAGE_ALL || in.a < 0 || in.a >= static_cast<int>(p.states.size())) {
        continue;
      }
      for (int b = p.states[in.a].parent; b >= 0; b = p.states[b].parent) keep[b] = true;
    }
  };
  for (const ProgramState& s : p.states) {
    scan(s.when);
    scan(s.args);
    scan(s.items);
    scan(s.message);
  }
  return keep;
}

}  // namespace

Scheduler::Scheduler(std::shared_ptr<const Program> program, Store* store, Runner* runner,
                     Clock* clock, PoolSet* pools, int64_t job, Value params,
                     SchedulerOptions options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.prog = std::move(program);
  m.store = store;
  m.runner = runner;
  m.clock = clock;
  m.pools = pools;
  m.job = job;
  m.params = std::move(params);
  if (auto bound = BindPolicies(m.prog, m.params); bound.ok()) {
    m.prog = std::move(*bound);
  } else {
    m.bind_failure = bound.status();
  }
  m.opt = std::move(options);
  m.rng.seed(m.opt.seed ? m.opt.seed : std::random_device{}());
  m.retain = RetainedBlocks(*m.prog);
  m.progress.resize(m.prog->states.size());
  for (const ProgramState& s : m.prog->states) {
    m.progress[s.index].state = s.index;
    m.progress[s.index].name = s.name;
  }
}

Scheduler::~Scheduler() = default;

Status Scheduler::Load() {
  auto rows = impl_->store->LoadTasks(impl_->job);
  if (!rows.ok()) return rows.status();
  for (TaskRow& r : *rows) {
    std::string key = r.key;
    impl_->stored.emplace(std::move(key), std::move(r));
  }
  return Status::Ok();
}

Result<RunOutcome> Scheduler::Run() { return impl_->Run(); }

void Scheduler::RequestCancel() {
  impl_->signals.cancel_requested = true;
  impl_->runner->Wake();
}

std::vector<StageProgress> Scheduler::Progress() const {
  std::vector<StageProgress> out;
  for (const StageProgress& p : impl_->progress) {
    if (impl_->prog->states[p.state].kind != v1::TASK) continue;
    out.push_back(p);
    const auto& planned = impl_->planned_totals;
    if (static_cast<size_t>(p.state) < planned.size()) {
      out.back().total = std::max(p.total, planned[static_cast<size_t>(p.state)]);
    }
  }
  return out;
}

std::vector<WaitingGate> Scheduler::WaitingGates() const {
  std::vector<WaitingGate> out;
  for (const Signals::Gate& g : impl_->signals.gates) {
    const ProgramState& ps = impl_->prog->states[impl_->prog->Body(g.inst->block)[g.slot]];
    out.push_back({ps.name, ps.name + g.inst->path, g.text});
  }
  return out;
}

namespace {

// Appends the branches of the outermost fan-outs at or below `inst`.
void CollectBranches(const Inst* inst, std::vector<BranchProgress>* out) {
  for (const Slot& s : inst->slots) {
    if (!s.block) continue;
    if (!s.block->branches.empty()) {
      out->insert(out->end(), s.block->branches.begin(), s.block->branches.end());
      continue;
    }
    for (const auto& child : s.block->insts) {
      if (child) CollectBranches(child.get(), out);
    }
  }
}

}  // namespace

std::vector<BranchProgress> Scheduler::Branches() const {
  std::vector<BranchProgress> out;
  if (impl_->root) CollectBranches(impl_->root.get(), &out);
  return out;
}

void Scheduler::SetPlannedTotals(std::vector<int64_t> planned) {
  impl_->planned_totals = std::move(planned);
}

const Program& Scheduler::program() const { return *impl_->prog; }
const Value& Scheduler::params() const { return impl_->params; }

const std::string& Scheduler::failure_message() const { return impl_->end.message; }

void Scheduler::Impl::AddEvent(const std::string& what, const std::string& task, int attempt,
                               const std::string& detail) {
  turn.batch.AddEvent({0, job, clock->NowMs(), opt.owner, what, task, attempt, detail});
}

Status Scheduler::Impl::Begin() {
  if (started) return PollSignals();  // running again after kBlocked
  started = true;
  Status lease =
      store->AcquireJob(job, opt.owner, clock->NowMs(), clock->NowMs() + opt.lease_ms, false);
  if (!lease.ok()) return lease;
  next_lease_renewal = clock->NowMs() + opt.lease_ms / 3;
  AddEvent(stored.empty() ? "job.started" : "job.resumed", "", 0, opt.owner);
  DANDORI_RETURN_IF_ERROR(PollSignals());
  if (!bind_failure.ok()) {  // the job fails at its start; nothing ran
    end.SetFailure(bind_failure, "", "");
    Finish(RunOutcome::kFailed);
    return Status::Ok();
  }
  int64_t wf_timeout = prog->table.policy().timeout_ms();
  if (wf_timeout > 0) timers.Push(clock->NowMs() + wf_timeout, TimerKind::kWorkflowTimeout, 0);
  root = MakeInst(nullptr, nullptr, -1, 0, Value(), "");
  for (int s : prog->top) {
    if (prog->states[s].kind == v1::TASK) progress[s].total += 1;
  }
  StartInst(root.get());
  return Status::Ok();
}

Result<RunOutcome> Scheduler::Impl::Run() {
  DANDORI_RETURN_IF_ERROR(Begin());
  while (true) {
    int64_t deadline = 0;
    auto r = TurnOnce(&deadline);
    if (!r.ok()) return r.status();
    if (r->has_value()) return **r;
    for (Completion& c : runner->Wait(deadline)) OnCompletion(std::move(c));
  }
}

Result<std::optional<RunOutcome>> Scheduler::Step(std::vector<Completion> done, int64_t* wake_at) {
  Impl& m = *impl_;
  if (!m.stepping) {
    m.stepping = true;
    DANDORI_RETURN_IF_ERROR(m.Begin());
  }
  for (Completion& c : done) m.OnCompletion(std::move(c));
  auto r = m.TurnOnce(wake_at);
  if (r.ok() && r->has_value()) m.stepping = false;  // a later Step begins a new run
  return r;
}

Result<std::optional<RunOutcome>> Scheduler::Impl::TurnOnce(int64_t* wake_at) {
  if (signals.cancel_requested && !signals.cancelling) BeginCancel();
  ProcessFinished();
  FireTimers();
  ProcessFinished();
  int64_t now = clock->NowMs();
  if (now >= signals.next_poll) DANDORI_RETURN_IF_ERROR(PollSignals());
  ProcessFinished();
  if (now >= next_lease_renewal) {
    DANDORI_RETURN_IF_ERROR(store->AcquireJob(job, opt.owner, now, now + opt.lease_ms, false));
    next_lease_renewal = now + opt.lease_ms / 3;
  }
  DANDORI_RETURN_IF_ERROR(CommitAndLaunch());
  if (opt.on_progress && (end.finished || clock->NowMs() >= next_progress)) {
    opt.on_progress();
    next_progress = clock->NowMs() + opt.progress_every_ms;
  }
  if (end.finished) {
    (void)store->ReleaseJob(job, opt.owner);
    return std::optional<RunOutcome>(end.outcome);
  }
  int64_t deadline = timers.NextAt();
  bool idle =
      runner->outstanding() == 0 && timers.empty() && turn.finished.empty() && turn.ready.empty();
  if (idle) {
    if (opt.return_when_blocked) return std::optional<RunOutcome>(RunOutcome::kBlocked);
    if (signals.gates.empty() && !signals.cancel_requested) {
      return Status::Internal("scheduler stalled with nothing to run (a bug)");
    }
  }
  if (!signals.gates.empty() || runner->outstanding() > 0) {
    deadline = std::min(deadline, signals.next_poll);
  }
  *wake_at = std::min(deadline, next_lease_renewal);
  return std::optional<RunOutcome>();
}

Status Scheduler::Impl::CommitAndLaunch() {
  if (!turn.batch.empty()) {
    std::vector<bool> accepted;
    Status st = store->Commit(turn.batch, &accepted);
    if (!st.ok()) return st;
    for (bool ok : accepted) {
      if (!ok) {
        return Status::FailedPrecondition("another engine took over job " + std::to_string(job) +
                                          " (a fencing token was refused); this engine stops");
      }
    }
    turn.batch.Clear();
  }
  std::vector<Launch> launches;
  launches.swap(turn.launches);
  for (Launch& l : launches) runner->Start(std::move(l));
  return Status::Ok();
}

void Scheduler::Impl::FireTimers() {
  while (std::optional<Timer> due = timers.PopDue(clock->NowMs())) {
    const Timer& tm = *due;
    switch (tm.kind) {
      case TimerKind::kTaskDue:
        TaskDue(tm.id);
        break;
      case TimerKind::kTimeout:
      case TimerKind::kHeartbeat:
        AttemptTimer(tm);
        break;
      case TimerKind::kGroupRetry:
        GroupRetry(tm.id);
        break;
      case TimerKind::kBlockTimeout:
        BlockTimeout(tm.id);
        break;
      case TimerKind::kWorkflowTimeout:
        if (!end.finished && !handler) {
          end.failure = Status::Timeout("the workflow ran past its timeout of " +
                                        FormatDuration(prog->table.policy().timeout_ms()));
          end.message = end.failure.message();
          root->failed = true;
          if (root->error.ok()) root->error = end.failure;
          CancelInst(root.get());
        }
        break;
    }
  }
}

Status Scheduler::Impl::PollSignals() {
  signals.next_poll = clock->NowMs() + opt.signal_poll_ms;
  auto sig = store->ListSignals(job);
  if (!sig.ok()) return sig.status();
  for (const Signal& s : *sig) {
    if (s.kind == "cancel") signals.cancel_requested = true;
    if (s.kind == "approve") signals.approved.insert(s.name);
  }
  if (signals.cancel_requested && !signals.cancelling) BeginCancel();
  std::vector<Signals::Gate> still;
  for (const Signals::Gate& g : signals.gates) {
    Inst* inst = g.inst;
    int slot = g.slot;
    const ProgramState& ps = prog->states[prog->Body(inst->block)[slot]];
    if (inst->slots[slot].st != SlotState::kActive) continue;
    if (signals.approved.count(ps.name)) {
      AddEvent("gate.passed", ps.name + inst->path, 0, "");
      SlotDone(inst, slot, SlotState::kOk, Value());
    } else {
      still.push_back(g);
    }
  }
  signals.gates.swap(still);
  return Status::Ok();
}

void Scheduler::Impl::BeginCancel() {
  signals.cancelling = true;
  AddEvent("job.cancelling", "", 0, "");
  if (handler) CancelInst(handler.get());
  if (root) CancelInst(root.get());
}

void Scheduler::Impl::Finish(RunOutcome o) {
  end.finished = true;
  end.outcome = o;
  JobState js = o == RunOutcome::kSucceeded   ? JobState::kSucceeded
                : o == RunOutcome::kCancelled ? JobState::kCancelled
                                              : JobState::kFailed;
  turn.batch.SetJobState(job, js, clock->NowMs(), o == RunOutcome::kFailed ? end.message : "");
  AddEvent(std::string("job.") + std::string(JobStateName(js)), "", 0,
           o == RunOutcome::kFailed ? end.message : "");
}

}  // namespace dandori::engine
