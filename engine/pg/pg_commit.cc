// PgStoreImpl::Commit: a Batch as one transaction sent as one pipeline (group commit),
// and, when the store waits through outages, the commit marker that tells after a
// reconnection whether a commit whose answer was lost landed. See pg_store.h.
#include <chrono>
#include <map>
#include <set>

#include "dandori/v1/table.pb.h"
#include "engine/pg/pg_sql.h"
#include "engine/pg/pg_store_impl.h"

namespace dandori::engine::pg {
namespace {

// "s12/3/7" -> 12; -1 when the key does not name a state.
int StateOfKey(const std::string& key) {
  if (key.size() < 2 || key[0] != 's') return -1;
  int v = 0;
  size_t i = 1;
  for (; i < key.size() && key[i] >= '0' && key[i] <= '9'; ++i) {
    if (v > 1'000'000) return -1;
    v = v * 10 + (key[i] - '0');
  }
  return i == 1 ? -1 : v;
}

// All Starts of one wave that may insert their row (fence 1), as one statement.
Conn::Step StartFirstMany(const std::vector<Batch::Op>& ops, const std::vector<size_t>& idx,
                          const std::vector<std::string>& opnames) {
  std::vector<int64_t> job, attempts, lease, updated;
  std::vector<std::string> key, stage, owner, label;
  for (size_t i : idx) {
    const TaskRow& r = ops[i].row;
    job.push_back(ops[i].job);
    key.push_back(r.key);
    stage.push_back(r.stage);
    label.push_back(r.label);
    attempts.push_back(r.attempts);
    owner.push_back(r.owner);
    lease.push_back(r.lease_until_ms);
    updated.push_back(r.updated_ms);
  }
  return {&sql::kStartFirstMany, Params()
                                     .IntArray(job)
                                     .TextArray(key)
                                     .TextArray(stage)
                                     .TextArray(opnames)
                                     .IntArray(attempts)
                                     .TextArray(owner)
                                     .IntArray(lease)
                                     .IntArray(updated)
                                     .TextArray(label)};
}

Conn::Step StartNextMany(const std::vector<Batch::Op>& ops, const std::vector<size_t>& idx) {
  std::vector<int64_t> job, attempts, lease, fence, updated;
  std::vector<std::string> key, owner;
  for (size_t i : idx) {
    const TaskRow& r = ops[i].row;
    job.push_back(ops[i].job);
    key.push_back(r.key);
    attempts.push_back(r.attempts);
    owner.push_back(r.owner);
    lease.push_back(r.lease_until_ms);
    fence.push_back(r.fence);
    updated.push_back(r.updated_ms);
  }
  return {&sql::kStartNextMany, Params()
                                    .IntArray(job)
                                    .TextArray(key)
                                    .IntArray(attempts)
                                    .TextArray(owner)
                                    .IntArray(lease)
                                    .IntArray(fence)
                                    .IntArray(updated)};
}

Conn::Step FinishMany(const std::vector<Batch::Op>& ops, const std::vector<size_t>& idx) {
  std::vector<int64_t> job, fence, state, error_class, not_before, updated;
  std::vector<std::string> key, output, error;
  for (size_t i : idx) {
    const TaskRow& r = ops[i].row;
    job.push_back(ops[i].job);
    key.push_back(r.key);
    fence.push_back(r.fence);
    state.push_back(static_cast<int>(r.state));
    output.push_back(r.output);
    error.push_back(r.error);
    error_class.push_back(static_cast<int>(r.error_class));
    not_before.push_back(r.not_before_ms);
    updated.push_back(r.updated_ms);
  }
  return {&sql::kFinishMany, Params()
                                 .IntArray(job)
                                 .TextArray(key)
                                 .IntArray(fence)
                                 .IntArray(state)
                                 .BytesArray(output)
                                 .TextArray(error)
                                 .IntArray(error_class)
                                 .IntArray(not_before)
                                 .IntArray(updated)};
}

Conn::Step EventsStep(const std::vector<Batch::Op>& ops, const std::vector<size_t>& idx) {
  std::vector<int64_t> job, at, attempt;
  std::vector<std::string> who, what, task, detail;
  for (size_t i : idx) {
    const Event& e = ops[i].event;
    job.push_back(e.job);
    at.push_back(e.at_ms);
    who.push_back(e.who);
    what.push_back(e.what);
    task.push_back(e.task);
    attempt.push_back(e.attempt);
    detail.push_back(e.detail);
  }
  return {&sql::kInsertEvents, Params()
                                   .IntArray(job)
                                   .IntArray(at)
                                   .TextArray(who)
                                   .TextArray(what)
                                   .TextArray(task)
                                   .IntArray(attempt)
                                   .TextArray(detail)};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct PgStoreImpl::Plan {
  std::vector<Conn::Step> steps;
  std::vector<std::vector<size_t>> ops_of_step;  // which ops each step carries
  std::vector<bool> returning;                   // accepted = the (job, key) rows returned
};

// Set-based: the k-th op on a task goes in wave k (ops on one task keep their order; ops
// on distinct tasks commute inside a transaction), and each wave is one statement per
// kind (all first Starts, all later Starts, all Finishes), whatever the scheduler's
// interleaving. Puts are rare (retry, reset) and go one by one in their wave; job state
// changes follow all task ops; all events are one INSERT at the end, after the job's
// event lock (pg_sql.h, kLockJobEvents), so that a reader sees them in seq order.
Status PgStoreImpl::PlanCommit(const Batch& batch, Plan* plan, std::vector<bool>* accepted) {
  const auto& ops = batch.ops();
  std::map<std::pair<int64_t, std::string>, size_t> seen;  // task -> ops so far
  std::vector<std::vector<size_t>> waves;
  std::vector<size_t> events, job_states;
  std::set<int64_t> event_jobs;
  bool notify = false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Batch::Op& op = ops[i];
    if (op.kind == Batch::OpKind::kEvent) {
      events.push_back(i);
      event_jobs.insert(op.event.job);
    } else if (op.kind == Batch::OpKind::kJobState || op.kind == Batch::OpKind::kLog) {
      job_states.push_back(i);  // after the task ops (a log names its task, not its row)
    } else {
      size_t w = seen[{op.job, op.row.key}]++;
      if (waves.size() <= w) waves.resize(w + 1);
      waves[w].push_back(i);
    }
  }
  auto add = [&](Conn::Step step, std::vector<size_t> idx, bool returning) {
    plan->steps.push_back(std::move(step));
    plan->ops_of_step.push_back(std::move(idx));
    plan->returning.push_back(returning);
  };
  for (const auto& wave : waves) {
    std::vector<size_t> first, next, finish;
    std::vector<std::string> first_ops;
    for (size_t i : wave) {
      const Batch::Op& op = ops[i];
      if (op.kind == Batch::OpKind::kStart) {
        if (op.row.fence < 1) {
          if (accepted) (*accepted)[i] = false;  // refused without asking
        } else if (op.row.fence == 1) {
          auto opname = OpOf(op.job, op.row.key);
          if (!opname.ok()) return opname.status();
          first.push_back(i);
          first_ops.push_back(*opname);
        } else {
          next.push_back(i);
        }
      } else if (op.kind == Batch::OpKind::kFinish) {
        if (op.row.state == TaskState::kReady) notify = true;
        finish.push_back(i);
      } else {
        auto step = StepFor(op, &notify);
        if (!step.ok()) return step.status();
        add(std::move(*step), {i}, false);
      }
    }
    if (!first.empty()) add(StartFirstMany(ops, first, first_ops), first, true);
    if (!next.empty()) add(StartNextMany(ops, next), next, true);
    if (!finish.empty()) add(FinishMany(ops, finish), finish, true);
  }
  for (size_t i : job_states) {
    auto step = StepFor(ops[i], &notify);
    if (!step.ok()) return step.status();
    add(std::move(*step), {i}, false);
  }
  if (!events.empty()) {
    std::vector<int64_t> jobs(event_jobs.begin(), event_jobs.end());  // ascending: no deadlock
    plan->steps.push_back({&sql::kLockJobEvents, Params().IntArray(jobs)});
    plan->steps.push_back(EventsStep(ops, events));
  }
  if (notify) plan->steps.push_back({&sql::kNotify, Params()});
  return Status::Ok();
}

Status PgStoreImpl::Commit(const Batch& batch, std::vector<bool>* accepted) {
  if (accepted) accepted->assign(batch.size(), true);
  if (batch.empty()) return Status::Ok();
  Hold hold(this);  // one connection for the whole commit (a pooled store)
  Plan plan;
  DANDORI_RETURN_IF_ERROR(Patient([&] {
    plan = Plan();
    return PlanCommit(batch, &plan, accepted);
  }));
  const bool patient = static_cast<bool>(opt_.keep_waiting);
  int64_t backoff_ms = 0;
  std::vector<PgResult> res;
  while (true) {
    DANDORI_RETURN_IF_ERROR(Patient([&] { return Status::Ok(); }));  // connected
    std::vector<Conn::Step> steps = plan.steps;
    int64_t seq = ++commit_seq_;
    if (patient) {
      steps.push_back({&sql::kMarkCommit, Params().Text(writer_).Int(seq).Int(NowMs())});
    }
    Status st = c_->RunTransaction(steps, &res);
    if (st.ok()) break;
    if (!WaitAfter(st, &backoff_ms)) return st;
    // The connection broke: the transaction may have committed before the answer was
    // lost. Repeating it would be refused by the fencing tokens (and duplicate events).
    auto landed = Landed(seq);
    if (!landed.ok()) return landed.status();
    if (*landed) {
      // Landed: its refusals, if any, are not known any more. Fencing refusals only come
      // from a competing engine, which this engine's next commit meets again.
      OutageOver();
      return Status::Ok();
    }
  }
  OutageOver();
  if (!accepted) return Status::Ok();
  const auto& ops = batch.ops();
  for (size_t s = 0; s < plan.ops_of_step.size(); ++s) {
    const auto& idx = plan.ops_of_step[s];
    if (plan.returning[s]) {  // the set statements: accepted = returned
      std::set<std::pair<int64_t, std::string>> done;
      for (int r = 0; r < res[s].rows(); ++r) done.insert({res[s].Int(r, 0), res[s].Bytes(r, 1)});
      for (size_t i : idx) (*accepted)[i] = done.count({ops[i].job, ops[i].row.key}) > 0;
      continue;
    }
    auto kind = ops[idx[0]].kind;
    if (kind == Batch::OpKind::kJobState) (*accepted)[idx[0]] = res[s].affected() > 0;
  }
  return Status::Ok();
}

Result<bool> PgStoreImpl::Landed(int64_t seq) {
  return Patient([&]() -> Result<bool> {
    auto r = c_->Run(sql::kCommitMark, Params().Text(writer_));
    if (!r.ok()) return r.status();
    return r->rows() == 1 && r->Int(0, 0) == seq;
  });
}

// The operator of a task, from its job's table (cached per job): what `worker --ops`
// filters on.
Result<std::string> PgStoreImpl::OpOf(int64_t job, const std::string& key) {
  int state = StateOfKey(key);
  if (state < 0) return std::string();
  auto it = ops_.find(job);
  if (it == ops_.end()) {
    auto r = c_->Run(sql::kTableOf, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<std::string> ops;
    v1::Table table;
    if (r->rows() == 1 && table.ParseFromString(r->Bytes(0, 0))) {
      for (const auto& s : table.states()) ops.push_back(s.op());
    }
    if (ops_.size() > 1000) ops_.clear();
    it = ops_.emplace(job, std::move(ops)).first;
  }
  return state < static_cast<int>(it->second.size()) ? it->second[state] : std::string();
}

Result<Conn::Step> PgStoreImpl::StepFor(const Batch::Op& op, bool* notify) {
  const TaskRow& r = op.row;
  switch (op.kind) {
    case Batch::OpKind::kStart:
    case Batch::OpKind::kFinish:
      return Status::Internal("Start and Finish are planned set-based (PlanCommit)");
    case Batch::OpKind::kPut: {
      if (r.state == TaskState::kReady) *notify = true;
      auto opname = OpOf(op.job, r.key);
      if (!opname.ok()) return opname.status();
      return Conn::Step{&sql::kPut, Params()
                                        .Int(op.job)
                                        .Text(*opname)
                                        .Text(r.key)
                                        .Text(r.stage)
                                        .Int(static_cast<int>(r.state))
                                        .Int(r.attempts)
                                        .Int(r.not_before_ms)
                                        .Text(r.owner)
                                        .Int(r.lease_until_ms)
                                        .Int(r.fence)
                                        .Bytes(r.output)
                                        .Text(r.error)
                                        .Int(static_cast<int>(r.error_class))
                                        .Int(r.updated_ms)
                                        .Text(r.label)};
    }
    case Batch::OpKind::kEvent:
      return Conn::Step{&sql::kInsertEvent, EventParams(op.event)};
    case Batch::OpKind::kLog:
      return Conn::Step{&sql::kPutLog, sql::LogParams(op.job, op.log)};
    case Batch::OpKind::kJobState:
      *notify = true;  // engines and watchers react to job state changes
      return Conn::Step{
          &sql::kSetJobState,
          Params().Int(op.job).Int(static_cast<int>(op.job_state)).Text(op.error).Int(op.at_ms)};
  }
  return Status::Internal("unknown batch op");
}

}  // namespace dandori::engine::pg
