// Server: see server.h. Start/Stop, the connection table and the reaper that cuts
// connections past their deadline (exchange.cc handles each request).
#include "server/http/server.h"

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "server/http/server_impl.h"

namespace dandori::server::http {

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string Request::Header(const std::string& name) const {
  std::string key = name;
  for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto it = headers.find(key);
  return it == headers.end() ? "" : it->second;
}

std::string ErrorJson(int status, const std::string& code, const std::string& message) {
  nlohmann::json j = {{"error", {{"httpStatus", status}, {"code", code}, {"message", message}}}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void Server::Impl::Log(const std::string& line) const {
  if (opt.log) return opt.log(line);
  std::fprintf(stderr, "%s\n", line.c_str());
}

void Server::Impl::OnConnection(void* cls, MHD_Connection* c, void** socket_context,
                                MHD_ConnectionNotificationCode toe) {
  auto* self = static_cast<Impl*>(cls);
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    auto* conn = new Conn;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    conn->fd = info ? info->connect_fd : -1;
    conn->deadline_ms = NowMs() + self->opt.request_timeout_ms;  // the first request's head
    *socket_context = conn;
    std::lock_guard<std::mutex> lock(self->conns_mu);
    self->conns.insert(conn);
    return;
  }
  auto* conn = static_cast<Conn*>(*socket_context);
  if (!conn) return;
  {
    // MHD closes the socket after this returns: the reaper never sees a reused fd.
    std::lock_guard<std::mutex> lock(self->conns_mu);
    self->conns.erase(conn);
  }
  delete conn;
  *socket_context = nullptr;
}

void Server::Impl::Reap() {
  std::unique_lock<std::mutex> lock(reaper_mu);
  while (!reaper_wake.wait_for(lock, std::chrono::milliseconds(100), [&] { return reaper_stop; })) {
    int64_t now = NowMs();
    std::lock_guard<std::mutex> l2(conns_mu);
    for (Conn* conn : conns) {
      int64_t d = conn->deadline_ms;
      if (d != 0 && now > d && conn->fd >= 0) {
        conn->deadline_ms = 0;
        ::shutdown(conn->fd, SHUT_RDWR);  // MHD sees the hang-up and closes it
      }
    }
  }
}

namespace {

size_t KeepEscapes(void*, MHD_Connection*, char* s) { return std::strlen(s); }

void MhdLog(void* cls, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  std::string line = std::string("http: ") + buf;
  if (line.find("EXTERNAL_LOGGER is not the first") != std::string::npos) return;  // it is
  while (!line.empty() && line.back() == '\n') line.pop_back();
  static_cast<Server::Impl*>(cls)->Log(line);
}

// Lets max_connections sockets fit under the soft descriptor limit.
void RaiseFileLimit(unsigned connections) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = static_cast<rlim_t>(connections) + 256;
  if (lim.rlim_cur >= want) return;
  lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? want : std::min(want, lim.rlim_max);
  (void)setrlimit(RLIMIT_NOFILE, &lim);
}

}  // namespace

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
}

Server::~Server() { Stop(); }

void Server::Route(const std::string& method, const std::string& pattern, Handler handler,
                   Run run) {
  impl_->routes.push_back(std::make_unique<RouteEntry>(
      RouteEntry{method, std::regex(pattern), std::move(handler), run}));
}

Status Server::Start() {
  Impl& s = *impl_;
  if (s.daemon) return Status::Ok();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* ai = nullptr;
  std::string port = std::to_string(s.opt.port);
  if (getaddrinfo(s.opt.host.c_str(), port.c_str(), &hints, &ai) != 0 || !ai) {
    return Status::Invalid("cannot resolve listen address " + s.opt.host);
  }
  sockaddr_storage addr{};
  std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
  bool v6 = ai->ai_family == AF_INET6;
  freeaddrinfo(ai);
  RaiseFileLimit(s.opt.max_connections);
  s.pool = std::make_unique<HandlerPool>(s.opt.handler_threads, s.opt.max_queued);
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (v6) flags |= MHD_USE_IPv6;
  s.daemon =
      MHD_start_daemon(flags, static_cast<uint16_t>(s.opt.port), nullptr, nullptr, &Impl::OnAccess,
                       &s, MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&addr),  //
                       MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,                        //
                       MHD_OPTION_CONNECTION_LIMIT, s.opt.max_connections,            //
                       MHD_OPTION_PER_IP_CONNECTION_LIMIT, s.opt.max_connections_per_ip,
                       MHD_OPTION_CONNECTION_TIMEOUT, s.opt.idle_timeout_s,         //
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, s.opt.max_header_bytes,  //
                       MHD_OPTION_NOTIFY_COMPLETED, &Impl::OnCompleted, &s,         //
                       MHD_OPTION_NOTIFY_CONNECTION, &Impl::OnConnection, &s,       //
                       MHD_OPTION_UNESCAPE_CALLBACK, &KeepEscapes, nullptr,         //
                       MHD_OPTION_EXTERNAL_LOGGER, &MhdLog, &s,                     //
                       MHD_OPTION_END);
  if (!s.daemon) {
    s.pool.reset();
    return Status::Unavailable("cannot listen on " + s.opt.host + ":" + port);
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(s.daemon, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info ? info->port : s.opt.port;
  s.reaper_stop = false;
  s.reaper = std::thread([&s] { s.Reap(); });
  return Status::Ok();
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.daemon) return;
  s.cancelled = true;
  size_t stuck = s.pool->Stop(s.opt.stop_grace_ms, nullptr);
  if (stuck > 0) s.Log("http: " + std::to_string(stuck) + " handler(s) still running at stop");
  {
    // Every suspended request is resumed (answered 503) so MHD can close its connection.
    std::lock_guard<std::mutex> lock(s.gate->mu);
    s.gate->closed = true;
    std::lock_guard<std::mutex> l2(s.running_mu);
    for (const auto& x : s.running) {
      x->abandoned = true;
      MHD_resume_connection(x->connection);
    }
    s.running.clear();
  }
  MHD_stop_daemon(s.daemon);
  s.daemon = nullptr;
  {
    std::lock_guard<std::mutex> lock(s.reaper_mu);
    s.reaper_stop = true;
  }
  s.reaper_wake.notify_all();
  if (s.reaper.joinable()) s.reaper.join();
  s.pool.reset();  // detached threads keep the pool's state alive themselves
}

}  // namespace dandori::server::http
