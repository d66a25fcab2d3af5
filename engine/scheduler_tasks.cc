// Task attempts: replay from the store, claim (lease + fencing token), launch, timeouts,
// heartbeats, retries with backoff, pool waits.
#include <algorithm>
#include <filesystem>

#include "engine/retry.h"
#include "engine/scheduler_impl.h"
#include "engine/task_label.h"
#include "proto/value_codec.h"

namespace dandori::engine {
namespace {

Code Classify(Code c) {
  switch (c) {
    case Code::kTransient:
    case Code::kTimeout:
    case Code::kPermanent:
    case Code::kCancelled:
    case Code::kLost:
      return c;
    case Code::kUnavailable:
      return Code::kTransient;
    default:
      return Code::kPermanent;  // bad arguments, internal errors: retrying cannot help
  }
}

}  // namespace

void Scheduler::Impl::StartTask(Inst* inst, int slot) {
  int idx = prog->Body(inst->block)[slot];
  const ProgramState& ps = prog->states[idx];
  auto t = std::make_unique<TaskRun>();
  t->id = live.next_id++;
  t->inst = inst;
  t->slot = slot;
  t->state = idx;
  t->key = "s" + std::to_string(idx) + inst->path;
  t->label = TaskLabel(ps.name, inst->label);
  bool interrupted_out = false;
  Code last_class = Code::kOk;  // how the stored task's last attempt ended
  auto it = stored.find(t->key);
  if (it != stored.end()) {
    const TaskRow& row = it->second;
    switch (row.state) {
      case TaskState::kSucceeded: {
        auto out = DecodeValue(row.output);
        SlotDone(inst, slot, SlotState::kOk, out.ok() ? *out : Value());
        return;
      }
      case TaskState::kSkipped:
        SlotDone(inst, slot, SlotState::kSkipped, Value());
        return;
      case TaskState::kFailed:
        SlotDone(
            inst, slot, SlotState::kFailed, Value(),
            Status(row.error_class == Code::kOk ? Code::kPermanent : row.error_class, row.error),
            ps.name, ps.loc);
        return;
      case TaskState::kRunning: {
        // The engine that ran it is gone (we hold the job lease now): the attempt was
        // interrupted, not failed, and is given back. The fence keeps counting, so
        // fence - attempts is how often the task was interrupted (docs/engine.md).
        t->attempts = std::max(0, row.attempts - 1);
        t->fence = row.fence;
        int64_t interrupted = t->fence - t->attempts;
        AddEvent("task.interrupted", t->key, row.attempts,
                 "its engine " + row.owner + " stopped while it ran; runs again (interruption " +
                     std::to_string(interrupted) + " of at most " +
                     std::to_string(opt.max_interruptions) + ", no attempt spent)");
        if (interrupted > opt.max_interruptions) {
          interrupted_out = true;
        }
        break;
      }
      case TaskState::kReady:
      case TaskState::kCancelled:
        t->attempts = row.state == TaskState::kReady ? row.attempts : 0;
        last_class = row.error_class;
        t->fence = row.fence;
        t->not_before_ms = row.not_before_ms;
        break;
    }
  }
  auto args = Eval(ps.args, inst, "arguments", idx);
  if (args.ok()) {
    args = BindArguments(*ps.sig, *args);
  } else if (ps.args.empty()) {
    args = BindArguments(*ps.sig, Value::MakeRecord({}));
  }
  TaskRun* raw = t.get();
  inst->slots[slot].task = std::move(t);
  live.tasks[raw->id] = raw;
  if (!args.ok()) {
    // Evaluation errors already name the stage and its location; binding errors do not.
    const std::string& m = args.status().message();
    Status err = Status::Permanent(m.rfind(ps.loc + ": ", 0) == 0 ? m : StateWhere(ps) + ": " + m);
    TaskRow row;
    row.key = raw->key;
    row.stage = ps.name;
    row.label = raw->label;
    row.state = TaskState::kFailed;
    row.attempts = raw->attempts;
    row.fence = raw->fence;
    row.error = err.message();
    row.error_class = Code::kPermanent;
    row.updated_ms = clock->NowMs();
    turn.batch.Put(job, row);
    AddEvent("task.failed", raw->key, raw->attempts, err.message());
    live.tasks.erase(raw->id);
    SlotDone(inst, slot, SlotState::kFailed, Value(), err, ps.name, ps.loc);
    return;
  }
  raw->args = std::move(*args);
  if (interrupted_out) {
    EndAttempt(raw, Status::Permanent("interrupted " + std::to_string(raw->fence - raw->attempts) +
                                      " times: its engine stopped each time while it ran "
                                      "(max_interruptions " +
                                      std::to_string(opt.max_interruptions) + ")"));
    return;
  }
  if (raw->attempts >= MaxAttemptsAfter(ps.policy, last_class)) {
    EndAttempt(raw, Status::Permanent("no attempts are left"));
    return;
  }
  if (raw->not_before_ms > clock->NowMs()) {
    timers.Push(raw->not_before_ms, TimerKind::kTaskDue, raw->id);
    return;
  }
  Dispatch(raw);
}

void Scheduler::Impl::TaskDue(uint64_t id) {
  auto it = live.tasks.find(id);
  if (it == live.tasks.end() || it->second->running) return;
  Dispatch(it->second);
}

void Scheduler::Impl::Dispatch(TaskRun* t) {
  const ProgramState& ps = prog->states[t->state];
  if (signals.cancelling || t->inst->cancelled) {
    live.tasks.erase(t->id);
    SlotDone(t->inst, t->slot, SlotState::kCancelled, Value());
    return;
  }
  Pool* pool = pools->Get(ps.pool);
  if (!pool->TryAcquire()) {
    t->waiting_pool = true;
    live.pool_waiters[pool].push_back(t->id);
    return;
  }
  t->waiting_pool = false;
  t->pool = pool;
  t->running = true;
  t->attempts += 1;
  t->fence += 1;
  int64_t now = clock->NowMs();
  t->started_ms = now;
  TaskRow row;
  row.key = t->key;
  row.stage = ps.name;
  row.label = t->label;
  row.attempts = t->attempts;
  row.fence = t->fence;
  row.owner = opt.owner;
  row.lease_until_ms = now + opt.lease_ms;
  row.updated_ms = now;
  turn.batch.Start(job, std::move(row));
  AddEvent("task.started", t->key, t->attempts, "");
  progress[t->state].running += 1;
  CountBranch(t->inst, 0, 1, 0);

  t->link = std::make_shared<AttemptLink>();
  t->link->last_beat_ms = now;
  Launch l;
  l.id = t->id;
  l.op = ps.impl;
  l.op_name = ps.op;
  const std::string& declared = prog->table.states(t->state).pool();
  l.pool = declared.empty() ? ps.op : declared;  // global pools (server/global_pools.h)
  l.link = t->link;
  l.trivial = opt.trivial_ops.count(ps.op) > 0;
  OperatorContext& ctx = l.ctx;
  ctx.args = t->args;
  ctx.cancel = &t->link->cancel;
  ctx.job_id = std::to_string(job);
  ctx.task_id = t->key;
  ctx.attempt = t->attempts;
  ctx.workdir = opt.workdir;
  if (ps.policy.timeout_ms() > 0) ctx.deadline_ms = now + ps.policy.timeout_ms();
  std::shared_ptr<AttemptLink> link = t->link;
  Clock* c = clock;
  ctx.heartbeat = [link, c] { link->last_beat_ms = c->NowMs(); };
  ctx.progress = ProgressToLink(link, c);
  ctx.log = [link](std::string_view stream, std::string_view text) {
    link->log.Append(stream, text);
  };
  if (!l.trivial) {
    std::string root =
        opt.scratch_root.empty() ? opt.workdir + "/.dandori/scratch" : opt.scratch_root;
    std::string key = t->key;
    for (char& ch : key) {
      if (ch == '/') ch = '_';
    }
    // Only named here: the operator's first ctx.Scratch() makes it (stdlib/operator.h).
    ctx.scratch_dir =
        root + "/" + std::to_string(job) + "/" + key + "/" + std::to_string(t->attempts);
  }
  turn.launches.push_back(std::move(l));
  if (ps.policy.timeout_ms() > 0) {
    timers.Push(now + ps.policy.timeout_ms(), TimerKind::kTimeout, t->id);
  }
  if (ps.policy.heartbeat_ms() > 0) {
    timers.Push(now + ps.policy.heartbeat_ms(), TimerKind::kHeartbeat, t->id);
  }
}

void Scheduler::Impl::AttemptTimer(const Timer& tm) {
  auto it = live.tasks.find(tm.id);
  if (it == live.tasks.end() || !it->second->running) return;
  TaskRun* t = it->second;
  const ProgramState& ps = prog->states[t->state];
  int64_t now = clock->NowMs();
  if (tm.kind == TimerKind::kTimeout) {
    if (now - t->started_ms < ps.policy.timeout_ms()) return;  // a timer of an older attempt
    t->link->cancel.Cancel();
    EndAttempt(
        t, Status::Timeout("attempt timed out after " + FormatDuration(ps.policy.timeout_ms())));
    return;
  }
  int64_t silent_until = t->link->last_beat_ms + ps.policy.heartbeat_ms();
  if (now >= silent_until) {
    t->link->cancel.Cancel();
    EndAttempt(t, Status::Timeout("no heartbeat for " + FormatDuration(ps.policy.heartbeat_ms())));
  } else {
    timers.Push(silent_until, TimerKind::kHeartbeat, t->id);
  }
}

void Scheduler::Impl::OnCompletion(Completion c) {
  auto it = live.tasks.find(c.id);
  // Unknown: an attempt already ended by a timeout or a cancel; its answer is stale.
  if (it == live.tasks.end() || !it->second->running) return;
  EndAttempt(it->second, std::move(c.result));
}

void Scheduler::Impl::PumpPool(Pool* pool) {
  auto w = live.pool_waiters.find(pool);
  if (w == live.pool_waiters.end()) return;
  while (!w->second.empty() && !pool->full()) {
    uint64_t id = w->second.front();
    w->second.pop_front();
    auto it = live.tasks.find(id);
    if (it == live.tasks.end() || !it->second->waiting_pool) continue;
    Dispatch(it->second);
  }
}

void Scheduler::Impl::CountBranch(Inst* inst, int done, int running, int failed) {
  for (Inst* i = inst; i != nullptr; i = i->parent) {
    BlockRun* run = i->run;
    if (run == nullptr || static_cast<size_t>(i->item) >= run->branches.size()) continue;
    BranchProgress& b = run->branches[static_cast<size_t>(i->item)];
    b.done += done;
    b.running += running;
    b.failed += failed;
  }
}

// Ends the current attempt of `t` (or a task that never got to run, when !t->running).
void Scheduler::Impl::EndAttempt(TaskRun* t, Result<Value> result) {
  const ProgramState& ps = prog->states[t->state];
  bool was_running = t->running;
  if (was_running) {
    t->running = false;
    progress[t->state].running -= 1;
    CountBranch(t->inst, 0, -1, 0);
    t->pool->Release();
  }
  TaskRow row;
  row.key = t->key;
  row.stage = ps.name;
  row.label = t->label;
  row.fence = t->fence;
  row.attempts = t->attempts;
  row.updated_ms = clock->NowMs();
  auto write = [&] {
    if (was_running) {
      turn.batch.Finish(job, row);
    } else {
      turn.batch.Put(job, row);
    }
  };
  if (was_running && t->link) {
    for (LogText& l : t->link->log.Take()) {
      if (l.text.empty()) continue;
      turn.batch.AddLog(job, {t->key, t->attempts, std::move(l.stream), std::move(l.text),
                              l.truncated, row.updated_ms});
    }
  }
  Inst* inst = t->inst;
  int slot = t->slot;
  if (result.ok()) {
    row.state = TaskState::kSucceeded;
    row.output = EncodeValue(*result);
    write();
    AddEvent("task.succeeded", t->key, t->attempts, "");
    live.tasks.erase(t->id);
    if (was_running) PumpPool(t->pool);
    SlotDone(inst, slot, SlotState::kOk, std::move(*result));
    return;
  }
  Status err = result.status();
  Code cls = Classify(err.code());
  if (signals.cancelling || inst->cancelled) cls = Code::kCancelled;
  std::string msg = err.message();
  bool retry = !signals.cancelling && !inst->cancelled && cls != Code::kCancelled &&
               Retryable(ps.policy, cls) && t->attempts < MaxAttemptsAfter(ps.policy, cls);
  if (retry) {
    int64_t delay = BackoffMs(ps.policy, t->attempts, rng);
    t->not_before_ms = clock->NowMs() + delay;
    row.state = TaskState::kReady;
    row.not_before_ms = t->not_before_ms;
    row.error = msg;
    row.error_class = cls;
    write();
    AddEvent(
        "task.retrying", t->key, t->attempts,
        std::string(CodeName(cls)) + ": " + msg + "; next attempt in " + FormatDuration(delay));
    timers.Push(t->not_before_ms, TimerKind::kTaskDue, t->id);
    if (was_running) PumpPool(t->pool);
    return;
  }
  SlotState st = cls == Code::kCancelled ? SlotState::kCancelled : SlotState::kFailed;
  row.state = st == SlotState::kCancelled ? TaskState::kCancelled : TaskState::kFailed;
  // The final error names the stage's place in the .flow source, e.g.
  // "encode.flow:14:3: stage probe (media.probe): permanent: no such file: in.mp4".
  msg = StateWhere(ps) + ": " + std::string(CodeName(cls)) + ": " + msg;
  row.error = msg;
  row.error_class = cls;
  write();
  AddEvent(st == SlotState::kCancelled ? "task.cancelled" : "task.failed", t->key, t->attempts,
           msg);
  Pool* pool = t->pool;
  live.tasks.erase(t->id);
  if (was_running) PumpPool(pool);
  SlotDone(inst, slot, st, Value(), Status(cls, msg), ps.name, ps.loc);
}

}  // namespace dandori::engine
