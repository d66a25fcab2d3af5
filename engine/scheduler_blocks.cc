// Block runs: foreach / fanout / rolling / group over their items (or attempts), with
// their parallel pools, waves, sliding windows and capacity floors (RollingLimit),
// failure budgets and group retries.
#include "engine/block_rules.h"
#include "engine/retry.h"
#include "engine/scheduler_impl.h"
#include "engine/task_label.h"
#include "proto/block_kind.h"

namespace dandori::engine {
namespace {

constexpr size_t kMaxItems = 1'000'000;

// " (attempt 2 of 3)" for a group, " (4 of 10 items done, 1 failed)" for a loop.
std::string BlockProgress(const BlockRun& run, v1::BlockKind kind) {
  if (kind == v1::GROUP) {
    return " (in attempt " + std::to_string(run.insts.size()) + ")";
  }
  return " (" + std::to_string(run.ok) + " of " + std::to_string(run.items.size()) +
         " items done, " + std::to_string(run.failed) + " failed)";
}

}  // namespace

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
  run->limit = RollingLimit(b, n);
  for (int s : ps.body) {
    if (prog->states[s].kind == v1::TASK) progress[s].total += n;
  }
  if (b.kind() == v1::FANOUT) {
    run->branches.resize(run->items.size());
    for (size_t i = 0; i < run->items.size(); ++i) {
      run->branches[i].block = b.var();
      run->branches[i].item = ItemLabel(run->items[i], static_cast<int>(i));
    }
  }
  BlockRun* raw = run.get();
  raw->started_ms = clock->NowMs();
  if (int64_t limit = ps.policy.timeout_ms(); limit > 0) {
    // The block's whole time, every attempt and item inside it, its retry waits too.
    raw->timeout_id = live.next_id++;
    live.blocks_timing[raw->timeout_id] = raw;
    timers.Push(raw->started_ms + limit, TimerKind::kBlockTimeout, raw->timeout_id);
  }
  inst->slots[slot].block = std::move(run);
  Pump(raw);
}

void Scheduler::Impl::Pump(BlockRun* run) {
  const ProgramState& ps = prog->states[run->state];
  const v1::Block& b = ps.block;
  Inst* owner = run->owner;
  bool stop = run->aborted || signals.cancelling || owner->cancelled;
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
      if (b.kind() == v1::ROLLING && !IsWindow(b) && run->next >= run->wave_end) {
        if (run->running > 0) break;
        int64_t size = WaveSize(b, static_cast<int64_t>(n));
        run->wave_end = std::min(n, run->next + static_cast<size_t>(size));
        run->wave += 1;
        AddEvent("wave.started", ps.name + owner->path, run->wave,
                 "items " + std::to_string(run->next + 1) + ".." + std::to_string(run->wave_end) +
                     " of " + std::to_string(n));
      }
      if (b.kind() == v1::ROLLING && !run->limit.MayStart()) break;
      if (!run->parallel->TryAcquire()) break;
      if (b.kind() == v1::ROLLING) run->limit.Started();
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
  int slot = ps.slot;
  if (!all && !stop && b.kind() == v1::ROLLING && run->limit.Stuck()) {
    // The capacity floor holds the rest back for good: fail, naming the rule.
    std::string msg = StateWhere(ps) + ": " + run->limit.Why() + "; " +
                      std::to_string(run->items.size() - run->next) + " items not started";
    if (run->failed > 0)
      msg += "; first failure: " + run->error_stage + ": " + run->error.message();
    AddEvent("capacity.floor", ps.name + owner->path, 0, run->limit.Why());
    SlotDone(owner, slot, SlotState::kFailed, Value(),
             Status(run->failed > 0 ? run->error.code() : Code::kPermanent, msg),
             run->failed > 0 ? run->error_stage : ps.name,
             run->failed > 0 ? run->error_loc : ps.loc);
    return;
  }
  if (!all && !stop) return;
  if (run->timed_out) {
    std::string msg = StateWhere(ps) + ": " + v1::BlockKindWord(b.kind()) + " " + ps.name +
                      " ran past its timeout of " + FormatDuration(ps.policy.timeout_ms()) +
                      BlockProgress(*run, b.kind());
    if (!run->error.ok())
      msg += "; first failure: " + run->error_stage + ": " + run->error.message();
    SlotDone(owner, slot, SlotState::kFailed, Value(), Status::Timeout(msg), ps.name, ps.loc);
    return;
  }
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
  bool over = run->has_budget && run->failed - run->absorbed > run->budget;
  if (over) {
    std::string msg = std::to_string(run->failed) + " of " + std::to_string(run->items.size()) +
                      " items failed (" + std::to_string(run->budget + run->absorbed) +
                      " tolerated); first: " + run->error_name + ": " + run->error.message();
    SlotDone(owner, slot, SlotState::kFailed, Value(), Status(run->error.code(), msg),
             run->error_stage, run->error_loc);
  } else if (!all) {
    SlotDone(owner, slot, SlotState::kCancelled, Value());
  } else {
    SlotDone(owner, slot, SlotState::kOk, Value());
  }
}

void Scheduler::Impl::BlockBodyDone(Inst* inst) {
  BlockRun* run = inst->run;
  const ProgramState& ps = prog->states[run->state];
  run->running -= 1;
  run->parallel->Release();
  if (ps.block.kind() == v1::ROLLING) {
    if (inst->failed || inst->cancelled) {
      run->limit.Failed();
    } else {
      run->limit.Succeeded();
    }
  }
  if (static_cast<size_t>(inst->item) < run->branches.size()) {
    run->branches[static_cast<size_t>(inst->item)].ended = true;
    run->branches[static_cast<size_t>(inst->item)].item_failed = inst->failed;
  }
  if (inst->failed) {
    run->failed += 1;
    if (run->error.ok()) {
      run->error = inst->error;
      run->error_stage = inst->error_stage;
      run->error_loc = inst->error_loc;
      run->error_name = TaskLabel(inst->error_stage, inst->label);
    }
  } else if (!inst->cancelled) {
    run->ok += 1;
  }
  if (ps.block.kind() == v1::GROUP && inst->failed && !signals.cancelling &&
      !run->owner->cancelled && !run->timed_out && Retryable(ps.policy, inst->error.code()) &&
      static_cast<int>(run->insts.size()) < MaxAttempts(ps.policy)) {
    int64_t delay = BackoffMs(ps.policy, static_cast<int>(run->insts.size()), rng);
    run->timer_id = live.next_id++;
    live.blocks_waiting[run->timer_id] = run;
    timers.Push(clock->NowMs() + delay, TimerKind::kGroupRetry, run->timer_id);
    AddEvent(
        "group.retrying", ps.name + run->owner->path, static_cast<int>(run->insts.size()),
        inst->error_stage + ": " + inst->error.message() + "; again in " + FormatDuration(delay));
    return;
  }
  if (ps.block.kind() == v1::GROUP && inst->failed) {
    run->ok = 0;  // the last attempt decides
  }
  if (inst->failed && ps.block.kind() != v1::GROUP) TolerateItem(run, inst);
  if (run->has_budget && run->failed - run->absorbed > run->budget &&
      ps.block.kind() != v1::FANOUT) {
    run->aborted = true;
  }
  if (!run->retain && ps.block.kind() != v1::GROUP) run->insts[inst->item].reset();
  Pump(run);
}

// A failed item within the failure budget: the block's own `tolerate`, else one of
// the workflow's (`} { tolerate N }`, a run-wide count), so a fan-out's failure stays
// the item's and the block goes on. Either way it is reported, by name (item.tolerated).
void Scheduler::Impl::TolerateItem(BlockRun* run, Inst* inst) {
  const ProgramState& ps = prog->states[run->state];
  std::string what = TaskLabel(inst->error_stage, inst->label) + ": " + inst->error.message();
  if (run->failed - run->absorbed <= run->budget) {
    AddEvent("item.tolerated", ps.name + run->owner->path, run->failed,
             what + " (" + std::to_string(run->failed - run->absorbed) + " of " +
                 std::to_string(run->budget) + " tolerated by " + ps.name + ")");
    return;
  }
  int64_t run_budget = prog->table.policy().tolerate();
  if (run_tolerated >= run_budget || signals.cancelling || run->timed_out) return;
  run_tolerated += 1;
  run->absorbed += 1;
  AddEvent("item.tolerated", ps.name + run->owner->path, run->failed,
           what + " (" + std::to_string(run_tolerated) + " of " + std::to_string(run_budget) +
               " tolerated by the workflow)");
}

void Scheduler::Impl::BlockTimeout(uint64_t id) {
  auto it = live.blocks_timing.find(id);
  if (it == live.blocks_timing.end()) return;
  BlockRun* run = it->second;
  live.blocks_timing.erase(it);
  run->timeout_id = 0;
  if (run->owner->cancelled || signals.cancelling) return;  // already stopping
  const ProgramState& ps = prog->states[run->state];
  run->timed_out = true;
  run->aborted = true;
  AddEvent("block.timed_out", ps.name + run->owner->path, static_cast<int>(run->insts.size()),
           "ran past its timeout of " + FormatDuration(ps.policy.timeout_ms()));
  if (run->timer_id != 0) {  // a group waiting to retry: no further attempt
    live.blocks_waiting.erase(run->timer_id);
    run->timer_id = 0;
  }
  for (auto& sub : run->insts) {
    if (sub && !sub->done) CancelInst(sub.get());
  }
  Pump(run);
}

void Scheduler::Impl::GroupRetry(uint64_t id) {
  auto it = live.blocks_waiting.find(id);
  if (it == live.blocks_waiting.end()) return;
  BlockRun* run = it->second;
  live.blocks_waiting.erase(it);
  run->timer_id = 0;
  if (signals.cancelling || run->owner->cancelled) {
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

}  // namespace dandori::engine
