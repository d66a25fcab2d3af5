// ApiServer: the HTTP API of `dandori serve` (routes and JSON mapping in
// proto/dandori/v1/api.proto) and /metrics (Prometheus text, server/metrics.h).
//
// The web view (server/web) is served at / and /ui/NAME from files compiled into the
// binary; its data routes (/v1/jobs/N/graph, /tasks) are the API's, behind the token.
//
// Security: every route except /healthz and the web view's static files needs
// `Authorization: Bearer <token>` (compared in constant time); binds 127.0.0.1 unless
// told otherwise; request bodies are capped; every malformed request is a 4xx with an
// ErrorResponse body, and a handler that throws is a 500 with one (no store error
// text), never a crash. Served by server/http (one epoll thread for every connection,
// limits and framing in server/http/server.h).
//
// Thread rules: handlers run on the HTTP server's bounded handler pool; each request
// borrows a store from a small pool (a Store is one-thread-at-a-time): PostgreSQL for
// serve, or ApiOptions::open_store's (the SQLite file of `dandori ui`).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "dandori/v1/table.pb.h"
#include "engine/store.h"
#include "server/dispatch.h"
#include "stdlib/operator.h"

namespace dandori::v1 {
class FlowSource;  // dandori/v1/api.pb.h
}  // namespace dandori::v1

namespace dandori::engine::pg {
class ConnPool;
}  // namespace dandori::engine::pg

namespace dandori::server {

struct ApiOptions {
  std::string url;  // the PostgreSQL store
  // Opens one more store for the request pool instead of `url` (`dandori ui`: the
  // embedded SQLite file); PostgreSQL-only routes (/metrics, paging) adapt or refuse.
  std::function<Result<std::unique_ptr<engine::Store>>()> open_store;
  bool accept_submit = true;  // false: POST /v1/jobs is refused (`dandori ui` runs no jobs)
  std::string host = "127.0.0.1";
  int port = 8480;    // 0: pick a free port (tests)
  std::string token;  // required bearer token (non-empty)
  size_t max_body_bytes = 8u << 20;
  const OperatorRegistry* registry = nullptr;  // for binding parameters (may be null)
  // Compiles .flow source for submit, with its imports taken only from the request
  // (never the server's disk); null: refuse source.
  std::function<Result<v1::Table>(const v1::FlowSource& source)> compile;
  const DispatchStats* local_stats = nullptr;  // this process's executor, for /metrics
  // Null: each concurrent request opens (and keeps, for the next) a connection; set:
  // requests borrow connections from this pool (serve's --db-connections).
  std::shared_ptr<engine::pg::ConnPool> pool;
};

class ApiServer {
 public:
  explicit ApiServer(ApiOptions options);
  ~ApiServer();  // Stop()
  // Binds and starts serving on a background thread; returns once listening.
  Status Start();
  void Stop();
  int port() const { return port_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Constant-time comparison (the time depends only on the lengths).
bool TokensEqual(const std::string& a, const std::string& b);

}  // namespace dandori::server
