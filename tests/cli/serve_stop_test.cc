// `dandori serve` under hostile clients stops promptly on SIGTERM: with hundreds of idle
// connections, a slowloris client mid-header and a job in flight, the real serve process
// exits within a few seconds, and the job it was driving is finished by the next serve.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel.h"
#include "base/subprocess.h"
#include "tests/cli/cli_runner.h"
#include "tests/pgharness/temp_postgres.h"

namespace {

namespace fs = std::filesystem;
using dandori::testing::CliRun;
using dandori::testing::DandoriBinary;

// A TCP connection to 127.0.0.1:port, or -1.
int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A running `dandori serve`; Stop() sends SIGTERM and returns how long the exit took.
struct ServeProcess {
  dandori::CancelToken stop;
  dandori::Result<dandori::SubprocessResult> result = dandori::Status::Internal("not run");
  std::thread thread;
  std::chrono::steady_clock::time_point stopped_at;

  ServeProcess(const fs::path& dir, const std::string& url, int port, const std::string& log) {
    thread = std::thread([=, this] {
      dandori::SubprocessOptions o;
      o.argv = {
          DandoriBinary(), "serve", "--store", url, "--listen", "127.0.0.1:" + std::to_string(port),
          "--token-file",  "token"};
      o.cwd = dir.string();
      o.stderr_path = (dir / log).string();
      o.cancel = &stop;
      o.kill_grace_ms = 30000;  // SIGTERM, then SIGKILL only after 30 s
      result = dandori::RunSubprocess(o);
    });
  }
  double Stop() {
    stopped_at = std::chrono::steady_clock::now();
    stop.Cancel();
    thread.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
  }
};

}  // namespace

TEST_CASE("serve stops within seconds of SIGTERM despite idle and slow clients") {
  dandori::testing::TempPostgresOptions pg_options;
  pg_options.fsync = false;
  auto pg = dandori::testing::TempPostgres::Start(pg_options);
  REQUIRE(pg.ok());
  const std::string url = (*pg)->Url();
  dandori::testing::TempDir dir("dandori-serve-stop");
  dir.Write("token", "a-test-token-0123456789\n");
  dir.Write("slow.flow",
            "workflow slow() {\n"
            "  foreach i in range(12) parallel 2 {\n"
            "    stage s = sleep(duration: 1s)\n"
            "  }\n"
            "}\n");
  auto port = dandori::testing::FreeLoopbackPort();
  REQUIRE(port.ok());
  const std::string server = "http://127.0.0.1:" + std::to_string(*port);

  auto first = std::make_unique<ServeProcess>(dir.path, url, *port, "serve1.log");
  CliRun submit;
  for (int i = 0; i < 100; ++i) {  // until serve listens
    submit = dandori::testing::RunDandori(
        {"submit", "slow.flow", "--server", server, "--token-file", "token"}, dir.path);
    if (submit.out.find("cannot reach") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(submit.out + dandori::testing::ReadFile(dir.path / "serve1.log"));
  REQUIRE(submit.out == "submitted job 1\n");

  // 300 idle connections and one slowloris client that sent half a request header.
  std::vector<int> idle;
  for (int i = 0; i < 300; ++i) {
    int fd = Connect(*port);
    if (fd >= 0) idle.push_back(fd);
  }
  CHECK(idle.size() >= 250);
  int slow = Connect(*port);
  REQUIRE(slow >= 0);
  const char partial[] = "GET /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bear";
  CHECK(::send(slow, partial, sizeof partial - 1, MSG_NOSIGNAL) > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the job is mid-way

  double took = first->Stop();
  INFO(dandori::testing::ReadFile(dir.path / "serve1.log"));
  REQUIRE(first->result.ok());
  CHECK(first->result->term_signal == 0);  // not SIGKILLed after the grace
  CHECK(first->result->exit_code == 0);
  CHECK(took < 10.0);  // loose: "a few seconds"; a hang would take the 30 s grace
  for (int fd : idle) ::close(fd);
  ::close(slow);

  // The job was left running, not failed; the next serve finishes it.
  CliRun mid = dandori::testing::RunDandori({"status", "1", "--store", url}, dir.path);
  CHECK(mid.out.find("failed") == std::string::npos);
  auto second = std::make_unique<ServeProcess>(dir.path, url, *port, "serve2.log");
  bool done = false;
  for (int i = 0; i < 600 && !done; ++i) {
    CliRun st = dandori::testing::RunDandori({"status", "1", "--store", url}, dir.path);
    done = st.out.find("succeeded") != std::string::npos;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(dandori::testing::ReadFile(dir.path / "serve2.log"));
  CHECK(done);
  second->Stop();
}
