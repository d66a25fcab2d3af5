// Inside the PostgreSQL store (engine/pg only): the PgStore implementation class, split
// over pg_store.cc (jobs, tasks, events, signals, counts, opening), pg_commit.cc
// (Commit: a Batch as one pipelined transaction, and the commit marker) and
// pg_outage.cc (waiting through database outages).
//
// Thread rules: one thread at a time, like every Store.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_pool.h"
#include "engine/pg/pg_store.h"

namespace dandori::engine::pg {

TaskRow ReadTask(const PgResult& r, int row, int c);
JobInfo ReadJob(const PgResult& r, int row);
Params EventParams(const Event& e);

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

class PgStoreImpl final : public PgStore {
 public:
  // Either `conn` (this store's own connection) or `pool` (each call borrows one).
  PgStoreImpl(std::string url, PgStoreOptions options, std::unique_ptr<Conn> conn,
              std::shared_ptr<ConnPool> pool);
  ~PgStoreImpl() override;

  Result<JobInfo> CreateJob(const JobSpec& spec, int64_t now_ms, bool* created) override;
  Result<JobInfo> GetJob(int64_t id) override;
  Result<std::vector<JobInfo>> ListJobs(int limit) override;
  Result<std::vector<JobInfo>> ListJobsPage(int state, const std::string& workflow,
                                            int64_t before_id, int limit) override;
  Status AcquireJob(int64_t job, const std::string& owner, int64_t now_ms, int64_t until_ms,
                    bool force) override;
  Status ReleaseJob(int64_t job, const std::string& owner) override;
  Status Commit(const Batch& batch, std::vector<bool>* accepted) override;
  Result<std::vector<Claim>> ClaimTasks(int64_t job, const std::string& owner, int64_t now_ms,
                                        int64_t lease_ms, int max) override;
  Result<std::vector<Claim>> ClaimTasksFor(int64_t job, const std::string& owner, int64_t now_ms,
                                           int64_t lease_ms, int max,
                                           const std::vector<std::string>& op_patterns) override;
  Status Heartbeat(int64_t job, const std::string& key, int64_t fence,
                   int64_t lease_until_ms) override;
  Result<std::vector<TaskRow>> LoadTasks(int64_t job) override;
  Result<TaskRow> GetTask(int64_t job, const std::string& key) override;
  Result<std::vector<Event>> ListEvents(int64_t job, int64_t after_seq, int limit) override;
  Status AddSignal(int64_t job, const Signal& s) override;
  Result<std::vector<Signal>> ListSignals(int64_t job) override;
  Result<std::vector<LogChunk>> ListLogs(int64_t job, const std::string& task, int attempt,
                                         int64_t since_ms) override;
  Status ClearSignal(int64_t job, const std::string& kind, const std::string& name) override;
  Result<bool> WaitForWork(int timeout_ms) override;
  Result<std::vector<TaskCount>> CountTasks(int64_t job) override;
  Result<std::vector<std::pair<std::string, int64_t>>> Gauges(int64_t now_ms) override;
  Result<std::vector<std::pair<int, int64_t>>> CountJobs() override;
  Status Ping() override;
  Result<std::vector<AlertRow>> ListAlerts(int64_t job) override;

 private:
  // pg_outage.cc. Runs `f` (statements on c_) on a live connection; while the database
  // is unreachable and options allow, waits with backoff and runs it again.
  template <typename F>
  auto Patient(F f) -> decltype(f());
  // Reconnects a connection the server dropped (a restart, a failover).
  Status Ready();
  // After a failed try: true when the caller should wait (done here) and try again.
  bool WaitAfter(const Status& st, int64_t* backoff_ms);
  void OutageOver();

  // pg_commit.cc.
  struct Plan;  // a Batch as pipeline steps
  Status PlanCommit(const Batch& batch, Plan* plan, std::vector<bool>* accepted);
  Result<Conn::Step> StepFor(const Batch::Op& op, bool* notify);
  Result<std::string> OpOf(int64_t job, const std::string& key);
  // After a commit whose answer was lost: did the transaction with marker `seq` land?
  Result<bool> Landed(int64_t seq);

  std::string url_;
  PgStoreOptions opt_;
  // Sets c_ for the current call: this store's own connection, or one borrowed from the
  // pool (the outermost Hold borrows it, nested ones reuse it, the outermost returns it).
  class Hold {
   public:
    explicit Hold(PgStoreImpl* s);
    ~Hold();
    bool ok() const { return st_.ok(); }
    const Status& status() const { return st_; }

   private:
    PgStoreImpl* s_;
    bool counted_ = false;
    Status st_;
  };

  Conn* c_ = nullptr;  // valid while a Hold is alive
  std::unique_ptr<Conn> own_;
  std::shared_ptr<ConnPool> pool_;
  ConnPool::Lease lease_;
  int holds_ = 0;
  std::unique_ptr<Conn> listen_;                     // LISTEN dandori_work (WaitForWork)
  std::map<int64_t, std::vector<std::string>> ops_;  // job -> operator per state
  std::string writer_;                               // this store's commit marker row
  int64_t commit_seq_ = 0;
  bool in_outage_ = false;
};

template <typename F>
auto PgStoreImpl::Patient(F f) -> decltype(f()) {
  int64_t backoff_ms = 0;
  while (true) {
    Status failed;
    {
      Hold hold(this);  // a borrowed connection goes back before the backoff wait
      Status ready = hold.ok() ? Ready() : hold.status();
      if (ready.ok()) {
        auto r = f();
        Status st = StatusOf(r);
        if (st.code() != Code::kUnavailable) {
          OutageOver();
          return r;
        }
        failed = st;
      } else {
        failed = ready;
      }
    }
    if (!WaitAfter(failed, &backoff_ms)) return failed;
  }
}

}  // namespace dandori::engine::pg
