// The PostgreSQL store: the same Store contract as the embedded SQLite store
// (engine/store.h), for several engine (`serve`) and worker processes on one or many
// machines sharing one database.
//
// How it keeps the promises:
//  * Claims are one statement: SELECT ... FOR UPDATE SKIP LOCKED picks due tasks that
//    no concurrent claimer holds, and the same statement bumps their fencing token,
//    attempts and lease and appends their events; nothing is handed out before the
//    statement's transaction commits.
//  * Start / Finish are conditional on the fencing token (UPDATE ... WHERE fence = ..),
//    so of two engines advancing the same job only one can issue its next task, and a
//    stalled worker's late result is refused.
//  * Commit(Batch) is one transaction sent as one pipeline (one round trip, one WAL
//    flush for the whole batch: group commit).
//  * A commit that makes work due sends NOTIFY dandori_work (delivered at commit);
//    WaitForWork() LISTENs on a second connection so an idle worker wakes within
//    milliseconds instead of polling.
//  * Outages (PgStoreOptions::keep_waiting): a call that finds the database gone waits
//    for it, reconnecting with backoff, and runs again. A commit whose connection broke
//    before its answer came is not repeated blindly: each commit also writes this
//    store's commit marker (dandori.commit_marks), and after reconnecting the store
//    reads the marker to learn whether the commit landed.
//
// Thread rules: like every Store, one thread at a time per object; open one PgStore per
// thread (each has its own connection, or borrows one per call from a shared pool).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/job_control.h"
#include "engine/store.h"

namespace dandori::engine {

namespace pg {
class ConnPool;  // engine/pg/pg_pool.h
}

struct PgStoreOptions {
  // true: bring the schema up to date (serve); false: require it current (worker).
  bool migrate = true;
  // Database outages. Null: a call that finds the database unreachable fails with
  // kUnavailable. Set: the call waits for the database (reconnecting with backoff,
  // 100 ms doubling to max_backoff_ms) and runs again for as long as keep_waiting() is
  // true; when it turns false the call fails with kUnavailable. (serve's job drivers.)
  std::function<bool()> keep_waiting = nullptr;
  // Keep it well under the job lease: after a restart the database gives each lease
  // one lease of grace to be renewed in (docs/postgres.md, "Outages").
  int64_t max_backoff_ms = 2000;
  // Told when an outage begins and when it ends (log lines); may be null.
  std::function<void(const std::string&)> on_outage = nullptr;
  // A job lease the owner already holds (serve's job finder takes free jobs' leases in
  // the statement that finds them): the first AcquireJob of held_job by held_owner,
  // while more than half of the asked lease is left before held_until_ms, succeeds
  // without a statement (one commit less between a submit and its first task).
  int64_t held_job = 0;
  std::string held_owner;
  int64_t held_until_ms = 0;
};

class PgStore : public Store {
 public:
  // Waits up to timeout_ms for a NOTIFY that work became due (or a new job); returns
  // true if one came. The first call starts listening.
  virtual Result<bool> WaitForWork(int timeout_ms) = 0;
  // ClaimTasks restricted to tasks whose operator matches one of `op_patterns`
  // ("media.*", "core.noop"); empty: any operator. job 0: any running job.
  virtual Result<std::vector<Claim>> ClaimTasksFor(int64_t job, const std::string& owner,
                                                   int64_t now_ms, int64_t lease_ms, int max,
                                                   const std::vector<std::string>& op_patterns) = 0;
  // Jobs filtered by state (-1: any) and workflow (empty: any), id < before_id (0: no
  // bound), newest first.
  virtual Result<std::vector<JobInfo>> ListJobsPage(int state, const std::string& workflow,
                                                    int64_t before_id, int limit) = 0;
  // Tasks per (state, operator) over running and recent jobs, and claims waiting, for
  // /metrics: rows of {state, op, count}.
  struct TaskCount {
    int state = 0;
    std::string op;
    int64_t count = 0;
  };
  virtual Result<std::vector<TaskCount>> CountTasks(int64_t job) = 0;
  // Named database-wide gauges and counters for /metrics (queue depth, retries, ...).
  virtual Result<std::vector<std::pair<std::string, int64_t>>> Gauges(int64_t now_ms) = 0;
  // Jobs per state.
  virtual Result<std::vector<std::pair<int, int64_t>>> CountJobs() = 0;
  // One round trip to the database, never waiting through an outage (/healthz).
  virtual Status Ping() = 0;
  // The alert outbox rows of a job (server/alerts.h), oldest first.
  struct AlertRow {
    int state = 0;  // 0 pending, 1 delivered, 2 failed
    int attempts = 0;
    std::string error;
    int64_t not_before_ms = 0;
    int64_t created_ms = 0;
  };
  virtual Result<std::vector<AlertRow>> ListAlerts(int64_t job) = 0;
};

// Fills st->alerts from the outbox when `store` is a PgStore (other stores have none):
// the one place `status` (CLI on a database URL) and the HTTP API read them.
Status ReadAlerts(Store& store, JobStatus* st);

// url: postgres://user@host:port/db (any libpq connection string works too).
Result<std::unique_ptr<PgStore>> OpenPgStore(const std::string& url,
                                             const PgStoreOptions& options = {});

// A store whose calls each borrow a connection from `pool` (engine/pg/pg_pool.h) and
// give it back: one store per job, a few connections for all (`dandori serve`). The
// schema is not checked (the pool's owner did that). WaitForWork still opens its own
// LISTEN connection: a pooled store is for job drivers, which do not call it.
std::unique_ptr<PgStore> OpenPooledPgStore(std::shared_ptr<pg::ConnPool> pool,
                                           const PgStoreOptions& options = {});

// Is `spec` a PostgreSQL URL (postgres:// or postgresql://)?
bool IsPostgresUrl(const std::string& spec);

}  // namespace dandori::engine
