// PostgreSQL implementation of Store: see pg_store.h; the SQL is in pg_sql.h. Commit is
// in pg_commit.cc, outage handling in pg_outage.cc.
#include "engine/pg/pg_store.h"

#include <random>

#include "engine/job_runner.h"
#include "engine/pg/pg_schema.h"
#include "engine/pg/pg_sql.h"
#include "engine/pg/pg_store_impl.h"

namespace dandori::engine {
namespace pg {

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
  t.label = r.Bytes(row, c + 12);
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

Params EventParams(const Event& e) {
  return Params().Int(e.job).Int(e.at_ms).Text(e.who).Text(e.what).Text(e.task).Int(e.attempt).Text(
      e.detail);
}

namespace {

std::vector<JobInfo> ReadJobs(const PgResult& r) {
  std::vector<JobInfo> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ReadJob(r, i));
  return out;
}

// A name for this store's commit marker row: the process and a random part (several
// stores per process).
std::string WriterName() {
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(r));
  return LocalOwner() + ":" + hex;
}

}  // namespace

PgStoreImpl::PgStoreImpl(std::string url, PgStoreOptions options, std::unique_ptr<Conn> conn,
                         std::shared_ptr<ConnPool> pool)
    : url_(std::move(url)),
      opt_(std::move(options)),
      own_(std::move(conn)),
      pool_(std::move(pool)),
      writer_(WriterName()) {}

PgStoreImpl::~PgStoreImpl() {
  // This store's commit marker is of no use to anyone else (one try, no waiting).
  if (commit_seq_ == 0) return;
  Hold hold(this);
  if (hold.ok() && !c_->Broken()) (void)c_->Run(sql::kForgetMark, Params().Text(writer_));
}

PgStoreImpl::Hold::Hold(PgStoreImpl* s) : s_(s) {
  if (s_->own_) {
    s_->c_ = s_->own_.get();
    return;
  }
  if (s_->holds_ == 0) {
    s_->lease_ = s_->pool_->Acquire();
    s_->c_ = s_->lease_.get();
  }
  ++s_->holds_;
  counted_ = true;
}

PgStoreImpl::Hold::~Hold() {
  if (!counted_ || --s_->holds_ > 0) return;
  s_->c_ = nullptr;
  s_->lease_.Release();
}

Result<JobInfo> PgStoreImpl::CreateJob(const JobSpec& spec, int64_t now_ms, bool* created) {
  auto insert = [&]() -> Result<int64_t> {
    // One transaction: the job row, its job.created event and the wake-up together.
    Txn txn(*c_);
    DANDORI_RETURN_IF_ERROR(txn.Begin());
    auto ins = c_->Run(sql::kInsertJob, Params()
                                            .Text(spec.key)
                                            .Text(spec.workflow)
                                            .Bytes(spec.table)
                                            .Bytes(spec.params)
                                            .Text(spec.workdir)
                                            .Int(now_ms));
    if (!ins.ok()) return ins.status();
    if (ins->rows() == 0) return int64_t{0};  // the key is taken (maybe by a racing submit)
    int64_t id = ins->Int(0, 0);
    DANDORI_RETURN_IF_ERROR(
        c_->Run(sql::kInsertEvent,
                EventParams({0, id, now_ms, "engine", "job.created", "", 0, spec.key}))
            .status());
    DANDORI_RETURN_IF_ERROR(c_->Run(sql::kNotifyJob).status());
    DANDORI_RETURN_IF_ERROR(txn.Commit());
    return id;
  };
  Hold hold(this);
  if (!hold.ok()) return hold.status();
  // A keyless submit whose answer was lost may have landed: it is not repeated.
  if (spec.key.empty()) DANDORI_RETURN_IF_ERROR(Ready());
  Result<int64_t> id = spec.key.empty() ? insert() : Patient(insert);
  if (!id.ok()) return id.status();
  if (created) *created = *id != 0;
  if (*id != 0) return GetJob(*id);
  return Patient([&]() -> Result<JobInfo> {
    auto existing = c_->Run(sql::kJobByKey, Params().Text(spec.key));
    if (!existing.ok()) return existing.status();
    if (existing->rows() == 0) return Status::Internal("job key vanished: " + spec.key);
    return ReadJob(*existing, 0);
  });
}

Result<JobInfo> PgStoreImpl::GetJob(int64_t id) {
  return Patient([&]() -> Result<JobInfo> {
    auto r = c_->Run(sql::kJobById, Params().Int(id));
    if (!r.ok()) return r.status();
    if (r->rows() == 0) return Status::NotFound("no job " + std::to_string(id) + " in this store");
    return ReadJob(*r, 0);
  });
}

Result<std::vector<JobInfo>> PgStoreImpl::ListJobs(int limit) {
  return ListJobsPage(-1, "", 0, limit);
}

Result<std::vector<JobInfo>> PgStoreImpl::ListJobsPage(int state, const std::string& workflow,
                                                       int64_t before_id, int limit) {
  return Patient([&]() -> Result<std::vector<JobInfo>> {
    auto r =
        c_->Run(sql::kListJobsPage, Params().Int(state).Text(workflow).Int(before_id).Int(limit));
    if (!r.ok()) return r.status();
    return ReadJobs(*r);
  });
}

Status PgStoreImpl::AcquireJob(int64_t job, const std::string& owner, int64_t now_ms,
                               int64_t until_ms, bool force) {
  bool held = !force && job == opt_.held_job && owner == opt_.held_owner &&
              now_ms < opt_.held_until_ms - (until_ms - now_ms) / 2;
  opt_.held_until_ms = 0;  // once: renewals write the lease
  if (held) return Status::Ok();
  auto got = Patient([&]() -> Result<bool> {
    auto r = c_->Run(sql::kAcquireJob,
                     Params().Int(job).Text(owner).Int(now_ms).Int(until_ms).Bool(force));
    if (!r.ok()) return r.status();
    return r->rows() == 1;
  });
  if (!got.ok()) return got.status();
  if (*got) return Status::Ok();
  auto j = GetJob(job);
  if (!j.ok()) return j.status();
  return Status::FailedPrecondition("job " + std::to_string(job) + " is being run by " + j->owner);
}

Status PgStoreImpl::ReleaseJob(int64_t job, const std::string& owner) {
  return Patient([&] { return c_->Run(sql::kReleaseJob, Params().Int(job).Text(owner)).status(); });
}

Result<std::vector<Claim>> PgStoreImpl::ClaimTasks(int64_t job, const std::string& owner,
                                                   int64_t now_ms, int64_t lease_ms, int max) {
  return ClaimTasksFor(job, owner, now_ms, lease_ms, max, {});
}

Result<std::vector<Claim>> PgStoreImpl::ClaimTasksFor(int64_t job, const std::string& owner,
                                                      int64_t now_ms, int64_t lease_ms, int max,
                                                      const std::vector<std::string>& op_patterns) {
  std::vector<std::string> likes;
  for (const auto& p : op_patterns) likes.push_back(GlobToLike(p));
  // Not Patient: a claim whose answer was lost may have been granted; a caller that
  // claims again gets other tasks, and the lost ones are rescued after their lease.
  Hold hold(this);
  if (!hold.ok()) return hold.status();
  DANDORI_RETURN_IF_ERROR(Ready());
  auto r =
      c_->Run(sql::kClaim,
              Params().Int(job).Text(owner).Int(now_ms).Int(lease_ms).Int(max).TextArray(likes));
  if (!r.ok()) return r.status();
  std::vector<Claim> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back({r->Int(i, 0), ReadTask(*r, i, 1)});
  return out;
}

Status PgStoreImpl::Heartbeat(int64_t job, const std::string& key, int64_t fence,
                              int64_t lease_until_ms) {
  auto n = Patient([&]() -> Result<int64_t> {
    auto r = c_->Run(sql::kHeartbeat, Params().Int(job).Text(key).Int(fence).Int(lease_until_ms));
    if (!r.ok()) return r.status();
    return r->affected();
  });
  if (!n.ok()) return n.status();
  if (*n == 0) {
    return Status::FailedPrecondition("stale fencing token " + std::to_string(fence) +
                                      " for task " + key);
  }
  return Status::Ok();
}

Result<std::vector<TaskRow>> PgStoreImpl::LoadTasks(int64_t job) {
  return Patient([&]() -> Result<std::vector<TaskRow>> {
    auto r = c_->Run(sql::kLoadTasks, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<TaskRow> out;
    for (int i = 0; i < r->rows(); ++i) out.push_back(ReadTask(*r, i, 0));
    return out;
  });
}

Result<TaskRow> PgStoreImpl::GetTask(int64_t job, const std::string& key) {
  return Patient([&]() -> Result<TaskRow> {
    auto r = c_->Run(sql::kGetTask, Params().Int(job).Text(key));
    if (!r.ok()) return r.status();
    if (r->rows() == 0)
      return Status::NotFound("no task " + key + " in job " + std::to_string(job));
    return ReadTask(*r, 0, 0);
  });
}

Result<std::vector<Event>> PgStoreImpl::ListEvents(int64_t job, int64_t after_seq, int limit) {
  return Patient([&]() -> Result<std::vector<Event>> {
    auto r = c_->Run(sql::kListEvents, Params().Int(job).Int(after_seq).Int(limit));
    if (!r.ok()) return r.status();
    std::vector<Event> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->Int(i, 0), r->Int(i, 1), r->Int(i, 2), r->Bytes(i, 3), r->Bytes(i, 4),
                     r->Bytes(i, 5), static_cast<int>(r->Int(i, 6)), r->Bytes(i, 7)});
    }
    return out;
  });
}

Status PgStoreImpl::AddSignal(int64_t job, const Signal& s) {
  // A signal is keyed (job, kind, name): repeating one after a lost answer is harmless.
  return Patient([&]() -> Status {
    Txn txn(*c_);
    DANDORI_RETURN_IF_ERROR(txn.Begin());
    auto r = c_->Run(sql::kAddSignal,
                     Params().Int(job).Text(s.kind).Text(s.name).Text(s.who).Int(s.at_ms));
    if (!r.ok()) return r.status();
    if (r->affected() > 0) {
      std::string what = s.kind == "approve" ? "gate.approved" : "job." + s.kind + "_requested";
      DANDORI_RETURN_IF_ERROR(c_->Run(sql::kLockJobEvents, Params().IntArray({job})).status());
      DANDORI_RETURN_IF_ERROR(
          c_->Run(sql::kInsertEvent, EventParams({0, job, s.at_ms, s.who, what, s.name, 0, ""}))
              .status());
      DANDORI_RETURN_IF_ERROR(c_->Run(sql::kNotify).status());
    }
    return txn.Commit();
  });
}

Result<std::vector<Signal>> PgStoreImpl::ListSignals(int64_t job) {
  return Patient([&]() -> Result<std::vector<Signal>> {
    auto r = c_->Run(sql::kListSignals, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<Signal> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->Bytes(i, 0), r->Bytes(i, 1), r->Bytes(i, 2), r->Int(i, 3)});
    }
    return out;
  });
}

Result<std::vector<LogChunk>> PgStoreImpl::ListLogs(int64_t job, const std::string& task,
                                                    int attempt, int64_t since_ms) {
  return Patient([&]() -> Result<std::vector<LogChunk>> {
    auto r = c_->Run(sql::kListLogs, Params().Int(job).Text(task).Int(attempt).Int(since_ms));
    if (!r.ok()) return r.status();
    std::vector<LogChunk> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({r->Bytes(i, 0), static_cast<int>(r->Int(i, 1)), r->Bytes(i, 2), r->Bytes(i, 3),
                     r->Bool(i, 4), r->Int(i, 5)});
    }
    return out;
  });
}

Status PgStoreImpl::ClearSignal(int64_t job, const std::string& kind, const std::string& name) {
  return Patient(
      [&] { return c_->Run(sql::kClearSignal, Params().Int(job).Text(kind).Text(name)).status(); });
}

Result<bool> PgStoreImpl::WaitForWork(int timeout_ms) {
  if (!listen_ || listen_->Broken()) {
    auto c = Conn::Open(url_);
    if (!c.ok()) return c.status();
    listen_ = std::move(*c);
    DANDORI_RETURN_IF_ERROR(listen_->Exec("LISTEN dandori_work"));
    return true;  // work may have become due while we were not listening
  }
  return listen_->WaitNotify(timeout_ms);
}

Result<std::vector<PgStore::TaskCount>> PgStoreImpl::CountTasks(int64_t job) {
  return Patient([&]() -> Result<std::vector<TaskCount>> {
    auto r = c_->Run(sql::kCountTasks, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<TaskCount> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({static_cast<int>(r->Int(i, 0)), r->Bytes(i, 1), r->Int(i, 2)});
    }
    return out;
  });
}

Result<std::vector<std::pair<std::string, int64_t>>> PgStoreImpl::Gauges(int64_t now_ms) {
  return Patient([&]() -> Result<std::vector<std::pair<std::string, int64_t>>> {
    auto r = c_->Run(sql::kGauges, Params().Int(now_ms));
    if (!r.ok()) return r.status();
    std::vector<std::pair<std::string, int64_t>> out;
    for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->Bytes(i, 0), r->Int(i, 1));
    return out;
  });
}

Result<std::vector<std::pair<int, int64_t>>> PgStoreImpl::CountJobs() {
  return Patient([&]() -> Result<std::vector<std::pair<int, int64_t>>> {
    auto r = c_->Run(sql::kCountJobs);
    if (!r.ok()) return r.status();
    std::vector<std::pair<int, int64_t>> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.emplace_back(static_cast<int>(r->Int(i, 0)), r->Int(i, 1));
    }
    return out;
  });
}

Status PgStoreImpl::Ping() {
  Hold hold(this);
  if (!hold.ok()) return hold.status();
  DANDORI_RETURN_IF_ERROR(Ready());
  return c_->Exec("SELECT 1");
}

Result<std::vector<PgStore::AlertRow>> PgStoreImpl::ListAlerts(int64_t job) {
  return Patient([&]() -> Result<std::vector<AlertRow>> {
    auto r = c_->Run(sql::kListAlerts, Params().Int(job));
    if (!r.ok()) return r.status();
    std::vector<AlertRow> out;
    for (int i = 0; i < r->rows(); ++i) {
      out.push_back({static_cast<int>(r->Int(i, 0)), static_cast<int>(r->Int(i, 1)), r->Bytes(i, 2),
                     r->Int(i, 3), r->Int(i, 4)});
    }
    return out;
  });
}

}  // namespace pg

bool IsPostgresUrl(const std::string& spec) {
  return spec.rfind("postgres://", 0) == 0 || spec.rfind("postgresql://", 0) == 0;
}

Status ReadAlerts(Store& store, JobStatus* st) {
  auto* pg = dynamic_cast<PgStore*>(&store);
  if (!pg) return Status::Ok();
  auto rows = pg->ListAlerts(st->job.id);
  if (!rows.ok()) return rows.status();
  st->alerts.clear();
  for (const auto& a : *rows) {
    st->alerts.push_back({a.state == 0   ? "pending"
                          : a.state == 1 ? "delivered"
                                         : "failed",
                          a.attempts, a.error, a.state == 0 ? a.not_before_ms : 0, a.created_ms});
  }
  return Status::Ok();
}

Result<std::unique_ptr<PgStore>> OpenPgStore(const std::string& url,
                                             const PgStoreOptions& options) {
  auto conn = pg::Conn::Open(url);
  if (!conn.ok()) return conn.status();
  DANDORI_RETURN_IF_ERROR(options.migrate ? pg::Migrate(**conn) : pg::RequireCurrentSchema(**conn));
  return std::unique_ptr<PgStore>(new pg::PgStoreImpl(url, options, std::move(*conn), nullptr));
}

std::unique_ptr<PgStore> OpenPooledPgStore(std::shared_ptr<pg::ConnPool> pool,
                                           const PgStoreOptions& options) {
  std::string url = pool->url();
  return std::unique_ptr<PgStore>(new pg::PgStoreImpl(url, options, nullptr, std::move(pool)));
}

}  // namespace dandori::engine
