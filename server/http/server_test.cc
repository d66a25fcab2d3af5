// The HTTP server over real loopback sockets: idle connections, slow clients, framing,
// bounded JSON, the handler pool and stop. Bounds are loose (no timed assertions).
#include "server/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace dandori::server::http {

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  return fd;
}

void SendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads until the peer closes or `timeout_s` passes.
std::string ReadAll(int fd, double timeout_s = 5) {
  std::string out;
  auto t0 = Clock::now();
  char buf[4096];
  while (Since(t0) < timeout_s) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One request on a fresh connection; the whole reply (the server closes after it).
std::string Roundtrip(int port, const std::string& raw) {
  int fd = Connect(port);
  SendAll(fd, raw);
  std::string r = ReadAll(fd);
  ::close(fd);
  return r;
}

int StatusOf(const std::string& reply) {
  return reply.size() > 12 ? std::stoi(reply.substr(9, 3)) : 0;
}

std::string Get(const std::string& path, const std::string& token = "secret") {
  return "GET " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
         "\r\nConnection: close\r\n\r\n";
}

std::string Post(const std::string& body, const std::string& type = "application/json") {
  return "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: " + type +
         "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

struct Fixture {
  std::atomic<int> handled{0};
  Server server;
  explicit Fixture(ServerOptions o = {})
      : server([&] {
          o.log = [](const std::string&) {};
          return o;
        }()) {
    server.Route("GET", "/jobs/([0-9]+)", [this](const Request& req, Response& res) {
      ++handled;
      if (req.Header("authorization") != "Bearer secret") {
        res.status = 401;
        return;
      }
      res.SetContent("job " + req.matches[1] + " " + req.Param("q"), "text/plain");
    });
    server.Route("POST", "/echo", [this](const Request& req, Response& res) {
      ++handled;
      res.SetContent(req.body, "application/json");
    });
    server.Route(
        "GET", "/healthz", [](const Request&, Response& res) { res.body = "ok"; }, Run::kInline);
    REQUIRE(server.Start().ok());
  }
  int port() { return server.port(); }
};

}  // namespace

TEST_CASE("routes, captures, decoded query and JSON errors") {
  Fixture f;
  std::string r = Roundtrip(f.port(), Get("/jobs/42?q=a%20b"));
  CHECK(StatusOf(r) == 200);
  CHECK(r.find("job 42 a b") != std::string::npos);
  CHECK(StatusOf(Roundtrip(f.port(), Get("/jobs/42", "wrong"))) == 401);
  r = Roundtrip(f.port(), Get("/nope"));
  CHECK(StatusOf(r) == 404);
  CHECK(r.find(R"("code":"not_found")") != std::string::npos);
  CHECK(StatusOf(Roundtrip(f.port(), Get("/jobs/1?q=%00"))) == 400);
  CHECK(StatusOf(Roundtrip(f.port(), Get("/jobs/1?q=%ff"))) == 400);
  CHECK(StatusOf(Roundtrip(f.port(), Get("/jobs/1%00"))) == 400);
  CHECK(StatusOf(Roundtrip(f.port(), Get("/healthz"))) == 200);
  std::string huge = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(40000, 'a') +
                     "\r\nConnection: close\r\n\r\n";
  CHECK(StatusOf(Roundtrip(f.port(), huge)) == 431);
  CHECK(StatusOf(Roundtrip(f.port(), Get("/jobs/" + std::string(5000, '1')))) == 414);
}

TEST_CASE("1,000 idle connections do not delay an authenticated request") {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < 4096 && lim.rlim_max >= 4096) {
    lim.rlim_cur = 4096;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  int n = static_cast<int>(std::min<rlim_t>(1000, lim.rlim_cur - 100));
  if (n < 1000) WARN("RLIMIT_NOFILE hard limit allows only " << n << " idle connections");
  Fixture f;
  std::vector<int> idle;
  for (int i = 0; i < n; ++i) idle.push_back(Connect(f.port()));
  for (int i = 0; i < n; i += 2) SendAll(idle[static_cast<size_t>(i)], "GET /jobs/1 HT");
  auto t0 = Clock::now();
  for (int i = 0; i < 20; ++i) {
    std::string r = Roundtrip(f.port(), Get("/jobs/7"));
    REQUIRE(StatusOf(r) == 200);
  }
  CHECK(Since(t0) < 2.0);
  for (int fd : idle) ::close(fd);
}

TEST_CASE("a slowloris header dribble is cut at the request deadline") {
  ServerOptions o;
  o.request_timeout_ms = 500;
  Fixture f(o);
  int fd = Connect(f.port());
  SendAll(fd, "GET /jobs/1 HTTP/1.1\r\nHost: t\r\n");
  auto t0 = Clock::now();
  bool cut = false;
  while (Since(t0) < 5 && !cut) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ssize_t n = ::send(fd, "X-a: b\r\n", 8, MSG_NOSIGNAL);
    pollfd p{fd, POLLIN, 0};
    char c;
    if (n < 0 || (::poll(&p, 1, 0) > 0 && ::recv(fd, &c, 1, 0) <= 0)) cut = true;
  }
  CHECK(cut);
  CHECK(Since(t0) < 3.0);
  CHECK(f.handled == 0);
  ::close(fd);
}

TEST_CASE("framing errors are 400/413 at once, before any handler") {
  Fixture f;
  auto t0 = Clock::now();
  std::string dup =
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}";
  CHECK(StatusOf(Roundtrip(f.port(), dup)) == 400);
  std::string neg = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n";
  CHECK(StatusOf(Roundtrip(f.port(), neg)) == 400);
  std::string junk = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n";
  CHECK(StatusOf(Roundtrip(f.port(), junk)) == 400);
  std::string none = "POST /echo HTTP/1.1\r\nHost: t\r\n\r\n";
  std::string r = Roundtrip(f.port(), none);
  CHECK(StatusOf(r) == 400);
  CHECK(r.find("Content-Length") != std::string::npos);
  std::string both =
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(StatusOf(Roundtrip(f.port(), both)) == 400);
  std::string big = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n";
  r = Roundtrip(f.port(), big);
  CHECK(StatusOf(r) == 413);
  CHECK(r.find("payload_too_large") != std::string::npos);
  CHECK(Since(t0) < 3.0);  // the server's read timeout is 10 s: nothing waited for it
  CHECK(f.handled == 0);
}

TEST_CASE("JSON bodies: NUL, bad UTF-8 and deep nesting are 400 fast; any content type") {
  Fixture f;
  auto t0 = Clock::now();
  std::string r = Roundtrip(f.port(), Post(R"({"idempotencyKey": "a\u0000b"})"));
  CHECK(StatusOf(r) == 400);
  CHECK(r.find("NUL") != std::string::npos);
  CHECK(StatusOf(Roundtrip(f.port(), Post("{\"k\": \"\xff\xfe\"}"))) == 400);
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  r = Roundtrip(f.port(), Post("{\"params\": {\"x\": " + deep + "}}"));
  CHECK(StatusOf(r) == 400);
  CHECK(r.find("deeper than 64") != std::string::npos);
  CHECK(Since(t0) < 2.0);
  CHECK(f.handled == 0);
  std::string body = "{\"text\": \"" + std::string(20000, 'x') + "\"}";  // > 8 KiB
  r = Roundtrip(f.port(), Post(body, "application/x-www-form-urlencoded"));
  CHECK(StatusOf(r) == 200);
  CHECK(r.find(body) != std::string::npos);
  std::string chunked =
      "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
      "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
  r = Roundtrip(f.port(), chunked);
  CHECK(StatusOf(r) == 200);
}

TEST_CASE("keep-alive is capped per connection") {
  ServerOptions o;
  o.max_requests_per_connection = 2;
  Fixture f(o);
  int fd = Connect(f.port());
  std::string one = "GET /jobs/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer secret\r\n\r\n";
  SendAll(fd, one + one + one);
  std::string r = ReadAll(fd);
  ::close(fd);
  size_t replies = 0;
  for (size_t at = r.find("HTTP/1.1 200"); at != std::string::npos;
       at = r.find("HTTP/1.1 200", at + 1)) {
    ++replies;
  }
  CHECK(replies == 2);  // then the server closed the connection
}

TEST_CASE("a full handler queue is 503; Stop cancels and ends within its grace") {
  ServerOptions o;
  o.handler_threads = 1;
  o.max_queued = 1;
  o.stop_grace_ms = 500;
  o.log = [](const std::string&) {};
  Server server(o);
  std::atomic<int> started{0};
  server.Route("GET", "/block", [&](const Request& req, Response& res) {
    ++started;
    while (!req.Cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    res.body = "cancelled";
  });
  REQUIRE(server.Start().ok());
  std::vector<int> fds;
  for (int i = 0; i < 2; ++i) {
    fds.push_back(Connect(server.port()));
    SendAll(fds.back(), Get("/block"));
    while (i == 0 && started == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(StatusOf(Roundtrip(server.port(), Get("/block"))) == 503);
  auto t0 = Clock::now();
  server.Stop();
  CHECK(Since(t0) < 2.0);
  std::string first = ReadAll(fds[0], 1);
  CHECK((StatusOf(first) == 200 || StatusOf(first) == 503 || first.empty()));
  std::string queued = ReadAll(fds[1], 1);
  CHECK((StatusOf(queued) == 503 || queued.empty()));
  for (int fd : fds) ::close(fd);
}

}  // namespace dandori::server::http
