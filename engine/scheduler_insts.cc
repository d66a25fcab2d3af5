// Instances: one body (the top level, a handler, one item or attempt of a block) with
// its slots: dependencies and exits, `when`, gates, failure and cancellation inside the
// body; and how the top level and the handlers end the job.
#include "engine/scheduler_impl.h"
#include "engine/task_label.h"

namespace dandori::engine {

std::unique_ptr<Inst> Scheduler::Impl::MakeInst(Inst* parent, BlockRun* run, int block, int item,
                                                Value var, std::string path) {
  auto in = std::make_unique<Inst>();
  in->parent = parent;
  in->run = run;
  in->block = block;
  in->item = item;
  in->var = std::move(var);
  in->path = std::move(path);
  in->label = parent ? parent->label : std::string();
  if (block >= 0 && !prog->states[block].block.var().empty()) {
    AppendLoopLabel(prog->states[block].block.var(), in->var, item, &in->label);
  }
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
void Scheduler::Impl::MakeReady(Inst* inst, int slot) { turn.ready.emplace_back(inst, slot); }

void Scheduler::Impl::RunReady() {
  while (!turn.ready.empty()) {
    auto [inst, slot] = turn.ready.front();
    turn.ready.pop_front();
    if (inst->slots[slot].st == SlotState::kPending) TryStart(inst, slot);
  }
}

void Scheduler::Impl::TryStart(Inst* inst, int slot) {
  if (inst->failed || inst->cancelled || signals.cancelling) return;
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
      if (signals.approved.count(ps.name)) {
        SlotDone(inst, slot, SlotState::kOk, Value());
        return;
      }
      std::string text;
      if (!ps.message.empty()) {
        auto msg = Eval(ps.message, inst, "message", idx);
        text = msg.ok() ? msg->ToString() : msg.status().message();
      }
      AddEvent("gate.waiting", ps.name + inst->path, 0, text);
      signals.gates.push_back({inst, slot, text});
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
  if (s.block && s.block->timeout_id != 0) {
    live.blocks_timing.erase(s.block->timeout_id);  // a timer that fires later finds nothing
    s.block->timeout_id = 0;
  }
  if (s.block && !retain[idx]) ended = std::move(s.block);
  if (prog->states[idx].kind == v1::TASK) {
    if (st == SlotState::kOk || st == SlotState::kSkipped) progress[idx].done += 1;
    if (st == SlotState::kFailed) progress[idx].failed += 1;
    CountBranch(inst, st == SlotState::kOk || st == SlotState::kSkipped, 0,
                st == SlotState::kFailed);
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
      (inst->active == 0 && (inst->failed || inst->cancelled || signals.cancelling))) {
    inst->done = true;
    turn.finished.push_back(inst);
  }
}

void Scheduler::Impl::ProcessFinished() {
  while (true) {
    RunReady();  // before an instance is freed: its queued slots see it failed
    if (turn.finished.empty()) break;
    Inst* in = turn.finished.front();
    turn.finished.pop_front();
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

void Scheduler::Impl::InstDone(Inst* inst) {
  if (inst == root.get()) return TopDone(inst);
  if (inst == handler.get()) return HandlerDone(inst);
  BlockBodyDone(inst);
}

void Scheduler::Impl::HandlerDone(Inst* inst) {
  // A handler's END says where it goes: ok to SUCCEED (on success) or FAIL (on
  // failure); failed to the failure handler (from on success) or FAIL.
  const ProgramState& hs = prog->states[inst->block];
  bool success_handler = inst->block == prog->on_success;
  if (inst->failed) AddEvent("handler.failed", hs.name, 0, inst->error.message());
  if (signals.cancelling) return Finish(RunOutcome::kCancelled);
  if (!inst->failed) {
    return Finish(hs.end_ok == prog->succeed ? RunOutcome::kSucceeded : RunOutcome::kFailed);
  }
  if (success_handler) {
    end.SetFailure(inst->error, inst->error_stage, inst->error_loc);
  }
  int to = inst->error.code() == Code::kTimeout ? hs.timeout_to : hs.fail_to;
  if (to >= 0 && to == prog->on_failure && inst->block != prog->on_failure) {
    return StartHandler(prog->on_failure);
  }
  return Finish(RunOutcome::kFailed);
}

void Scheduler::Impl::StartHandler(int block) {
  if (block == prog->on_failure) {
    AddEvent("handler.started", prog->states[block].name, 0, end.message);
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
    if (end.failure.ok()) end.SetFailure(inst->error, inst->error_stage, inst->error_loc);
    int to = inst->fail_to >= 0 ? inst->fail_to : prog->top_fail_to;
    if (to >= 0 && to == prog->on_failure && !signals.cancelling) return StartHandler(to);
    return Finish(signals.cancelling ? RunOutcome::kCancelled : RunOutcome::kFailed);
  }
  if (inst->cancelled || signals.cancelling) return Finish(RunOutcome::kCancelled);
  if (prog->top_exit >= 0 && prog->top_exit == prog->on_success)
    return StartHandler(prog->top_exit);
  Finish(RunOutcome::kSucceeded);
}

}  // namespace dandori::engine
