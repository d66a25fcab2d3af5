#include "stdlib/core/test_http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include "base/cancel.h"

namespace dandori::testing {

struct TestHttpServer::Impl {
  httplib::Server server;
  int port = 0;
  std::thread thread;
  CancelToken release;  // lets /slow return when the test is over
  mutable std::mutex mu;
  std::vector<SeenRequest> seen;  // guarded by mu

  void Record(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back({req.method, req.path, req.body, req.get_header_value("Content-Type"),
                    req.get_header_value("X-Test")});
  }
};

TestHttpServer::TestHttpServer() : impl_(std::make_unique<Impl>()) {
  Impl* s = impl_.get();
  auto& srv = s->server;
  srv.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("hello", "text/plain");
  });
  srv.Get("/json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"a": 1, "b": [true]})", "application/json");
  });
  auto echo = [s](const httplib::Request& req, httplib::Response& res) {
    s->Record(req);
    res.set_content(req.body, "text/plain");
  };
  srv.Get("/echo", echo);
  srv.Post("/echo", echo);
  srv.Put("/echo", echo);
  auto status = [s](const httplib::Request& req, httplib::Response& res) {
    s->Record(req);
    int code = std::stoi(req.matches[1]);
    res.status = code;
    res.set_content("status " + std::to_string(code), "text/plain");
  };
  srv.Get(R"(/status/(\d+))", status);
  srv.Post(R"(/status/(\d+))", status);
  srv.Get("/slow", [s](const httplib::Request&, httplib::Response& res) {
    s->release.WaitFor(std::chrono::seconds(10));
    res.set_content("late", "text/plain");
  });
  srv.Get("/redirect",
          [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/ok"); });
  srv.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(64 * 1024, 'x'), "text/plain");
  });
  s->port = srv.bind_to_any_port("127.0.0.1");
  s->thread = std::thread([s] { s->server.listen_after_bind(); });
  while (!srv.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TestHttpServer::~TestHttpServer() {
  impl_->release.Cancel();
  impl_->server.stop();
  impl_->thread.join();
}

int TestHttpServer::port() const { return impl_->port; }

std::string TestHttpServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

std::vector<SeenRequest> TestHttpServer::Seen() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->seen;
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace dandori::testing
