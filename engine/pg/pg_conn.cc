// libpq wrapper: see pg_conn.h.
#include "engine/pg/pg_conn.h"

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace dandori::engine::pg {
namespace {

constexpr unsigned kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
                   kTextOid = 25, kTextArrayOid = 1009, kInt8ArrayOid = 1016, kByteaArrayOid = 1001;

void PutBe32(std::string* out, uint32_t v) {
  v = htonl(v);
  out->append(reinterpret_cast<const char*>(&v), 4);
}
void PutBe64(std::string* out, uint64_t v) {
  PutBe32(out, static_cast<uint32_t>(v >> 32));
  PutBe32(out, static_cast<uint32_t>(v));
}
uint64_t GetBe(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Binary array: ndim, has-null flag, element type, then (size, lower bound), elements.
std::string ArrayHeader(unsigned elem_oid, size_t n) {
  std::string out;
  PutBe32(&out, n == 0 ? 0 : 1);
  PutBe32(&out, 0);
  PutBe32(&out, elem_oid);
  if (n > 0) {
    PutBe32(&out, static_cast<uint32_t>(n));
    PutBe32(&out, 1);
  }
  return out;
}

}  // namespace

void Params::Add(unsigned oid, std::string bytes) {
  types_.push_back(oid);
  values_.push_back(std::move(bytes));
}
Params& Params::Int(int64_t v) {
  std::string b;
  PutBe64(&b, static_cast<uint64_t>(v));
  Add(kInt8Oid, std::move(b));
  return *this;
}
Params& Params::Int4(int32_t v) {
  std::string b;
  PutBe32(&b, static_cast<uint32_t>(v));
  Add(kInt4Oid, std::move(b));
  return *this;
}
Params& Params::Text(std::string_view v) {
  Add(kTextOid, std::string(v));
  return *this;
}
Params& Params::Bytes(std::string_view v) {
  Add(kByteaOid, std::string(v));
  return *this;
}
Params& Params::Bool(bool v) {
  Add(kBoolOid, std::string(1, v ? 1 : 0));
  return *this;
}
Params& Params::BytesArray(const std::vector<std::string>& v) {
  std::string b = ArrayHeader(kByteaOid, v.size());
  for (const auto& s : v) {
    PutBe32(&b, static_cast<uint32_t>(s.size()));
    b += s;
  }
  Add(kByteaArrayOid, std::move(b));
  return *this;
}
Params& Params::TextArray(const std::vector<std::string>& v) {
  std::string b = ArrayHeader(kTextOid, v.size());
  for (const auto& s : v) {
    PutBe32(&b, static_cast<uint32_t>(s.size()));
    b += s;
  }
  Add(kTextArrayOid, std::move(b));
  return *this;
}
Params& Params::IntArray(const std::vector<int64_t>& v) {
  std::string b = ArrayHeader(kInt8Oid, v.size());
  for (int64_t x : v) {
    PutBe32(&b, 8);
    PutBe64(&b, static_cast<uint64_t>(x));
  }
  Add(kInt8ArrayOid, std::move(b));
  return *this;
}

void Params::Pointers(std::vector<const char*>* values, std::vector<int>* lengths,
                      std::vector<int>* formats) const {
  for (const auto& v : values_) {
    values->push_back(v.data());
    lengths->push_back(static_cast<int>(v.size()));
    formats->push_back(1);
  }
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::atoll(n) : 0;
}

int64_t PgResult::Int(int row, int col) const {
  if (PQgetisnull(r_.get(), row, col)) return 0;
  const char* p = PQgetvalue(r_.get(), row, col);
  switch (PQftype(r_.get(), col)) {
    case kInt2Oid:
      return static_cast<int16_t>(GetBe(p, 2));
    case kInt4Oid:
      return static_cast<int32_t>(GetBe(p, 4));
    default:
      return static_cast<int64_t>(GetBe(p, 8));
  }
}

bool PgResult::Bool(int row, int col) const {
  return !PQgetisnull(r_.get(), row, col) && PQgetvalue(r_.get(), row, col)[0] != 0;
}

std::string PgResult::Bytes(int row, int col) const {
  if (PQgetisnull(r_.get(), row, col)) return "";
  return std::string(PQgetvalue(r_.get(), row, col), PQgetlength(r_.get(), row, col));
}

Status ErrorStatus(PGconn* c, const PGresult* r, std::string_view what) {
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string text = "postgres: " + std::string(what) + ": " + msg;
  if (PQstatus(c) != CONNECTION_OK) return Status::Unavailable(text);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  if (state && (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0)) {
    return Status::Transient(text);
  }
  // 08: connection exceptions; 57: the server is shutting down, crashed or starting up.
  if (state && (std::strncmp(state, "08", 2) == 0 || std::strncmp(state, "57", 2) == 0)) {
    return Status::Unavailable(text);
  }
  return Status::Internal(text);
}

Result<std::unique_ptr<Conn>> Conn::Open(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Status::Unavailable("cannot connect to PostgreSQL: " + msg);
  }
  // The server's notices ("terminating connection due to immediate shutdown") would go
  // to stderr once per connection; the store reports outages itself (pg_store.h).
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Conn> conn(new Conn(c));
  // Keep our own messages quiet and the session predictable.
  DANDORI_RETURN_IF_ERROR(conn->Exec("SET client_min_messages = warning"));
  return conn;
}

std::unique_ptr<Conn> Conn::OpenOrBroken(const std::string& url) {
  PGconn* c = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Conn> conn(new Conn(c));
  if (PQstatus(c) == CONNECTION_OK) (void)conn->Exec("SET client_min_messages = warning");
  return conn;
}

Conn::~Conn() { PQfinish(c_); }

Status Conn::Check(PGresult* r, const char* what) {
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  return ErrorStatus(c_, r, what);
}

Status Conn::Prepare(const Sql& sql, const Params& params) {
  if (prepared_.count(sql.name)) return Status::Ok();
  PgResult prep(PQprepare(c_, sql.name, sql.text, params.size(), params.types().data()));
  DANDORI_RETURN_IF_ERROR(Check(prep.raw(), sql.name));
  prepared_.insert(sql.name);
  return Status::Ok();
}

Result<PgResult> Conn::Run(const Sql& sql, const Params& params) {
  DANDORI_RETURN_IF_ERROR(Prepare(sql, params));
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  params.Pointers(&values, &lengths, &formats);
  PgResult r(PQexecPrepared(c_, sql.name, params.size(), values.data(), lengths.data(),
                            formats.data(), /*resultFormat=*/1));
  DANDORI_RETURN_IF_ERROR(Check(r.raw(), sql.name));
  return r;
}

Status Conn::RunTransaction(const std::vector<Step>& stmts, std::vector<PgResult>* results) {
  for (const Step& st : stmts) DANDORI_RETURN_IF_ERROR(Prepare(*st.sql, st.params));
  if (!PQenterPipelineMode(c_)) return ErrorStatus(c_, nullptr, "pipeline");
  synced_ = false;
  Status body = PipelineBody(stmts, results);
  if (!synced_) PQpipelineSync(c_);
  // Drain whatever is left so the connection is usable again.
  while (PQpipelineStatus(c_) != PQ_PIPELINE_OFF && !PQexitPipelineMode(c_)) {
    PGresult* r = PQgetResult(c_);
    if (r == nullptr && PQstatus(c_) != CONNECTION_OK) break;
    if (r) PQclear(r);
  }
  if (!body.ok() && PQstatus(c_) == CONNECTION_OK) {
    PgResult r(PQexec(c_, "ROLLBACK"));
  }
  return body;
}

// Sends BEGIN, the statements in chunks (each chunk flushed and its results read before
// the next is sent, so neither side's buffers can fill up), then COMMIT and a Sync.
Status Conn::PipelineBody(const std::vector<Step>& stmts, std::vector<PgResult>* results) {
  constexpr size_t kChunk = 256;
  Status first;
  auto take = [&](PgResult* keep, const char* what) -> bool {
    PGresult* r = PQgetResult(c_);
    if (r == nullptr) {
      if (first.ok()) first = ErrorStatus(c_, nullptr, what);
      return false;
    }
    PgResult res(r);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && first.ok()) {
      first = st == PGRES_PIPELINE_ABORTED ? Status::Internal(std::string("aborted: ") + what)
                                           : ErrorStatus(c_, r, what);
    }
    PGresult* end = PQgetResult(c_);  // the NULL that ends this query's results
    if (end) PQclear(end);
    if (keep) *keep = res;
    return true;
  };
  auto send_plain = [&](const char* sql) {
    return PQsendQueryParams(c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 1);
  };
  results->assign(stmts.size(), PgResult());
  if (!send_plain("BEGIN")) return ErrorStatus(c_, nullptr, "BEGIN");
  bool begun = false;
  for (size_t base = 0; base < stmts.size(); base += kChunk) {
    size_t end = std::min(stmts.size(), base + kChunk);
    for (size_t i = base; i < end; ++i) {
      std::vector<const char*> values;
      std::vector<int> lengths, formats;
      stmts[i].params.Pointers(&values, &lengths, &formats);
      if (!PQsendQueryPrepared(c_, stmts[i].sql->name, stmts[i].params.size(), values.data(),
                               lengths.data(), formats.data(), 1)) {
        return ErrorStatus(c_, nullptr, stmts[i].sql->name);
      }
    }
    if (!PQsendFlushRequest(c_) || PQflush(c_) != 0) return ErrorStatus(c_, nullptr, "flush");
    if (!begun) {
      if (!take(nullptr, "BEGIN")) return first;
      begun = true;
    }
    for (size_t i = base; i < end; ++i) {
      if (!take(&(*results)[i], stmts[i].sql->name)) return first;
    }
    if (!first.ok()) return first;
  }
  if (!first.ok()) return first;
  if (!send_plain("COMMIT") || !PQpipelineSync(c_)) return ErrorStatus(c_, nullptr, "COMMIT");
  synced_ = true;
  if (!begun && !take(nullptr, "BEGIN")) return first;
  if (!take(nullptr, "COMMIT")) return first;
  PGresult* sync = PQgetResult(c_);
  if (sync == nullptr || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
    if (sync) PQclear(sync);
    return first.ok() ? ErrorStatus(c_, nullptr, "sync") : first;
  }
  PQclear(sync);
  return first;
}

Status Conn::Exec(const char* sql) {
  PgResult r(PQexec(c_, sql));
  return Check(r.raw(), sql);
}

Result<bool> Conn::WaitNotify(int timeout_ms, int wake_fd, std::vector<std::string>* channels) {
  auto drain = [&]() {
    bool any = false;
    while (PGnotify* n = PQnotifies(c_)) {
      if (channels && n->relname) channels->push_back(n->relname);
      PQfreemem(n);
      any = true;
    }
    return any;
  };
  if (!PQconsumeInput(c_)) return ErrorStatus(c_, nullptr, "listen");
  if (drain()) return true;
  pollfd pfd[2] = {{PQsocket(c_), POLLIN, 0}, {wake_fd, POLLIN, 0}};
  int n = poll(pfd, wake_fd >= 0 ? 2 : 1, timeout_ms);
  if (n < 0 && errno != EINTR) return Status::Internal(std::string("poll: ") + strerror(errno));
  if (n <= 0) return false;
  if (wake_fd >= 0 && (pfd[1].revents & POLLIN)) {
    uint64_t count = 0;
    while (read(wake_fd, &count, sizeof count) > 0) {
    }
  }
  if (!(pfd[0].revents & POLLIN)) return false;
  if (!PQconsumeInput(c_)) return ErrorStatus(c_, nullptr, "listen");
  return drain();
}

Status Conn::Reset() {
  prepared_.clear();
  PQreset(c_);
  if (PQstatus(c_) != CONNECTION_OK) return ErrorStatus(c_, nullptr, "reconnect");
  return Exec("SET client_min_messages = warning");
}

Txn::~Txn() {
  if (open_) (void)c_.Exec("ROLLBACK");
}

Status Txn::Begin(const char* begin_sql) {
  DANDORI_RETURN_IF_ERROR(c_.Exec(begin_sql));
  open_ = true;
  return Status::Ok();
}

Status Txn::Commit() {
  open_ = false;
  Status st = c_.Exec("COMMIT");
  if (!st.ok()) (void)c_.Exec("ROLLBACK");
  return st;
}

std::string GlobToLike(const std::string& glob) {
  std::string out;
  for (char ch : glob) {
    if (ch == '*') {
      out += '%';
    } else if (ch == '%' || ch == '_' || ch == '\\') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace dandori::engine::pg
