// The user's path for issue 12's figures: a real `dandori serve` on a throwaway
// PostgreSQL, measured over raw loopback sockets.
//   1. authenticated GET /v1/jobs, p50 / p99, with 0, 100 and 1,000 idle connections held
//      open, in interleaved rounds, with the ratio to the 0-idle run of the same round;
//   2. 200 concurrent submits (POST /v1/jobs, one .flow each), with different idempotency
//      keys and with one shared key: answers by status, connections with no answer,
//      latency, and how many distinct jobs the shared key made (1 is right).
// Usage: dandori_http_serve_bench DANDORI_BINARY [ROUNDS]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel.h"
#include "base/subprocess.h"
#include "bench/http/raw_http.h"
#include "tests/pgharness/temp_postgres.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
const char* kToken = "bench-token-0123456789";

std::string Get(const std::string& path) {
  return "GET " + path + " HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " + kToken +
         "\r\nConnection: close\r\n\r\n";
}

std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " + kToken +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

struct Percentiles {
  double p50 = 0, p99 = 0;
};
Percentiles Of(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

// GET latencies (ms) with `idle` connections open; the count answered may be short.
std::vector<double> Idle(int port, int idle, int requests, size_t* connected) {
  std::vector<int> fds;
  for (int i = 0; i < idle; ++i) fds.push_back(dandori::bench::Connect(port, true));
  size_t up = 0;
  for (auto t0 = Clock::now(); up < fds.size() && Clock::now() - t0 < std::chrono::seconds(3);) {
    pollfd p{fds[up], POLLOUT, 0};
    if (::poll(&p, 1, 10) > 0) ++up;
  }
  *connected = up;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<double> ms;
  for (int i = 0; i < requests; ++i) {
    auto a = dandori::bench::Exchange(port, Get("/v1/jobs?pageSize=20"));
    if (a.status != 200) break;
    ms.push_back(a.seconds * 1000);
  }
  for (int fd : fds) ::close(fd);
  return ms;
}

void Submits(int port, int n, bool same_key, int round) {
  const std::string flow = "workflow w() {\n  stage a = noop(value: 1)\n}\n";
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<double> ms;
  std::map<int, int> by_status;
  std::set<std::string> jobs;
  std::atomic<bool> go{false};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      nlohmann::json body = {
          {"source", {{"path", "w.flow"}, {"text", flow}}},
          {"idempotencyKey", same_key ? "shared-" + std::to_string(round)
                                      : "k-" + std::to_string(round) + "-" + std::to_string(i)}};
      while (!go) std::this_thread::yield();
      auto a = dandori::bench::Exchange(port, Post("/v1/jobs", body.dump()), 30.0);
      std::lock_guard<std::mutex> l(mu);
      ++by_status[a.status];
      if (a.status / 100 == 2) {
        ms.push_back(a.seconds * 1000);
        auto j = nlohmann::json::parse(a.body, nullptr, false);
        if (j.is_object() && j.contains("job")) jobs.insert(j["job"].value("id", ""));
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  Percentiles p = Of(ms);
  std::string statuses;
  for (auto [s, c] : by_status) {
    statuses +=
        " " + (s == 0 ? std::string("no answer") : std::to_string(s)) + ": " + std::to_string(c);
  }
  std::printf(
      "round %d  %d concurrent submits, %-9s  p50 %7.1f ms  p99 %7.1f ms  %zu jobs  [%s ]\n", round,
      n, same_key ? "same key" : "own keys", p.p50, p.p99, jobs.size(), statuses.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DANDORI_BINARY [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::string binary = fs::absolute(argv[1]).string();
  int rounds = argc > 2 ? std::atoi(argv[2]) : 2;
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 8192);
  setrlimit(RLIMIT_NOFILE, &lim);

  auto pg = dandori::testing::TempPostgres::Start();
  if (!pg.ok()) {
    std::printf("FAILED: PostgreSQL did not start: %s\n", pg.status().message().c_str());
    return 1;
  }
  fs::path dir = fs::temp_directory_path() / ("dandori-serve-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "token") << kToken << "\n";
  auto port = dandori::testing::FreeLoopbackPort();
  if (!port.ok()) return 1;
  dandori::CancelToken stop;
  std::thread serve([&] {
    dandori::SubprocessOptions o;
    o.argv = {binary,         "serve",    "--store",
              (*pg)->Url(),   "--listen", "127.0.0.1:" + std::to_string(*port),
              "--token-file", "token"};
    o.cwd = dir.string();
    o.stderr_path = (dir / "serve.log").string();
    o.cancel = &stop;
    (void)dandori::RunSubprocess(o);
  });
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = dandori::bench::Exchange(*port, Get("/v1/jobs")).status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int rc = 0;
  if (!up) {
    std::printf("FAILED: serve never answered; its log:\n%s\n",
                dandori::TailOfFile((dir / "serve.log").string()).c_str());
    rc = 1;
  } else {
    std::printf("dandori serve on PostgreSQL; fresh connection per request\n");
    for (int r = 1; r <= rounds; ++r) {
      double base_p99 = 0;
      for (int idle : {0, 100, 1000}) {
        size_t connected = 0;
        auto ms = Idle(*port, idle, 200, &connected);
        Percentiles p = Of(ms);
        if (idle == 0) base_p99 = p.p99;
        if (ms.size() < 200) {
          std::printf("round %d  GET /v1/jobs  idle %4d  FAILED: %zu of 200 answered\n", r, idle,
                      ms.size());
        } else {
          std::printf(
              "round %d  GET /v1/jobs  idle %4d [%4zu connected]  p50 %6.2f ms  p99 %6.2f ms  "
              "p99 / idle-0 p99 %.2f\n",
              r, idle, connected, p.p50, p.p99, base_p99 > 0 ? p.p99 / base_p99 : 0);
        }
        std::fflush(stdout);
      }
      Submits(*port, 200, false, r);
      Submits(*port, 200, true, r);
    }
  }
  stop.Cancel();
  serve.join();
  fs::remove_all(dir);
  return rc;
}
