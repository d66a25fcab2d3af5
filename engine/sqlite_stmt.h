// Thin RAII wrappers over the SQLite C API for the embedded store: a connection (Db)
// with a cache of prepared statements, a statement (Stmt) with typed binds/reads, and a
// write transaction (Txn) that rolls back unless committed. SQLite result codes become
// Status: busy/locked -> kUnavailable, not-a-database/corrupt -> kCorruption.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dandori::engine {

Status SqliteStatus(int rc, sqlite3* db, const std::string& what);

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  void Bind(int i, int64_t v);
  void Bind(int i, const std::string& v);
  void BindBlob(int i, const std::string& v);
  void BindNull(int i);
  // true: a row is available; false: done (the statement stays bound until Reset).
  Result<bool> Step();
  // Steps to completion and resets.
  Status Run();
  void Reset();

  int64_t Int(int col);
  std::string Text(int col);  // text or blob bytes; "" for null

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Db {
 public:
  static Result<Db> Open(const std::string& path, int busy_timeout_ms);
  Db(Db&& o) noexcept;
  Db& operator=(Db&&) = delete;
  ~Db();

  // A cached prepared statement; aborts on SQL that does not compile (a bug, not input).
  Stmt& Prepare(const std::string& sql);
  Status Exec(const std::string& sql);
  // First column of the first row; kNotFound when the query fails for a missing table.
  Result<std::string> QueryText(const std::string& sql);
  int64_t LastInsertId();
  int Changes();
  sqlite3* raw() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Stmt>> cache_;
};

// BEGIN IMMEDIATE on Begin(); ROLLBACK in the destructor unless Commit() succeeded.
class Txn {
 public:
  explicit Txn(Db& db) : db_(db) {}
  ~Txn();
  Status Begin();
  Status Commit();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace dandori::engine
