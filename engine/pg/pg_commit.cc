// PgStoreImpl::Commit: a Batch as one transaction sent as one pipeline (group commit),
// and, when the store waits through outages, the commit marker that tells after a
// reconnection whether a commit whose answer was lost landed. See pg_store.h.
#include <chrono>
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
  if (idx.size() == 1) return {&sql::kInsertEvent, EventParams(ops[idx[0]].event)};
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
};

// Runs of Finish ops on distinct tasks become one array statement, and all events one
// INSERT at the end (events touch no task row, so moving them keeps the batch's meaning;
// their order among themselves is kept).
Status PgStoreImpl::PlanCommit(const Batch& batch, Plan* plan, std::vector<bool>* accepted) {
  const auto& ops = batch.ops();
  std::vector<size_t> finishes, events;
  std::set<std::pair<int64_t, std::string>> finish_keys;
  bool notify = false;
  auto flush_finishes = [&] {
    if (finishes.empty()) return;
    if (finishes.size() == 1) {
      bool n = false;
      auto st = StepFor(ops[finishes[0]], &n);  // a Finish never fails to build
      plan->steps.push_back(std::move(*st));
    } else {
      plan->steps.push_back(FinishMany(ops, finishes));
    }
    plan->ops_of_step.push_back(finishes);
    finishes.clear();
    finish_keys.clear();
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    const Batch::Op& op = ops[i];
    if (op.kind == Batch::OpKind::kEvent) {
      events.push_back(i);
      continue;
    }
    if (op.kind == Batch::OpKind::kFinish) {
      if (op.row.state == TaskState::kReady) notify = true;
      if (!finish_keys.insert({op.job, op.row.key}).second) flush_finishes();
      finish_keys.insert({op.job, op.row.key});
      finishes.push_back(i);
      continue;
    }
    flush_finishes();
    auto step = StepFor(op, &notify);
    if (!step.ok()) return step.status();
    if (step->sql == nullptr) {
      if (accepted) (*accepted)[i] = false;  // refused without asking (fence < 1)
      continue;
    }
    plan->steps.push_back(std::move(*step));
    plan->ops_of_step.push_back({i});
  }
  flush_finishes();
  if (!events.empty()) plan->steps.push_back(EventsStep(ops, events));
  if (notify) plan->steps.push_back({&sql::kNotify, Params()});
  return Status::Ok();
}

Status PgStoreImpl::Commit(const Batch& batch, std::vector<bool>* accepted) {
  if (accepted) accepted->assign(batch.size(), true);
  if (batch.empty()) return Status::Ok();
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
    if (idx.size() > 1) {  // kFinishMany: accepted = returned
      std::set<std::pair<int64_t, std::string>> done;
      for (int r = 0; r < res[s].rows(); ++r) done.insert({res[s].Int(r, 0), res[s].Bytes(r, 1)});
      for (size_t i : idx) (*accepted)[i] = done.count({ops[i].job, ops[i].row.key}) > 0;
      continue;
    }
    auto kind = ops[idx[0]].kind;
    if (kind == Batch::OpKind::kStart || kind == Batch::OpKind::kFinish ||
        kind == Batch::OpKind::kJobState) {
      (*accepted)[idx[0]] = res[s].affected() > 0;
    }
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
    case Batch::OpKind::kStart: {
      if (r.fence < 1) return Conn::Step{nullptr, Params()};
      if (r.fence > 1) {
        return Conn::Step{&sql::kStartNext, Params()
                                                .Int(op.job)
                                                .Text(r.key)
                                                .Int(r.attempts)
                                                .Text(r.owner)
                                                .Int(r.lease_until_ms)
                                                .Int(r.fence)
                                                .Int(r.updated_ms)};
      }
      auto opname = OpOf(op.job, r.key);
      if (!opname.ok()) return opname.status();
      return Conn::Step{&sql::kStartFirst, Params()
                                               .Int(op.job)
                                               .Text(r.key)
                                               .Text(r.stage)
                                               .Text(*opname)
                                               .Int(r.attempts)
                                               .Text(r.owner)
                                               .Int(r.lease_until_ms)
                                               .Int(r.updated_ms)};
    }
    case Batch::OpKind::kFinish:
      if (r.state == TaskState::kReady) *notify = true;
      return Conn::Step{&sql::kFinish, Params()
                                           .Int(op.job)
                                           .Text(r.key)
                                           .Int(r.fence)
                                           .Int(static_cast<int>(r.state))
                                           .Bytes(r.output)
                                           .Text(r.error)
                                           .Int(static_cast<int>(r.error_class))
                                           .Int(r.not_before_ms)
                                           .Int(r.updated_ms)};
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
                                        .Int(r.updated_ms)};
    }
    case Batch::OpKind::kEvent:
      return Conn::Step{&sql::kInsertEvent, EventParams(op.event)};
    case Batch::OpKind::kJobState:
      *notify = true;  // engines and watchers react to job state changes
      return Conn::Step{
          &sql::kSetJobState,
          Params().Int(op.job).Int(static_cast<int>(op.job_state)).Text(op.error).Int(op.at_ms)};
  }
  return Status::Internal("unknown batch op");
}

}  // namespace dandori::engine::pg
