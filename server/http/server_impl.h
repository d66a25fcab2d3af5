// Private to server/http: the libmicrohttpd state shared by server.cc (start, stop, the
// connection reaper) and exchange.cc (one request: framing, dispatch, response).
#pragma once

#include <microhttpd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "server/http/handler_pool.h"
#include "server/http/server.h"

namespace dandori::server::http {

int64_t NowMs();  // steady clock

// One TCP connection (MHD's socket context).
struct Conn {
  int fd = -1;
  std::atomic<int64_t> deadline_ms{0};  // the reaper cuts the socket past this; 0: none
  unsigned requests = 0;                // completed on this connection (MHD thread only)
};

struct RouteEntry {
  std::string method;
  std::regex pattern;
  Server::Handler handler;
  Run run;
};

// Set when a handler's result can no longer be delivered (the server stopped).
struct Gate {
  std::mutex mu;
  bool closed = false;  // guarded by mu
};

// One request (MHD's request context).
struct Exchange {
  enum class Phase { kReading, kRunning, kReady };
  MHD_Connection* connection = nullptr;
  Conn* conn = nullptr;
  Phase phase = Phase::kReading;
  bool abandoned = false;  // resumed by Stop before its handler finished
  bool too_large = false;  // body past the cap (chunked): discarded, then 413
  Request req;
  Response res;
  const RouteEntry* route = nullptr;
};

struct Server::Impl {
  ServerOptions opt;
  std::vector<std::unique_ptr<RouteEntry>> routes;
  MHD_Daemon* daemon = nullptr;
  std::unique_ptr<HandlerPool> pool;
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  std::atomic<bool> cancelled{false};

  std::mutex conns_mu;
  std::set<Conn*> conns;  // guarded by conns_mu; erased before MHD closes the socket
  std::mutex running_mu;
  std::set<std::shared_ptr<Exchange>> running;  // guarded by running_mu: suspended ones

  std::thread reaper;
  std::mutex reaper_mu;
  std::condition_variable reaper_wake;
  bool reaper_stop = false;  // guarded by reaper_mu

  void Log(const std::string& line) const;
  void Fail(Exchange& x, int status, const std::string& code, const std::string& message);
  // Sends x.res; MHD_NO closes the connection.
  MHD_Result Queue(Exchange& x);
  MHD_Result Send(MHD_Connection* c, Conn* conn, const Response& res);
  // Runs x's handler (inline or on the pool); then its response is queued.
  MHD_Result Dispatch(MHD_Connection* c, const std::shared_ptr<Exchange>& x);
  void Reap();

  // MHD callbacks (cls is the Impl).
  static MHD_Result OnAccess(void* cls, MHD_Connection* c, const char* url, const char* method,
                             const char* version, const char* upload, size_t* upload_size,
                             void** req_cls);
  static void OnCompleted(void* cls, MHD_Connection* c, void** req_cls,
                          MHD_RequestTerminationCode toe);
  static void OnConnection(void* cls, MHD_Connection* c, void** socket_context,
                           MHD_ConnectionNotificationCode toe);
};

// The request line and headers of `x` read from `c`, checked; Ok or the 4xx to answer
// (status in *status, code/message in the Status). Fills x.req.
Status ReadHead(const ServerOptions& opt, MHD_Connection* c, const char* url, const char* method,
                Exchange& x, int* status);

}  // namespace dandori::server::http
