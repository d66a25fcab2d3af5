#include "engine/sqlite_stmt.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>

namespace dandori::engine {

Status SqliteStatus(int rc, sqlite3* db, const std::string& what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  std::string msg = what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg + " (the store is locked by another process)");
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::Corruption(msg);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_FULL:   // the disk holding the store: clears when space is freed
    case SQLITE_IOERR:  // a failing or vanished disk
      return Status::Unavailable(msg);
    default:
      return Status::Internal(msg);
  }
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

void Stmt::Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
void Stmt::Bind(int i, const std::string& v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void Stmt::BindBlob(int i, const std::string& v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void Stmt::BindNull(int i) { sqlite3_bind_null(s_, i); }

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status st = SqliteStatus(rc, db_, "store");
  Reset();
  return st;
}

Status Stmt::Run() {
  int rc = sqlite3_step(s_);
  Status st = SqliteStatus(rc, db_, "store");
  Reset();
  return st;
}

void Stmt::Reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

int64_t Stmt::Int(int col) { return sqlite3_column_int64(s_, col); }
std::string Stmt::Text(int col) {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

Result<Db> Db::Open(const std::string& path, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(rc, db, "cannot open store " + path);
    sqlite3_close(db);
    return st;
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return Db(db);
}

Db::Db(Db&& o) noexcept : db_(o.db_), cache_(std::move(o.cache_)) { o.db_ = nullptr; }

Db::~Db() {
  cache_.clear();
  if (db_) sqlite3_close(db_);
}

Stmt& Db::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return *it->second;
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    std::fprintf(stderr, "dandori: internal error preparing SQL: %s\n%s\n", sqlite3_errmsg(db_),
                 sql.c_str());
    std::abort();
  }
  auto& slot = cache_[sql];
  slot = std::make_unique<Stmt>(db_, s);
  return *slot;
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  return SqliteStatus(rc, db_, "store");
}

Result<std::string> Db::QueryText(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteStatus(rc, db_, "store");
    std::string m = sqlite3_errmsg(db_);
    sqlite3_finalize(s);
    if (m.find("no such table") != std::string::npos) return Status::NotFound(m);
    return st;
  }
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    Status st = rc == SQLITE_DONE ? Status::NotFound("no row") : SqliteStatus(rc, db_, "store");
    sqlite3_finalize(s);
    return st;
  }
  const unsigned char* t = sqlite3_column_text(s, 0);
  std::string out = t ? reinterpret_cast<const char*>(t) : "";
  sqlite3_finalize(s);
  return out;
}

int64_t Db::LastInsertId() { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() { return sqlite3_changes(db_); }

Txn::~Txn() {
  if (open_) (void)db_.Exec("ROLLBACK");
}

Status Txn::Begin() {
  DANDORI_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status Txn::Commit() {
  Status st = db_.Exec("COMMIT");
  if (st.ok()) open_ = false;
  return st;
}

}  // namespace dandori::engine
