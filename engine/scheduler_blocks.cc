// Instances and blocks: dependencies inside a body, `when`, gates, foreach / fanout /
// rolling / group runs with their parallel pools, waves and failure budgets, the
// top level and its handlers, and the expression scope of an instance.
#include <cmath>
#include <cstdlib>

#include "engine/block_rules.h"
#include "engine/retry.h"
#include "engine/scheduler_impl.h"

namespace dandori::engine {
namespace {

constexpr size_t kMaxItems = 1'000'000;

// Answers OP_PARAM / OP_VAR / OP_STAGE / OP_STAGE_ALL / OP_ENV / OP_ERROR for an instance.
class InstScope final : public EvalScope {
 public:
  InstScope(Scheduler::Impl* m, Inst* inst) : m_(m), inst_(inst) {}

  Result<Value> Param(int i) override {
    const auto& rec = m_->params.record();
    if (i < 0 || i >= static_cast<int>(rec.size())) return Status::Invalid("bad parameter index");
    return rec[i].second;
  }
  Result<Value> Var(int b) override {
    for (Inst* in = inst_; in; in = in->parent) {
      if (in->block == b) return in->var;
    }
    return Status::Invalid("loop variable of " + Name(b) + " read outside its loop");
  }
  Result<Value> Stage(int s) override {
    if (!Valid(s)) return Status::Invalid("bad stage index");
    const ProgramState& ps = m_->prog->states[s];
    for (Inst* in = inst_; in; in = in->parent) {
      if (in->block != ps.parent) continue;
      const Slot& slot = in->slots[ps.slot];
      if (slot.st == SlotState::kOk || slot.st == SlotState::kSkipped) return slot.output;
      return Status::Invalid("stage " + ps.name + " has no output yet");
    }
    return Status::Invalid("stage " + ps.name + " is not visible here");
  }
  Result<Value> StageAll(int s) override {
    if (!Valid(s)) return Status::Invalid("bad stage index");
    const ProgramState& ps = m_->prog->states[s];
    std::vector<int> chain;  // blocks from the stage's parent outwards
    for (int b = ps.parent; b >= 0; b = m_->prog->states[b].parent) chain.push_back(b);
    for (Inst* in = inst_; in; in = in->parent) {
      auto pos = std::find(chain.begin(), chain.end(), in->block);
      if (in->block != -1 && pos == chain.end()) continue;
      Value::List out;
      size_t depth = in->block == -1 ? chain.size() : static_cast<size_t>(pos - chain.begin());
      Collect(in, chain, depth, ps, &out);
      return Value::MakeList(std::move(out));
    }
    return Status::Invalid("stage " + ps.name + "[*] is not visible here");
  }
  Result<Value> Env(std::string_view name) override {
    const char* v = std::getenv(std::string(name).c_str());
    return v ? Value::String(v) : Value();
  }
  Result<Value> Error() override { return m_->ErrorRecord(); }

 private:
  bool Valid(int s) const { return s >= 0 && s < static_cast<int>(m_->prog->states.size()); }
  std::string Name(int b) const { return Valid(b) ? m_->prog->states[b].name : "?"; }

  // `in` is an instance of chain[depth] (or the top level when depth == chain.size()).
  void Collect(Inst* in, const std::vector<int>& chain, size_t depth, const ProgramState& ps,
               Value::List* out) {
    if (depth == 0) {
      const Slot& slot = in->slots[ps.slot];
      if (slot.st == SlotState::kOk) out->push_back(slot.output);
      return;
    }
    int child = chain[depth - 1];
    const Slot& slot = in->slots[m_->prog->states[child].slot];
    if (!slot.block) return;
    const BlockRun& run = *slot.block;
    if (m_->prog->states[child].block.kind() == v1::GROUP) {
      if (!run.insts.empty() && run.insts.back())
        Collect(run.insts.back().get(), chain, depth - 1, ps, out);
      return;
    }
    for (const auto& sub : run.insts) {
      if (sub) Collect(sub.get(), chain, depth - 1, ps, out);
    }
  }

  Scheduler::Impl* m_;
  Inst* inst_;
};

}  // namespace

Result<Value> Scheduler::Impl::Eval(const FlatCode& code, Inst* inst, const std::string& what,
                                    int state) {
  if (code.empty()) return Status::Invalid("no expression");
  InstScope scope(this, inst);
  auto v = Evaluate(code, prog->consts, scope);
  if (!v.ok()) {
    const ProgramState& ps = prog->states[state];
    return Status::Permanent(StateWhere(ps) + ": " + what + " `" + code.source +
                             "`: " + v.status().message());
  }
  return v;
}

Value Scheduler::Impl::ErrorRecord() const {
  if (failure.ok()) return Value();
  // A task's failure reads "LOC: stage NAME (OP): CLASS: message"; the record keeps
  // the operator's own message (loc, stage and class are fields of their own).
  std::string message = failure.message();
  for (const ProgramState& ps : prog->states) {
    if (ps.kind != v1::TASK || ps.name != failure_stage) continue;
    std::string prefix = StateWhere(ps) + ": " + std::string(CodeName(failure.code())) + ": ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    break;
  }
  return Value::MakeRecord({{"message", Value::String(message)},
                            {"class", Value::String(std::string(CodeName(failure.code())))},
                            {"stage", Value::String(failure_stage)},
                            {"loc", Value::String(failure_loc)}});
}

std::unique_ptr<Inst> Scheduler::Impl::MakeInst(Inst* parent, BlockRun* run, int block, int item,
                                                Value var, std::string path) {
  auto in = std::make_unique<Inst>();
  in->parent = parent;
  in->run = run;
  in->block = block;
  in->item = item;
  in->var = std::move(var);
  in->path = std::move(path);
  const auto& body = prog->Body(block);
  in->slots.resize(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    in->slots[i].deps_left = static_cast<int>(prog->states[body[i]].deps.size());
  }
  in->exits_left = prog->ExitJoins(block);
  return in;
}

// Enters a body: its entries (the BEGIN's ok transitions) become ready.
void Scheduler::Impl::StartInst(Inst* inst) {
  for (int slot : prog->Entries(inst->block)) MakeReady(inst, slot);
  CheckInst(inst);
}

// Starts are queued, not made in place, so a long chain of states that finish at once
// (a resume, inline operators) runs in a loop instead of recursing.
void Scheduler::Impl::MakeReady(Inst* inst, int slot) { ready.emplace_back(inst, slot); }

void Scheduler::Impl::RunReady() {
  while (!ready.empty()) {
    auto [inst, slot] = ready.front();
    ready.pop_front();
    if (inst->slots[slot].st == SlotState::kPending) TryStart(inst, slot);
  }
}

void Scheduler::Impl::TryStart(Inst* inst, int slot) {
  if (inst->failed || inst->cancelled || cancelling) return;
  int idx = prog->Body(inst->block)[slot];
  const ProgramState& ps = prog->states[idx];
  inst->slots[slot].st = SlotState::kActive;
  inst->active += 1;
  if (!ps.when.empty()) {
    auto w = Eval(ps.when, inst, "condition", idx);
    if (w.ok() && w->kind() != Value::Kind::kBool) {
      w = Status::Permanent(StateWhere(ps) + ": condition is not a bool");
    }
    if (!w.ok()) {
      SlotDone(inst, slot, SlotState::kFailed, Value(), w.status(), ps.name, ps.loc);
      return;
    }
    if (!w->as_bool()) {
      SlotDone(inst, slot, SlotState::kSkipped, Value());
      return;
    }
  }
  switch (ps.kind) {
    case v1::TASK:
      StartTask(inst, slot);
      return;
    case v1::GATE: {
      if (approved.count(ps.name)) {
        SlotDone(inst, slot, SlotState::kOk, Value());
        return;
      }
      std::string text;
      if (!ps.message.empty()) {
        auto msg = Eval(ps.message, inst, "message", idx);
        text = msg.ok() ? msg->ToString() : msg.status().message();
      }
      AddEvent("gate.waiting", ps.name + inst->path, 0, text);
      gates.emplace_back(inst, slot);
      return;
    }
    case v1::BLOCK_BEGIN:
      StartBlock(inst, slot);
      return;
    default:
      SlotDone(inst, slot, SlotState::kOk, Value());
      return;
  }
}

void Scheduler::Impl::SlotDone(Inst* inst, int slot, SlotState st, Value output, Status error,
                               const std::string& stage, const std::string& loc) {
  Slot& s = inst->slots[slot];
  int idx = prog->Body(inst->block)[slot];
  if (s.st == SlotState::kActive) inst->active -= 1;
  if (s.st == SlotState::kOk || s.st == SlotState::kFailed || s.st == SlotState::kSkipped ||
      s.st == SlotState::kCancelled) {
    return;  // already terminal
  }
  s.st = st;
  s.task.reset();
  // `stage` and `loc` may live in the block run being ended: free it on return.
  std::unique_ptr<BlockRun> ended;
  if (s.block && !retain[idx]) ended = std::move(s.block);
  if (prog->states[idx].kind == v1::TASK) {
    if (st == SlotState::kOk || st == SlotState::kSkipped) progress[idx].done += 1;
    if (st == SlotState::kFailed) progress[idx].failed += 1;
    s.output = std::move(output);
  }
  const ProgramState& ps = prog->states[idx];
  if (st == SlotState::kOk || st == SlotState::kSkipped) {
    for (int d : ps.dependents) {
      if (--inst->slots[d].deps_left == 0 && inst->slots[d].st == SlotState::kPending) {
        MakeReady(inst, d);
      }
    }
    if (ps.exits) inst->exits_left -= 1;
  } else if (st == SlotState::kFailed && !inst->failed) {
    inst->failed = true;
    inst->fail_to = error.code() == Code::kTimeout ? ps.timeout_to : ps.fail_to;
    inst->error = std::move(error);
    inst->error_stage = stage;
    inst->error_loc = loc;
  } else if (st == SlotState::kCancelled) {
    inst->cancelled = true;
  }
  CheckInst(inst);
}

void Scheduler::Impl::CheckInst(Inst* inst) {
  if (inst->done) return;
  if (inst->exits_left == 0 ||
      (inst->active == 0 && (inst->failed || inst->cancelled || cancelling))) {
    inst->done = true;
    finished_insts.push_back(inst);
  }
}

void Scheduler::Impl::ProcessFinished() {
  while (true) {
    RunReady();  // before an instance is freed: its queued slots see it failed
    if (finished_insts.empty()) break;
    Inst* in = finished_insts.front();
    finished_insts.pop_front();
    InstDone(in);
  }
}

void Scheduler::Impl::CancelInst(Inst* inst) {
  inst->cancelled = true;
  for (size_t i = 0; i < inst->slots.size(); ++i) {
    Slot& s = inst->slots[i];
    if (s.st != SlotState::kActive) continue;
    if (s.task) {
      TaskRun* t = s.task.get();
      if (t->running) {
        t->link->cancel.Cancel();  // its completion comes back as cancelled
      } else {
        EndAttempt(t, Status::Cancelled("cancelled before it ran"));
      }
    } else if (s.block) {
      BlockRun* run = s.block.get();
      run->aborted = true;
      for (auto& sub : run->insts) {
        if (sub && !sub->done) CancelInst(sub.get());
      }
      Pump(run);
    } else if (prog->states[prog->Body(inst->block)[i]].kind == v1::GATE) {
      SlotDone(inst, static_cast<int>(i), SlotState::kCancelled, Value());
    }
  }
  CheckInst(inst);
}

void Scheduler::Impl::StartBlock(Inst* inst, int slot) {
  int idx = prog->Body(inst->block)[slot];
  const ProgramState& ps = prog->states[idx];
  auto run = std::make_unique<BlockRun>();
  run->state = idx;
  run->owner = inst;
  run->retain = retain[idx];
  const v1::Block& b = ps.block;
  if (b.kind() == v1::GROUP) {
    run->items.push_back(Value());
  } else {
    auto items = Eval(ps.items, inst, "items", idx);
    if (items.ok() && items->kind() != Value::Kind::kList) {
      items = Status::Permanent(StateWhere(ps) + ": items are not a list");
    }
    if (items.ok() && items->list().size() > kMaxItems) {
      items = Status::Permanent(StateWhere(ps) + ": " + std::to_string(items->list().size()) +
                                " items is over the limit of " + std::to_string(kMaxItems));
    }
    if (!items.ok()) {
      SlotDone(inst, slot, SlotState::kFailed, Value(), items.status(), ps.name, ps.loc);
      return;
    }
    run->items = items->list();
  }
  int64_t n = static_cast<int64_t>(run->items.size());
  // Every block has a failure budget (0 unless `tolerate` says more). A fan-out's
  // branches are isolated: a failed branch never stops the others, but the block fails
  // at its end when more branches failed than it tolerates.
  run->has_budget = true;
  run->budget = FailureBudget(b, n);
  int parallel = b.kind() == v1::GROUP ? 1 : b.parallel();
  run->parallel = std::make_unique<Pool>(ps.name + inst->path, parallel);
  for (int s : ps.body) {
    if (prog->states[s].kind == v1::TASK) progress[s].total += n;
  }
  BlockRun* raw = run.get();
  inst->slots[slot].block = std::move(run);
  Pump(raw);
}

void Scheduler::Impl::Pump(BlockRun* run) {
  const ProgramState& ps = prog->states[run->state];
  const v1::Block& b = ps.block;
  Inst* owner = run->owner;
  bool stop = run->aborted || cancelling || owner->cancelled;
  if (!stop && b.kind() == v1::GROUP) {
    if (run->running == 0 && run->insts.empty()) {
      run->parallel->TryAcquire();
      run->running = 1;
      run->insts.push_back(MakeInst(owner, run, run->state, 0, Value(), owner->path + "/0"));
      StartInst(run->insts.back().get());
    }
  } else if (!stop) {
    size_t n = run->items.size();
    while (run->next < n) {
      if (b.kind() == v1::ROLLING && run->next >= run->wave_end) {
        if (run->running > 0) break;
        int64_t size = WaveSize(b, static_cast<int64_t>(n));
        run->wave_end = std::min(n, run->next + static_cast<size_t>(size));
        run->wave += 1;
        AddEvent("wave.started", ps.name + owner->path, run->wave,
                 "items " + std::to_string(run->next + 1) + ".." + std::to_string(run->wave_end) +
                     " of " + std::to_string(n));
      }
      if (!run->parallel->TryAcquire()) break;
      size_t i = run->next++;
      run->running += 1;
      run->insts.push_back(MakeInst(owner, run, run->state, static_cast<int>(i), run->items[i],
                                    owner->path + "/" + std::to_string(i)));
      StartInst(run->insts.back().get());
    }
  }
  bool waiting_retry = run->timer_id != 0;
  if (run->running > 0 || waiting_retry) return;
  bool all = b.kind() == v1::GROUP ? !run->insts.empty() : run->next >= run->items.size();
  if (!all && !stop) return;
  int slot = ps.slot;
  if (b.kind() == v1::GROUP) {
    Inst* last = run->insts.empty() ? nullptr : run->insts.back().get();
    if (run->failed > 0 && last == nullptr) {
      SlotDone(owner, slot, SlotState::kFailed, Value(), run->error, run->error_stage,
               run->error_loc);
    } else if (run->failed > 0 && run->ok == 0) {
      SlotDone(owner, slot, SlotState::kFailed, Value(), run->error, run->error_stage,
               run->error_loc);
    } else if (run->ok > 0) {
      SlotDone(owner, slot, SlotState::kOk, Value());
    } else {
      SlotDone(owner, slot, SlotState::kCancelled, Value());
    }
    return;
  }
  bool over = run->has_budget && run->failed > run->budget;
  if (over) {
    std::string msg = std::to_string(run->failed) + " of " + std::to_string(run->items.size()) +
                      " items failed (" + std::to_string(run->budget) +
                      " tolerated); first: " + run->error_stage + ": " + run->error.message();
    SlotDone(owner, slot, SlotState::kFailed, Value(), Status(run->error.code(), msg),
             run->error_stage, run->error_loc);
  } else if (!all) {
    SlotDone(owner, slot, SlotState::kCancelled, Value());
  } else {
    SlotDone(owner, slot, SlotState::kOk, Value());
  }
}

void Scheduler::Impl::InstDone(Inst* inst) {
  if (inst == root.get()) return TopDone(inst);
  if (inst == handler.get()) {
    // A handler's END says where it goes: ok to SUCCEED (on success) or FAIL (on
    // failure); failed to the failure handler (from on success) or FAIL.
    const ProgramState& hs = prog->states[inst->block];
    bool success_handler = inst->block == prog->on_success;
    if (inst->failed) AddEvent("handler.failed", hs.name, 0, inst->error.message());
    if (cancelling) return Finish(RunOutcome::kCancelled);
    if (!inst->failed) {
      return Finish(hs.end_ok == prog->succeed ? RunOutcome::kSucceeded : RunOutcome::kFailed);
    }
    if (success_handler) {
      failure = inst->error;
      failure_stage = inst->error_stage;
      failure_loc = inst->error_loc;
      failure_message = FailureText(inst->error_stage, inst->error_loc, inst->error);
    }
    int to = inst->error.code() == Code::kTimeout ? hs.timeout_to : hs.fail_to;
    if (to >= 0 && to == prog->on_failure && inst->block != prog->on_failure) {
      return StartHandler(prog->on_failure);
    }
    return Finish(RunOutcome::kFailed);
  }
  BlockRun* run = inst->run;
  const ProgramState& ps = prog->states[run->state];
  run->running -= 1;
  run->parallel->Release();
  if (inst->failed) {
    run->failed += 1;
    if (run->error.ok()) {
      run->error = inst->error;
      run->error_stage = inst->error_stage;
      run->error_loc = inst->error_loc;
    }
  } else if (!inst->cancelled) {
    run->ok += 1;
  }
  if (ps.block.kind() == v1::GROUP && inst->failed && !cancelling && !run->owner->cancelled &&
      Retryable(ps.policy, inst->error.code()) &&
      static_cast<int>(run->insts.size()) < MaxAttempts(ps.policy)) {
    int64_t delay = BackoffMs(ps.policy, static_cast<int>(run->insts.size()), rng);
    run->timer_id = next_id++;
    blocks_waiting[run->timer_id] = run;
    timers.push({clock->NowMs() + delay, TimerKind::kGroupRetry, run->timer_id});
    AddEvent(
        "group.retrying", ps.name + run->owner->path, static_cast<int>(run->insts.size()),
        inst->error_stage + ": " + inst->error.message() + "; again in " + FormatDuration(delay));
    return;
  }
  if (ps.block.kind() == v1::GROUP && inst->failed) {
    run->ok = 0;  // the last attempt decides
  }
  if (run->has_budget && run->failed > run->budget && ps.block.kind() != v1::FANOUT) {
    run->aborted = true;
  }
  if (!run->retain && ps.block.kind() != v1::GROUP) run->insts[inst->item].reset();
  Pump(run);
}

void Scheduler::Impl::GroupRetry(uint64_t id) {
  auto it = blocks_waiting.find(id);
  if (it == blocks_waiting.end()) return;
  BlockRun* run = it->second;
  blocks_waiting.erase(it);
  run->timer_id = 0;
  if (cancelling || run->owner->cancelled) {
    Pump(run);
    return;
  }
  Inst* owner = run->owner;
  int attempt = static_cast<int>(run->insts.size());
  run->running = 1;
  run->failed = 0;
  run->parallel->TryAcquire();
  run->insts.push_back(MakeInst(owner, run, run->state, attempt, Value(),
                                owner->path + "/" + std::to_string(attempt)));
  StartInst(run->insts.back().get());
}

void Scheduler::Impl::StartHandler(int block) {
  if (block == prog->on_failure) {
    AddEvent("handler.started", prog->states[block].name, 0, failure_message);
  }
  if (handler) retired.push_back(std::move(handler));  // InstDone may still be reading it
  handler = MakeInst(root.get(), nullptr, block, 0, Value(), "");
  for (int s : prog->states[block].body) {
    if (prog->states[s].kind == v1::TASK) progress[s].total += 1;
  }
  StartInst(handler.get());
}

// The top level: a failure goes where its transition says (the failure handler or
// FAIL); the sinks' exit is the success handler or SUCCEED.
void Scheduler::Impl::TopDone(Inst* inst) {
  if (inst->failed) {
    if (failure.ok()) {
      failure = inst->error;
      failure_stage = inst->error_stage;
      failure_loc = inst->error_loc;
      failure_message = FailureText(inst->error_stage, inst->error_loc, inst->error);
    }
    int to = inst->fail_to >= 0 ? inst->fail_to : prog->top_fail_to;
    if (to >= 0 && to == prog->on_failure && !cancelling) return StartHandler(to);
    return Finish(cancelling ? RunOutcome::kCancelled : RunOutcome::kFailed);
  }
  if (inst->cancelled || cancelling) return Finish(RunOutcome::kCancelled);
  if (prog->top_exit >= 0 && prog->top_exit == prog->on_success)
    return StartHandler(prog->top_exit);
  Finish(RunOutcome::kSucceeded);
}

}  // namespace dandori::engine
