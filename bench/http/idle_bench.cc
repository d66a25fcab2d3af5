// Authenticated-request latency (p50/p99) with 0, 100 and 1,000 idle TCP connections
// held open, for cpp-httplib's thread-per-connection server (as ApiServer configured it:
// 10 s read timeout) and server/http, in interleaved rounds. Each request is a fresh
// connection, as a CI script's curl would be. A request with no answer in 2 s ends that
// server's measurement (reported as a timeout). Handler: a bearer check and a small JSON.
#include <httplib.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench/http/raw_http.h"
#include "server/http/server.h"

namespace {

using Clock = std::chrono::steady_clock;
const char* kToken = "bench-token";

using dandori::bench::Connect;

// One GET on a new connection; seconds, or -1 with no full 200 answer within 2 s.
double Request(int port) {
  std::string req = std::string("GET /v1/jobs HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer ") +
                    kToken + "\r\nConnection: close\r\n\r\n";
  dandori::bench::Answer a = dandori::bench::Exchange(port, req);
  return a.status == 200 ? a.seconds : -1;
}

struct Old {
  httplib::Server s;
  std::thread t;
  int port = 0;
  Old() {
    s.Get("/v1/jobs", [](const httplib::Request& req, httplib::Response& res) {
      bool ok = req.get_header_value("Authorization") == std::string("Bearer ") + kToken;
      res.status = ok ? 200 : 401;
      res.set_content(R"({"jobs":[]})", "application/json");
    });
    s.set_read_timeout(10, 0);
    s.set_write_timeout(10, 0);
    port = s.bind_to_any_port("127.0.0.1");
    t = std::thread([this] { s.listen_after_bind(); });
  }
  ~Old() {
    s.stop();
    t.join();
  }
};

struct New {
  dandori::server::http::Server s{{}};
  int port = 0;
  New() {
    using dandori::server::http::Request;
    using dandori::server::http::Response;
    s.Route("GET", "/v1/jobs", [](const Request& req, Response& res) {
      bool ok = req.Header("Authorization") == std::string("Bearer ") + kToken;
      res.status = ok ? 200 : 401;
      res.SetContent(R"({"jobs":[]})", "application/json");
    });
    (void)s.Start();
    port = s.port();
  }
};

template <typename S>
std::string Measure(int idle, int requests) {
  S server;
  std::vector<int> fds;
  for (int i = 0; i < idle; ++i) fds.push_back(Connect(server.port, true));
  // Wait (up to 3 s) for the handshakes: a full listen backlog delays them.
  size_t up = 0;
  for (auto t0 = Clock::now(); up < fds.size() && Clock::now() - t0 < std::chrono::seconds(3);) {
    pollfd p{fds[up], POLLOUT, 0};
    if (::poll(&p, 1, 10) > 0) ++up;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the accepts happen
  std::vector<double> lat;
  int timeouts = 0;
  for (int i = 0; i < requests; ++i) {
    double s = Request(server.port);
    if (s < 0) {
      ++timeouts;
      break;
    }
    lat.push_back(s * 1000);
  }
  for (int fd : fds) ::close(fd);
  char out[200];
  std::string conn = " [" + std::to_string(up) + " idle connected]";
  if (lat.empty()) return "no answer within 2 s" + conn;
  std::sort(lat.begin(), lat.end());
  double p50 = lat[lat.size() / 2];
  double p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  std::snprintf(out, sizeof(out), "p50 %7.2f ms  p99 %7.2f ms  (%zu answered%s)", p50, p99,
                lat.size(), timeouts ? ", then a 2 s timeout" : "");
  return out + conn;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 2;
  int requests = argc > 2 ? std::atoi(argv[2]) : 200;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
  setrlimit(RLIMIT_NOFILE, &lim);
  std::printf("authenticated GET, %d requests per run, fresh connection each\n", requests);
  for (int r = 1; r <= rounds; ++r) {
    for (int idle : {0, 100, 1000}) {
      std::printf("round %d  idle %4d  cpp-httplib     %s\n", r, idle,
                  Measure<Old>(idle, requests).c_str());
      std::fflush(stdout);
      std::printf("round %d  idle %4d  server/http     %s\n", r, idle,
                  Measure<New>(idle, requests).c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
