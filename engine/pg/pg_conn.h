// A thin RAII layer over libpq (the C client) for the PostgreSQL store: one
// connection, prepared statements by name (prepared lazily on first use, then reused),
// parameters and results in binary format, and LISTEN/NOTIFY waiting.
//
// Every statement is parameterized: SQL text is a compile-time constant and values
// travel separately (PQexecPrepared / PQexecParams); nothing is ever spliced into SQL.
//
// Thread rules: a Conn is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dandori::engine::pg {

// Parameter values with their types (binary format).
class Params {
 public:
  Params& Int(int64_t v);                                 // int8
  Params& Int4(int32_t v);                                // int4
  Params& Text(std::string_view v);                       // text
  Params& Bytes(std::string_view v);                      // bytea
  Params& Bool(bool v);                                   // bool
  Params& TextArray(const std::vector<std::string>& v);   // text[]
  Params& IntArray(const std::vector<int64_t>& v);        // int8[]
  Params& BytesArray(const std::vector<std::string>& v);  // bytea[]

  int size() const { return static_cast<int>(values_.size()); }
  const std::vector<unsigned>& types() const { return types_; }
  void Pointers(std::vector<const char*>* values, std::vector<int>* lengths,
                std::vector<int>* formats) const;

 private:
  void Add(unsigned oid, std::string bytes);
  std::vector<unsigned> types_;
  std::vector<std::string> values_;
};

// A query result (binary format). Column accessors take the row and column index.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, PQclear) {}
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  int64_t affected() const;  // rows changed by INSERT/UPDATE/DELETE
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
  int64_t Int(int row, int col) const;  // int2/int4/int8 by column type
  bool Bool(int row, int col) const;
  std::string Bytes(int row, int col) const;  // text or bytea: the raw bytes
  PGresult* raw() const { return r_.get(); }

 private:
  std::shared_ptr<PGresult> r_;
};

// A SQL statement with a stable name for the server-side prepared statement.
struct Sql {
  const char* name;
  const char* text;
};

class Conn {
 public:
  static Result<std::unique_ptr<Conn>> Open(const std::string& url);
  // Like Open, but returns the connection even when it could not connect (Broken();
  // Reset() tries again): for connection pools.
  static std::unique_ptr<Conn> OpenOrBroken(const std::string& url);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Runs a prepared statement (prepared on first use on this connection).
  Result<PgResult> Run(const Sql& sql, const Params& params = Params());
  // Runs `stmts` as one transaction (BEGIN ... COMMIT) in pipeline mode: one round
  // trip per chunk instead of one per statement. results[i] is stmts[i]'s result. On
  // error the transaction is rolled back and the first error returned.
  struct Step {
    const Sql* sql;
    Params params;
  };
  Status RunTransaction(const std::vector<Step>& stmts, std::vector<PgResult>* results);
  // Runs SQL without parameters (DDL, BEGIN/COMMIT, LISTEN with a constant channel).
  Status Exec(const char* sql);

  // Waits up to timeout_ms for a notification on a LISTENed channel; returns whether
  // one (or more; all pending are drained) arrived. A readable `wake_fd` (an eventfd,
  // drained here) ends the wait early too. `channels` (optional) gets the channel of each
  // notification drained.
  Result<bool> WaitNotify(int timeout_ms, int wake_fd = -1,
                          std::vector<std::string>* channels = nullptr);
  // Reconnects after a lost connection (prepared statements are forgotten).
  Status Reset();
  bool Broken() const { return PQstatus(c_) != CONNECTION_OK; }
  PGconn* raw() { return c_; }

 private:
  explicit Conn(PGconn* c) : c_(c) {}
  Status Check(PGresult* r, const char* what);
  Status Prepare(const Sql& sql, const Params& params);
  Status PipelineBody(const std::vector<Step>& stmts, std::vector<PgResult>* results);
  PGconn* c_;
  std::set<std::string> prepared_;
  bool synced_ = false;  // RunTransaction: the pipeline's Sync was sent
};

// Maps a libpq error to a Status: connection problems are kUnavailable, serialization
// failures and deadlocks kTransient (safe to retry the transaction), the rest kInternal.
Status ErrorStatus(PGconn* c, const PGresult* r, std::string_view what);

// Runs BEGIN; the destructor rolls back unless Commit() succeeded.
class Txn {
 public:
  explicit Txn(Conn& c) : c_(c) {}
  ~Txn();
  Status Begin(const char* begin_sql = "BEGIN");
  Status Commit();

 private:
  Conn& c_;
  bool open_ = false;
};

// "media.*" -> "media.%" for LIKE, escaping LIKE's own wildcards (operator filters).
std::string GlobToLike(const std::string& glob);

}  // namespace dandori::engine::pg
