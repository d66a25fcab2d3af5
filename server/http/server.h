// Server: the event-driven HTTP/1.1 server under `dandori serve`'s API, on libmicrohttpd.
// One epoll thread multiplexes every connection, so idle and slow clients cost a socket
// and a few KiB, not a thread. Handlers that may block (the database) run on a bounded
// HandlerPool while their connection is suspended; cheap ones may run inline.
//
// Every limit is an option: connections, header bytes, body bytes, JSON depth, an idle
// timeout, a whole-request deadline (a slowloris dribble is cut), requests per
// keep-alive connection, handler threads and queue. Framing is checked before any
// handler runs: one valid Content-Length (or chunked) on a POST/PUT/PATCH, no
// Content-Length with Transfer-Encoding, clean UTF-8 without NUL in the path and query,
// and (json_bodies) every body through CheckJson (server/http/json_guard.h). Errors the
// server produces itself are JSON: {"error": {"httpStatus", "code", "message"}}.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "server/http/message.h"

namespace dandori::server::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: pick a free port (see Server::port)
  unsigned max_connections = 4096;
  unsigned max_connections_per_ip = 0;          // 0: no per-address limit
  unsigned idle_timeout_s = 10;                 // no byte in either direction for this long: closed
  int request_timeout_ms = 10000;               // headers + body of one request, and its response
  unsigned max_requests_per_connection = 1000;  // then "Connection: close"
  size_t max_header_bytes = 32u << 10;
  size_t max_path_bytes = 4096;
  size_t max_body_bytes = 8u << 20;
  int max_json_depth = 64;
  bool json_bodies = true;  // every non-empty request body must be bounded, clean JSON
  int handler_threads = 8;
  size_t max_queued = 1024;                     // handlers waiting for a thread; then 503
  int stop_grace_ms = 3000;                     // Stop waits this long for running handlers
  std::function<void(const std::string&)> log;  // null: stderr
};

enum class Run { kPool, kInline };  // kInline: the handler never blocks

class Server {
 public:
  using Handler = std::function<void(const Request&, Response&)>;
  explicit Server(ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes are matched in order; `pattern` is an ECMAScript regex over the whole path.
  // Add them before Start.
  void Route(const std::string& method, const std::string& pattern, Handler handler,
             Run run = Run::kPool);
  // Binds and starts serving; returns once listening.
  Status Start();
  // Stops accepting, answers queued requests with 503, sets Request::cancelled, waits up
  // to stop_grace_ms for running handlers, closes every connection. Idempotent.
  void Stop();
  int port() const { return port_; }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// The JSON body of an error response (the API's ErrorResponse shape).
std::string ErrorJson(int status, const std::string& code, const std::string& message);

}  // namespace dandori::server::http
