// PostgreSQL implementation of Store: see pg_store.h; the SQL is in pg_sql.h.
#include "engine/pg/pg_store.h"

#include <map>
#include <mutex>
#include <set>

#include "dandori/v1/table.pb.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_schema.h"
#include "engine/pg/pg_sql.h"

namespace dandori::engine {
namespace {

using pg::Conn;
using pg::Params;
using pg::PgResult;
namespace sql = pg::sql;

TaskRow ReadTask(const PgResult& r, int row, int c) {
  TaskRow t;
  t.key = r.Bytes(row, c);
  t.stage = r.Bytes(row, c + 1);
  t.state = static_cast<TaskState>(r.Int(row, c + 2));
  t.attempts = static_cast<int>(r.Int(row, c + 3));
  t.not_before_ms = r.Int(row, c + 4);
  t.owner = r.Bytes(row, c + 5);
  t.lease_until_ms = r.Int(row, c + 6);
  t.fence = r.Int(row, c + 7);
  t.output = r.Bytes(row, c + 8);
  t.error = r.Bytes(row, c + 9);
  t.error_class = static_cast<Code>(r.Int(row, c + 10));
  t.updated_ms = r.Int(row, c + 11);
  return t;
}

JobInfo ReadJob(const PgResult& r, int row) {
  JobInfo j;
  j.id = r.Int(row, 0);
  j.key = r.Bytes(row, 1);
  j.workflow = r.Bytes(row, 2);
  j.state = static_cast<JobState>(r.Int(row, 3));
  j.table = r.Bytes(row, 4);
  j.params = r.Bytes(row, 5);
  j.workdir = r.Bytes(row, 6);
  j.error = r.Bytes(row, 7);
  j.created_ms = r.Int(row, 8);
  j.updated_ms = r.Int(row, 9);
  j.owner = r.Bytes(row, 10);
  j.owner_until_ms = r.Int(row, 11);
  return j;
}

std::vector<JobInfo> ReadJobs(const PgResult& r) {
  std::vector<JobInfo> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadJob(r, i));
  return out;
}

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

class PgStoreImpl final : public PgStore {
 public:
  PgStoreImpl(std::string url, std::unique_ptr<Conn> conn)
      : url_(std::move(url)), c_(std::move(conn)) {}

  Result<JobInfo> CreateJob(const JobSpec& spec, int64_t now_ms, bool* created) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    // One transaction: the job row, its job.created event and the wake-up together.
    pg::Txn txn(*c_);
    DANDORI_RETURN_IF_ERROR(txn.Begin());
    auto ins = c_->Run(sql::kInsertJob, Params()
                                            .Text(spec.key)
                                            .Text(spec.workflow)
                                            .Bytes(spec.table)
                                            .Bytes(spec.params)
                                            .Text(spec.workdir)
                                            .Int(now_ms));
    if (!ins.ok()) return ins.status();
    if (ins->rows() == 0) {  // the key is taken (possibly by a racing submit, now committed)
      auto existing = c_->Run(sql::kJobByKey, Params().Text(spec.key));
      if (!existing.ok()) return existing.status();
      if (existing->rows() == 0) return Status::Internal("job key vanished: " + spec.key);
      if (created) *created = false;
      return ReadJob(*existing, 0);
    }
    int64_t id = ins->Int(0, 0);
    DANDORI_RETURN_IF_ERROR(
        c_->Run(sql::kInsertEvent,
                EventParams({0, id, now_ms, "engine", "job.created", "", 0, spec.key}))
            .status());
    DANDORI_RETURN_IF_ERROR(c_->Run(sql::kNotify).status());
    DANDORI_RETURN_IF_ERROR(txn.Commit());
    if (created) *created = true;
    return GetJob(id);
  }

  Result<JobInfo> GetJob(int64_t id) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kJobById, Params().Int(id));
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return Status::NotFound("no job " + std::to_string(id) + " in this store");
    return ReadJob(*r, 0);
  }

  Result<std::vector<JobInfo>> ListJobs(int limit) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kListJobs, Params().Int(limit));
    if (!r.ok()) return r.status();
    return ReadJobs(*r);
  }

  Result<std::vector<JobInfo>> ListJobsPage(int state, const std::string& workflow,
                                            int64_t before_id, int limit) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r =
        c_->Run(sql::kListJobsPage, Params().Int(state).Text(workflow).Int(before_id).Int(limit));
    if (!r.ok()) return r.status();
    return ReadJobs(*r);
  }

  Status AcquireJob(int64_t job, const std::string& owner, int64_t now_ms, int64_t until_ms,
                    bool force) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kAcquireJob,
                     Params().Int(job).Text(owner).Int(now_ms).Int(until_ms).Bool(force));
    if (!r.ok()) return r.status();
    if (r->rows() == 1) return Status::Ok();
    auto j = GetJob(job);
    if (!j.ok()) return j.status();
    return Status::FailedPrecondition("job " + std::to_string(job) + " is being run by " +
                                      j->owner);
  }

  Status ReleaseJob(int64_t job, const std::string& owner) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    return c_->Run(sql::kReleaseJob, Params().Int(job).Text(owner)).status();
  }

  // One transaction, one pipeline. Runs of Finish ops on distinct tasks become one
  // array statement, and all events one INSERT at the end (events touch no task row, so
  // moving them keeps the batch's meaning; their order among themselves is kept).
  Status Commit(const Batch& batch, std::vector<bool>* accepted) override {
    if (accepted) accepted->assign(batch.size(), true);
    if (batch.empty()) return Status::Ok();
    DANDORI_RETURN_IF_ERROR(Ready());
    const auto& ops = batch.ops();
    std::vector<Conn::Step> steps;
    std::vector<std::vector<size_t>> ops_of_step;  // which ops each step carries
    std::vector<size_t> finishes, events;
    std::set<std::pair<int64_t, std::string>> finish_keys;
    bool notify = false;
    auto flush_finishes = [&] {
      if (finishes.empty()) return;
      if (finishes.size() == 1) {
        bool n = false;
        auto st = StepFor(ops[finishes[0]], &n);  // a Finish never fails to build
        steps.push_back(std::move(*st));
      } else {
        steps.push_back(FinishMany(ops, finishes));
      }
      ops_of_step.push_back(finishes);
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
      steps.push_back(std::move(*step));
      ops_of_step.push_back({i});
    }
    flush_finishes();
    if (!events.empty()) steps.push_back(EventsStep(ops, events));
    if (notify) steps.push_back({&sql::kNotify, Params()});
    std::vector<PgResult> res;
    DANDORI_RETURN_IF_ERROR(c_->RunTransaction(steps, &res));
    if (!accepted) return Status::Ok();
    for (size_t s = 0; s < ops_of_step.size(); ++s) {
      const auto& idx = ops_of_step[s];
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

  Result<std::vector<Claim>> ClaimTasks(int64_t job, const std::string& owner, int64_t now_ms,
                                        int64_t lease_ms, int max) override {
    return ClaimTasksFor(job, owner, now_ms, lease_ms, max, {});
  }

  Result<std::vector<Claim>> ClaimTasksFor(int64_t job, const std::string& owner, int64_t now_ms,
                                           int64_t lease_ms, int max,
                                           const std::vector<std::string>& op_patterns) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    std::vector<std::string> likes;
    for (const auto& p : op_patterns) likes.push_back(pg::GlobToLike(p));
    auto r =
        c_->Run(sql::kClaim,
                Params().Int(job).Text(owner).Int(now_ms).Int(lease_ms).Int(max).TextArray(likes));
    if (!r.ok()) return r.status();
    std::vector<Claim> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back({r->Int(i, 0), ReadTask(*r, i, 1)});
    return out;
  }

  Status Heartbeat(int64_t job, const std::string& key, int64_t fence,
                   int64_t lease_until_ms) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kHeartbeat, Params().Int(job).Text(key).Int(fence).Int(lease_until_ms));
    if (!r.ok()) return r.status();
    if (r->affected() == 0) {
      return Status::FailedPrecondition("stale fencing token " + std::to_string(fence) +
                                        " for task " + key);
    }
    return Status::Ok();
  }

  Result<std::vector<TaskRow>> LoadTasks(int64_t job) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kLoadTasks, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<TaskRow> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(ReadTask(*r, i, 0));
    return out;
  }

  Result<TaskRow> GetTask(int64_t job, const std::string& key) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kGetTask, Params().Int(job).Text(key));
    if (!r.ok()) return r.status();
    if (r->rows() == 0) {
      return Status::NotFound("no task " + key + " in job " + std::to_string(job));
    }
    return ReadTask(*r, 0, 0);
  }

  Result<std::vector<Event>> ListEvents(int64_t job, int64_t after_seq, int limit) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kListEvents, Params().Int(job).Int(after_seq).Int(limit));
    if (!r.ok()) return r.status();
    std::vector<Event> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->Int(i, 0), r->Int(i, 1), r->Int(i, 2), r->Bytes(i, 3), r->Bytes(i, 4),
                     r->Bytes(i, 5), static_cast<int>(r->Int(i, 6)), r->Bytes(i, 7)});
    }
    return out;
  }

  Status AddSignal(int64_t job, const Signal& s) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    // Insert, then (only if new) the event: a data-dependent second step, so two
    // transactions' worth of round trips are avoided by doing it in one explicit txn.
    pg::Txn txn(*c_);
    DANDORI_RETURN_IF_ERROR(txn.Begin());
    auto r = c_->Run(sql::kAddSignal,
                     Params().Int(job).Text(s.kind).Text(s.name).Text(s.who).Int(s.at_ms));
    if (!r.ok()) return r.status();
    if (r->affected() > 0) {
      std::string what = s.kind == "approve" ? "gate.approved" : "job." + s.kind + "_requested";
      DANDORI_RETURN_IF_ERROR(
          c_->Run(sql::kInsertEvent, EventParams({0, job, s.at_ms, s.who, what, s.name, 0, ""}))
              .status());
      DANDORI_RETURN_IF_ERROR(c_->Run(sql::kNotify).status());
    }
    return txn.Commit();
  }

  Result<std::vector<Signal>> ListSignals(int64_t job) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kListSignals, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<Signal> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->Bytes(i, 0), r->Bytes(i, 1), r->Bytes(i, 2), r->Int(i, 3)});
    }
    return out;
  }

  Status ClearSignal(int64_t job, const std::string& kind, const std::string& name) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    return c_->Run(sql::kClearSignal, Params().Int(job).Text(kind).Text(name)).status();
  }

  Result<bool> WaitForWork(int timeout_ms) override {
    if (!listen_ || listen_->Broken()) {
      auto c = Conn::Open(url_);
      if (!c.ok()) return c.status();
      listen_ = std::move(*c);
      DANDORI_RETURN_IF_ERROR(listen_->Exec("LISTEN dandori_work"));
      return true;  // work may have become due while we were not listening
    }
    return listen_->WaitNotify(timeout_ms);
  }

  Result<std::vector<TaskCount>> CountTasks(int64_t job) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kCountTasks, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<TaskCount> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({static_cast<int>(r->Int(i, 0)), r->Bytes(i, 1), r->Int(i, 2)});
    }
    return out;
  }

  Result<std::vector<std::pair<std::string, int64_t>>> Gauges(int64_t now_ms) override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kGauges, Params().Int(now_ms));
    if (!r.ok()) return r.status();
    std::vector<std::pair<std::string, int64_t>> out;
    for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->Bytes(i, 0), r->Int(i, 1));
    return out;
  }

  Result<std::vector<std::pair<int, int64_t>>> CountJobs() override {
    DANDORI_RETURN_IF_ERROR(Ready());
    auto r = c_->Run(sql::kCountJobs);
    if (!r.ok()) return r.status();
    std::vector<std::pair<int, int64_t>> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.emplace_back(static_cast<int>(r->Int(i, 0)), r->Int(i, 1));
    }
    return out;
  }

 private:
  // Reconnects a connection the server dropped (a restart, a failover).
  Status Ready() {
    if (!c_->Broken()) return Status::Ok();
    return c_->Reset();
  }

  static Conn::Step FinishMany(const std::vector<Batch::Op>& ops, const std::vector<size_t>& idx) {
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

  static Conn::Step EventsStep(const std::vector<Batch::Op>& ops, const std::vector<size_t>& idx) {
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

  static Params EventParams(const Event& e) {
    return Params()
        .Int(e.job)
        .Int(e.at_ms)
        .Text(e.who)
        .Text(e.what)
        .Text(e.task)
        .Int(e.attempt)
        .Text(e.detail);
  }

  // The operator of a task, from its job's table (cached per job): what `worker --ops`
  // filters on.
  Result<std::string> OpOf(int64_t job, const std::string& key) {
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

  Result<Conn::Step> StepFor(const Batch::Op& op, bool* notify) {
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

  std::string url_;
  std::unique_ptr<Conn> c_;
  std::unique_ptr<Conn> listen_;                     // LISTEN dandori_work (WaitForWork)
  std::map<int64_t, std::vector<std::string>> ops_;  // job -> operator per state
};

}  // namespace

bool IsPostgresUrl(const std::string& spec) {
  return spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0;
}

Result<std::unique_ptr<PgStore>> OpenPgStore(const std::string& url,
                                             const PgStoreOptions& options) {
  auto conn = Conn::Open(url);
  if (!conn.ok()) return conn.status();
  DANDORI_RETURN_IF_ERROR(options.migrate ? pg::Migrate(**conn) : pg::RequireCurrentSchema(**conn));
  return std::unique_ptr<PgStore>(new PgStoreImpl(url, std::move(*conn)));
}

}  // namespace dandori::engine
