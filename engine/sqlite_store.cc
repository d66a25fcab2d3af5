// SQLite implementation of Store. Every statement is prepared once and cached;
// every write goes through one BEGIN IMMEDIATE ... COMMIT per call.
#include "engine/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "engine/sqlite_stmt.h"

namespace dandori::engine {
namespace {

// The schema of version 1; a new store is made by it and then every migration.
constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT UNIQUE,
  workflow TEXT NOT NULL,
  state INTEGER NOT NULL,
  table_pb BLOB NOT NULL,
  params BLOB NOT NULL,
  workdir TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  owner_until_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE tasks(
  job INTEGER NOT NULL,
  key TEXT NOT NULL,
  stage TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  not_before_ms INTEGER NOT NULL,
  owner TEXT NOT NULL,
  lease_until_ms INTEGER NOT NULL,
  fence INTEGER NOT NULL,
  output BLOB,
  error TEXT NOT NULL,
  error_class INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(job, key)) WITHOUT ROWID;
CREATE TABLE events(
  job INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  who TEXT NOT NULL,
  what TEXT NOT NULL,
  task TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY(job, seq)) WITHOUT ROWID;
CREATE TABLE signals(
  job INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  who TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY(job, kind, name));
CREATE VIEW attempts AS
  SELECT job, task, attempt, at_ms, what AS outcome, who, detail
  FROM events WHERE what LIKE 'task.%';
)sql";

// kMigrations[i] takes a store from schema version i + 1 to i + 2. Never edit a released
// migration: append one and bump kSqliteSchemaVersion.
constexpr const char* kMigrations[] = {
    // 2: task labels (engine/task_label.h) and attempt logs (Store::ListLogs).
    R"sql(
ALTER TABLE tasks ADD COLUMN label TEXT NOT NULL DEFAULT '';
CREATE TABLE logs(
  job INTEGER NOT NULL,
  task TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  stream TEXT NOT NULL,
  text BLOB NOT NULL,
  truncated INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY(job, task, attempt, stream)) WITHOUT ROWID;
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSqliteSchemaVersion - 1);

constexpr const char* kTaskCols =
    "key, stage, state, attempts, not_before_ms, owner, lease_until_ms, fence, output, error, "
    "error_class, updated_ms, label";
constexpr const char* kJobCols =
    "id, COALESCE(key, ''), workflow, state, table_pb, params, workdir, error, created_ms, "
    "updated_ms, owner, owner_until_ms";

TaskRow ReadTask(Stmt& s, int c) {
  TaskRow r;
  r.key = s.Text(c);
  r.stage = s.Text(c + 1);
  r.state = static_cast<TaskState>(s.Int(c + 2));
  r.attempts = static_cast<int>(s.Int(c + 3));
  r.not_before_ms = s.Int(c + 4);
  r.owner = s.Text(c + 5);
  r.lease_until_ms = s.Int(c + 6);
  r.fence = s.Int(c + 7);
  r.output = s.Text(c + 8);
  r.error = s.Text(c + 9);
  r.error_class = static_cast<Code>(s.Int(c + 10));
  r.updated_ms = s.Int(c + 11);
  r.label = s.Text(c + 12);
  return r;
}

JobInfo ReadJob(Stmt& s) {
  JobInfo j;
  j.id = s.Int(0);
  j.key = s.Text(1);
  j.workflow = s.Text(2);
  j.state = static_cast<JobState>(s.Int(3));
  j.table = s.Text(4);
  j.params = s.Text(5);
  j.workdir = s.Text(6);
  j.error = s.Text(7);
  j.created_ms = s.Int(8);
  j.updated_ms = s.Int(9);
  j.owner = s.Text(10);
  j.owner_until_ms = s.Int(11);
  return j;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(Db db) : db_(std::move(db)) {}

  Result<JobInfo> CreateJob(const JobSpec& spec, int64_t now_ms, bool* created) override {
    Txn txn(db_);
    DANDORI_RETURN_IF_ERROR(Begin(txn));
    if (!spec.key.empty()) {
      Stmt& q = db_.Prepare(std::string("SELECT ") + kJobCols + " FROM jobs WHERE key = ?");
      q.Bind(1, spec.key);
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (*row) {
        JobInfo j = ReadJob(q);
        q.Reset();
        if (created) *created = false;
        return j;
      }
      q.Reset();
    }
    Stmt& ins = db_.Prepare(
        "INSERT INTO jobs(key, workflow, state, table_pb, params, workdir, created_ms, "
        "updated_ms) VALUES(?, ?, 0, ?, ?, ?, ?, ?)");
    if (spec.key.empty()) {
      ins.BindNull(1);
    } else {
      ins.Bind(1, spec.key);
    }
    ins.Bind(2, spec.workflow);
    ins.BindBlob(3, spec.table);
    ins.BindBlob(4, spec.params);
    ins.Bind(5, spec.workdir);
    ins.Bind(6, now_ms);
    ins.Bind(7, now_ms);
    DANDORI_RETURN_IF_ERROR(ins.Run());
    int64_t id = db_.LastInsertId();
    Event e{0, id, now_ms, "engine", "job.created", "", 0, spec.key};
    DANDORI_RETURN_IF_ERROR(InsertEvent(e));
    DANDORI_RETURN_IF_ERROR(Finish(txn));
    if (created) *created = true;
    return GetJob(id);
  }

  Result<JobInfo> GetJob(int64_t id) override {
    Stmt& q = db_.Prepare(std::string("SELECT ") + kJobCols + " FROM jobs WHERE id = ?");
    q.Bind(1, id);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      q.Reset();
      return Status::NotFound("no job " + std::to_string(id) + " in this store");
    }
    JobInfo j = ReadJob(q);
    q.Reset();
    return j;
  }

  Result<std::vector<JobInfo>> ListJobs(int limit) override {
    Stmt& q =
        db_.Prepare(std::string("SELECT ") + kJobCols + " FROM jobs ORDER BY id DESC LIMIT ?");
    q.Bind(1, static_cast<int64_t>(limit));
    std::vector<JobInfo> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(ReadJob(q));
    }
    q.Reset();
    return out;
  }

  Status AcquireJob(int64_t job, const std::string& owner, int64_t now_ms, int64_t until_ms,
                    bool force) override {
    Txn txn(db_);
    DANDORI_RETURN_IF_ERROR(Begin(txn));
    auto j = GetJob(job);
    if (!j.ok()) return j.status();
    if (!force && !j->owner.empty() && j->owner != owner && j->owner_until_ms >= now_ms) {
      return Status::FailedPrecondition("job " + std::to_string(job) + " is being run by " +
                                        j->owner);
    }
    Stmt& u = db_.Prepare("UPDATE jobs SET owner = ?, owner_until_ms = ? WHERE id = ?");
    u.Bind(1, owner);
    u.Bind(2, until_ms);
    u.Bind(3, job);
    DANDORI_RETURN_IF_ERROR(u.Run());
    return Finish(txn);
  }

  Status ReleaseJob(int64_t job, const std::string& owner) override {
    Stmt& u =
        db_.Prepare("UPDATE jobs SET owner = '', owner_until_ms = 0 WHERE id = ? AND owner = ?");
    u.Bind(1, job);
    u.Bind(2, owner);
    return u.Run();
  }

  Status Commit(const Batch& batch, std::vector<bool>* accepted) override {
    if (accepted) accepted->assign(batch.size(), true);
    if (batch.empty()) return Status::Ok();
    Txn txn(db_);
    DANDORI_RETURN_IF_ERROR(Begin(txn));
    size_t i = 0;
    for (const Batch::Op& op : batch.ops()) {
      bool ok = true;
      DANDORI_RETURN_IF_ERROR(Apply(op, &ok));
      if (accepted) (*accepted)[i] = ok;
      ++i;
    }
    return Finish(txn);
  }

  Result<std::vector<Claim>> ClaimTasks(int64_t job, const std::string& owner, int64_t now_ms,
                                        int64_t lease_ms, int max) override {
    Txn txn(db_);
    DANDORI_RETURN_IF_ERROR(Begin(txn));
    Stmt& q = db_.Prepare(std::string("SELECT job, ") + kTaskCols +
                          " FROM tasks WHERE job IN (SELECT id FROM jobs WHERE state = 0) AND "
                          "(? = 0 OR job = ?) AND ((state = 0 AND not_before_ms <= ?) OR "
                          "(state = 1 AND lease_until_ms < ?)) LIMIT ?");
    q.Bind(1, job);
    q.Bind(2, job);
    q.Bind(3, now_ms);
    q.Bind(4, now_ms);
    q.Bind(5, static_cast<int64_t>(max));
    std::vector<Claim> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back({q.Int(0), ReadTask(q, 1)});
    }
    q.Reset();
    for (Claim& c : out) {
      bool rescued = c.row.state == TaskState::kRunning;
      if (rescued) {
        DANDORI_RETURN_IF_ERROR(
            InsertEvent({0, c.job, now_ms, owner, "task.rescued", c.row.key, c.row.attempts,
                         "lease of " + c.row.owner + " expired"}));
      }
      c.row.state = TaskState::kRunning;
      c.row.attempts += 1;
      c.row.fence += 1;
      c.row.owner = owner;
      c.row.lease_until_ms = now_ms + lease_ms;
      c.row.updated_ms = now_ms;
      Stmt& u = db_.Prepare(
          "UPDATE tasks SET state = 1, attempts = ?, fence = ?, owner = ?, lease_until_ms = ?, "
          "updated_ms = ? WHERE job = ? AND key = ?");
      u.Bind(1, static_cast<int64_t>(c.row.attempts));
      u.Bind(2, c.row.fence);
      u.Bind(3, owner);
      u.Bind(4, c.row.lease_until_ms);
      u.Bind(5, now_ms);
      u.Bind(6, c.job);
      u.Bind(7, c.row.key);
      DANDORI_RETURN_IF_ERROR(u.Run());
      DANDORI_RETURN_IF_ERROR(
          InsertEvent({0, c.job, now_ms, owner, "task.started", c.row.key, c.row.attempts, ""}));
    }
    DANDORI_RETURN_IF_ERROR(Finish(txn));
    return out;
  }

  Status Heartbeat(int64_t job, const std::string& key, int64_t fence,
                   int64_t lease_until_ms) override {
    Stmt& u = db_.Prepare(
        "UPDATE tasks SET lease_until_ms = ? WHERE job = ? AND key = ? AND fence = ? AND "
        "state = 1");
    u.Bind(1, lease_until_ms);
    u.Bind(2, job);
    u.Bind(3, key);
    u.Bind(4, fence);
    DANDORI_RETURN_IF_ERROR(u.Run());
    if (db_.Changes() == 0) {
      return Status::FailedPrecondition("stale fencing token " + std::to_string(fence) +
                                        " for task " + key);
    }
    return Status::Ok();
  }

  Result<std::vector<TaskRow>> LoadTasks(int64_t job) override {
    Stmt& q = db_.Prepare(std::string("SELECT ") + kTaskCols + " FROM tasks WHERE job = ?");
    q.Bind(1, job);
    std::vector<TaskRow> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(ReadTask(q, 0));
    }
    q.Reset();
    return out;
  }

  Result<TaskRow> GetTask(int64_t job, const std::string& key) override {
    Stmt& q =
        db_.Prepare(std::string("SELECT ") + kTaskCols + " FROM tasks WHERE job = ? AND key = ?");
    q.Bind(1, job);
    q.Bind(2, key);
    auto row = q.Step();
    if (!row.ok()) return row.status();
    if (!*row) {
      q.Reset();
      return Status::NotFound("no task " + key + " in job " + std::to_string(job));
    }
    TaskRow r = ReadTask(q, 0);
    q.Reset();
    return r;
  }

  Result<std::vector<Event>> ListEvents(int64_t job, int64_t after_seq, int limit) override {
    Stmt& q = db_.Prepare(
        "SELECT seq, job, at_ms, who, what, task, attempt, detail FROM events WHERE job = ? AND "
        "seq > ? ORDER BY seq LIMIT ?");
    q.Bind(1, job);
    q.Bind(2, after_seq);
    q.Bind(3, static_cast<int64_t>(limit));
    std::vector<Event> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back({q.Int(0), q.Int(1), q.Int(2), q.Text(3), q.Text(4), q.Text(5),
                     static_cast<int>(q.Int(6)), q.Text(7)});
    }
    q.Reset();
    return out;
  }

  Status AddSignal(int64_t job, const Signal& s) override {
    Txn txn(db_);
    DANDORI_RETURN_IF_ERROR(Begin(txn));
    Stmt& u = db_.Prepare(
        "INSERT OR IGNORE INTO signals(job, kind, name, who, at_ms) VALUES(?, ?, ?, ?, ?)");
    u.Bind(1, job);
    u.Bind(2, s.kind);
    u.Bind(3, s.name);
    u.Bind(4, s.who);
    u.Bind(5, s.at_ms);
    DANDORI_RETURN_IF_ERROR(u.Run());
    if (db_.Changes() > 0) {
      std::string what = s.kind == "approve" ? "gate.approved" : "job." + s.kind + "_requested";
      DANDORI_RETURN_IF_ERROR(InsertEvent({0, job, s.at_ms, s.who, what, s.name, 0, ""}));
    }
    return Finish(txn);
  }

  Result<std::vector<Signal>> ListSignals(int64_t job) override {
    Stmt& q = db_.Prepare("SELECT kind, name, who, at_ms FROM signals WHERE job = ?");
    q.Bind(1, job);
    std::vector<Signal> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back({q.Text(0), q.Text(1), q.Text(2), q.Int(3)});
    }
    q.Reset();
    return out;
  }

  Result<std::vector<LogChunk>> ListLogs(int64_t job, const std::string& task, int attempt,
                                         int64_t since_ms) override {
    Stmt& q = db_.Prepare(
        "SELECT task, attempt, stream, text, truncated, at_ms FROM logs WHERE job = ? AND "
        "(? = '' OR task = ?) AND (? = 0 OR attempt = ?) AND at_ms >= ? "
        "ORDER BY task, attempt, stream");
    q.Bind(1, job);
    q.Bind(2, task);
    q.Bind(3, task);
    q.Bind(4, static_cast<int64_t>(attempt));
    q.Bind(5, static_cast<int64_t>(attempt));
    q.Bind(6, since_ms);
    std::vector<LogChunk> out;
    while (true) {
      auto row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(
          {q.Text(0), static_cast<int>(q.Int(1)), q.Text(2), q.Text(3), q.Int(4) != 0, q.Int(5)});
    }
    q.Reset();
    return out;
  }

  Status ClearSignal(int64_t job, const std::string& kind, const std::string& name) override {
    Stmt& u = db_.Prepare("DELETE FROM signals WHERE job = ? AND kind = ? AND name = ?");
    u.Bind(1, job);
    u.Bind(2, kind);
    u.Bind(3, name);
    return u.Run();
  }

 private:
  // Events get a store-wide increasing seq from meta.event_seq, read once per write
  // transaction (seq_ = 0 outside one) and written back by FlushSeq before COMMIT.
  Status InsertEvent(const Event& e) {
    if (seq_ == 0) {
      auto v = db_.QueryText("SELECT value FROM meta WHERE key = 'event_seq'");
      if (!v.ok()) return v.status();
      seq_ = std::atoll(v->c_str());
      seq_dirty_ = true;
    }
    Stmt& s = db_.Prepare(
        "INSERT INTO events(job, seq, at_ms, who, what, task, attempt, detail) VALUES(?, ?, ?, "
        "?, ?, ?, ?, ?)");
    s.Bind(1, e.job);
    s.Bind(2, ++seq_);
    s.Bind(3, e.at_ms);
    s.Bind(4, e.who);
    s.Bind(5, e.what);
    s.Bind(6, e.task);
    s.Bind(7, static_cast<int64_t>(e.attempt));
    s.Bind(8, e.detail);
    return s.Run();
  }

  Status FlushSeq() {
    if (!seq_dirty_) return Status::Ok();
    Stmt& s = db_.Prepare("UPDATE meta SET value = ? WHERE key = 'event_seq'");
    s.Bind(1, std::to_string(seq_));
    seq_dirty_ = false;
    seq_ = 0;
    return s.Run();
  }

  // Commits `txn` after writing back the event counter; forgets it either way.
  Status Finish(Txn& txn) {
    Status st = FlushSeq();
    seq_ = 0;
    seq_dirty_ = false;
    if (!st.ok()) return st;
    return txn.Commit();
  }

  Status Begin(Txn& txn) {
    seq_ = 0;
    seq_dirty_ = false;
    return txn.Begin();
  }

  int64_t seq_ = 0;
  bool seq_dirty_ = false;

  Status Apply(const Batch::Op& op, bool* ok) {
    const TaskRow& r = op.row;
    switch (op.kind) {
      case Batch::OpKind::kStart: {
        // fence 1 claims a task never stored (or stored as ready with fence 0).
        Stmt& s = db_.Prepare(
            "INSERT INTO tasks(job, key, stage, state, attempts, not_before_ms, owner, "
            "lease_until_ms, fence, output, error, error_class, updated_ms, label) "
            "VALUES(?, ?, ?, 1, ?, 0, ?, ?, ?, NULL, '', 0, ?, ?) "
            "ON CONFLICT(job, key) DO UPDATE SET state = 1, attempts = excluded.attempts, "
            "owner = excluded.owner, lease_until_ms = excluded.lease_until_ms, "
            "fence = excluded.fence, updated_ms = excluded.updated_ms "
            "WHERE tasks.fence = excluded.fence - 1");
        s.Bind(1, op.job);
        s.Bind(2, r.key);
        s.Bind(3, r.stage);
        s.Bind(4, static_cast<int64_t>(r.attempts));
        s.Bind(5, r.owner);
        s.Bind(6, r.lease_until_ms);
        s.Bind(7, r.fence);
        s.Bind(8, r.updated_ms);
        s.Bind(9, r.label);
        if (r.fence < 1) {
          *ok = false;
          s.Reset();
          return Status::Ok();
        }
        DANDORI_RETURN_IF_ERROR(s.Run());
        *ok = db_.Changes() > 0;
        return Status::Ok();
      }
      case Batch::OpKind::kFinish: {
        Stmt& s = db_.Prepare(
            "UPDATE tasks SET state = ?, output = ?, error = ?, error_class = ?, "
            "not_before_ms = ?, owner = '', lease_until_ms = 0, updated_ms = ? "
            "WHERE job = ? AND key = ? AND fence = ? AND state = 1");
        s.Bind(1, static_cast<int64_t>(r.state));
        if (r.output.empty()) {
          s.BindNull(2);
        } else {
          s.BindBlob(2, r.output);
        }
        s.Bind(3, r.error);
        s.Bind(4, static_cast<int64_t>(r.error_class));
        s.Bind(5, r.not_before_ms);
        s.Bind(6, r.updated_ms);
        s.Bind(7, op.job);
        s.Bind(8, r.key);
        s.Bind(9, r.fence);
        DANDORI_RETURN_IF_ERROR(s.Run());
        *ok = db_.Changes() > 0;
        return Status::Ok();
      }
      case Batch::OpKind::kPut: {
        Stmt& s = db_.Prepare(std::string("INSERT OR REPLACE INTO tasks(job, ") + kTaskCols +
                              ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        s.Bind(1, op.job);
        s.Bind(2, r.key);
        s.Bind(3, r.stage);
        s.Bind(4, static_cast<int64_t>(r.state));
        s.Bind(5, static_cast<int64_t>(r.attempts));
        s.Bind(6, r.not_before_ms);
        s.Bind(7, r.owner);
        s.Bind(8, r.lease_until_ms);
        s.Bind(9, r.fence);
        if (r.output.empty()) {
          s.BindNull(10);
        } else {
          s.BindBlob(10, r.output);
        }
        s.Bind(11, r.error);
        s.Bind(12, static_cast<int64_t>(r.error_class));
        s.Bind(13, r.updated_ms);
        s.Bind(14, r.label);
        return s.Run();
      }
      case Batch::OpKind::kLog: {
        const LogChunk& l = op.log;
        Stmt& s = db_.Prepare(
            "INSERT OR REPLACE INTO logs(job, task, attempt, stream, text, truncated, at_ms) "
            "VALUES(?, ?, ?, ?, ?, ?, ?)");
        s.Bind(1, op.job);
        s.Bind(2, l.task);
        s.Bind(3, static_cast<int64_t>(l.attempt));
        s.Bind(4, l.stream);
        s.BindBlob(5, l.text);
        s.Bind(6, static_cast<int64_t>(l.truncated ? 1 : 0));
        s.Bind(7, l.at_ms);
        return s.Run();
      }
      case Batch::OpKind::kEvent:
        return InsertEvent(op.event);
      case Batch::OpKind::kJobState: {
        Stmt& s = db_.Prepare("UPDATE jobs SET state = ?, error = ?, updated_ms = ? WHERE id = ?");
        s.Bind(1, static_cast<int64_t>(op.job_state));
        s.Bind(2, op.error);
        s.Bind(3, op.at_ms);
        s.Bind(4, op.job);
        DANDORI_RETURN_IF_ERROR(s.Run());
        *ok = db_.Changes() > 0;
        return Status::Ok();
      }
    }
    return Status::Internal("unknown batch op");
  }

  Db db_;
};

// Takes a store from schema version `from` to this dandori's, inside the caller's
// transaction.
Status ApplyMigrations(Db& db, int from) {
  for (int v = from; v < kSqliteSchemaVersion; ++v) {
    DANDORI_RETURN_IF_ERROR(db.Exec(kMigrations[v - 1]));
  }
  return Status::Ok();
}

// Takes a store written by an older dandori to this schema in one transaction.
Status Migrate(Db& db, int from) {
  DANDORI_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  // Another process may have migrated it while this one waited for the lock.
  auto now = db.QueryText("SELECT value FROM meta WHERE key = 'schema_version'");
  Status st = now.ok() ? Status::Ok() : now.status();
  if (st.ok()) from = std::atoi(now->c_str());
  if (st.ok()) st = ApplyMigrations(db, from);
  if (st.ok()) {
    st = db.Exec("UPDATE meta SET value = '" + std::to_string(kSqliteSchemaVersion) +
                 "' WHERE key = 'schema_version'");
  }
  if (!st.ok()) {
    (void)db.Exec("ROLLBACK");
    return st;
  }
  return db.Exec("COMMIT");
}

Status CheckOrCreateSchema(Db& db, const std::string& path) {
  auto version = db.QueryText("SELECT value FROM meta WHERE key = 'schema_version'");
  if (version.ok()) {
    int v = std::atoi(version->c_str());
    if (v > kSqliteSchemaVersion) {
      return Status::FailedPrecondition(
          path + ": store schema version " + *version + " is newer than this dandori's (" +
          std::to_string(kSqliteSchemaVersion) + "); upgrade dandori");
    }
    if (v < 1) {
      return Status::Corruption(path + ": store schema version " + *version + " is not valid");
    }
    if (v < kSqliteSchemaVersion) return Migrate(db, v);
    return Status::Ok();
  }
  if (version.status().code() != Code::kNotFound) return version.status();
  // No meta table: an empty database becomes ours; anything else is not a dandori store.
  auto count = db.QueryText("SELECT count(*) FROM sqlite_master");
  if (!count.ok()) return count.status();
  if (*count != "0") {
    return Status::Corruption(path + ": not a dandori store (a SQLite file without its schema)");
  }
  DANDORI_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status st = db.Exec(kSchema);
  if (st.ok()) st = ApplyMigrations(db, 1);
  if (st.ok()) {
    st = db.Exec("INSERT INTO meta(key, value) VALUES('schema_version', '" +
                 std::to_string(kSqliteSchemaVersion) + "'), ('event_seq', '0')");
  }
  if (!st.ok()) {
    (void)db.Exec("ROLLBACK");
    return st;
  }
  return db.Exec("COMMIT");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options) {
  std::error_code ec;
  bool exists = std::filesystem::exists(path, ec);
  if (!exists && !options.create) return Status::NotFound("no store at " + path);
  if (!exists) {
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  }
  auto db = Db::Open(path, options.busy_timeout_ms);
  if (!db.ok()) return db.status();
  DANDORI_RETURN_IF_ERROR(CheckOrCreateSchema(*db, path));
  DANDORI_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL"));
  DANDORI_RETURN_IF_ERROR(
      db->Exec(options.durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  return std::unique_ptr<Store>(new SqliteStore(std::move(*db)));
}

}  // namespace dandori::engine
