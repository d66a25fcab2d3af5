// End-to-end fleet deploys: the real camfleet simulator (in this process, over loopback
// HTTP) and the real `dandori run` (a child process) running the plans in this folder.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "base/subprocess.h"
#include "examples/camfleet/simulator.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}
std::string Dandori() { return Env("DANDORI_BINARY_DIR", "build") + "/cli/dandori"; }
std::string Flow(const std::string& name) {
  return Env("DANDORI_SOURCE_DIR", ".") + "/tests/fleet/" + name + ".flow";
}

camfleet::Config TestFleet() {
  camfleet::Config c;
  c.zones = 3;
  c.servers_per_zone = 5;
  c.cameras_per_server = 20;
  c.capacity = 40;     // room for two servers out (one failed, one draining)
  c.time_scale = 300;  // a 20 s median move takes ~70 ms
  c.stubborn_fraction = 0;
  c.move_sigma = 0.5;    // test-sized tails: the slowest of ~1000 moves stays under the stall
  c.floor_percent = 80;  // one of five servers out at a time
  c.batch = 1;
  return c;
}

// A simulated fleet plus the files a plan run needs.
struct Deploy {
  explicit Deploy(camfleet::Faults faults = {}, camfleet::Config config = TestFleet())
      : sim(config, faults) {
    REQUIRE(sim.Start(0));
    dir = fs::temp_directory_path() / fmt::format("fleet_deploy_test_{}_{}", getpid(), sim.port());
    fs::create_directories(dir);
    inventory = (dir / "fleet.yaml").string();
    REQUIRE(sim.WriteInventory(inventory).empty());
    artifact = (dir / "camera-server-2.0.tar").string();
    std::ofstream(artifact) << std::string(10000, 'z');
  }
  ~Deploy() {
    sim.Stop();
    sim.Wait();
    fs::remove_all(dir);
  }

  std::vector<std::string> Argv(const std::string& flow, const std::string& key) {
    return {Dandori(),
            "run",
            Flow(flow),
            "--param",
            "version=2.0",
            "--param",
            "artifact=" + artifact,
            "--param",
            "inventory=" + inventory,
            "--store",
            (dir / "state.db").string(),
            "--job-key",
            key};
  }
  // Runs a plan to its end; the exit code.
  int Run(const std::string& flow, const std::string& key = "k1") {
    dandori::SubprocessOptions o;
    o.argv = Argv(flow, key);
    o.stdout_path = (dir / "run.out").string();
    o.stderr_path = (dir / "run.err").string();
    o.timeout_ms = 120000;
    auto r = dandori::RunSubprocess(o);
    REQUIRE(r.ok());
    UNSCOPED_INFO("dandori run stderr:\n" << dandori::TailOfFile(o.stderr_path, 3000));
    UNSCOPED_INFO("dandori run stdout:\n" << dandori::TailOfFile(o.stdout_path, 3000));
    return r->exit_code;
  }
  // Starts a plan in the background; its pid.
  pid_t Start(const std::string& flow, const std::string& key) {
    std::vector<std::string> argv = Argv(flow, key);
    std::string log = (dir / "bg.log").string();
    pid_t pid = fork();
    if (pid == 0) {
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    return pid;
  }
  json Report() { return sim.fleet().Report(); }

  // Servers of `report` that run 2.0 and are registered again.
  static std::set<std::string> Finished(const json& report) {
    std::set<std::string> out;
    for (auto& [id, s] : report["per_server"].items()) {
      if (s["version"] == "2.0" && s["registered"] == true && s["registers"] == 1) out.insert(id);
    }
    return out;
  }

  camfleet::Simulator sim;
  fs::path dir;
  std::string inventory, artifact;
};

// Polls `pred` every 20 ms for up to `ms`.
template <typename F>
bool WaitFor(F pred, int ms) {
  for (int t = 0; t < ms; t += 20) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

TEST_CASE("the real plan rolls every zone with no dropped camera and no capacity dip") {
  Deploy d;
  REQUIRE(d.Run("deploy_fast") == 0);
  json r = d.Report();
  CHECK(r["versions"]["2.0"] == 15);
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(r["below_floor"] == false);
  CHECK(r["max_drain_requests_per_server"] == 1);
  CHECK(r["max_restarts_per_server"] == 1);
}

TEST_CASE("a careless plan (restart before drain) is caught by the simulator") {
  Deploy d;
  d.Run("deploy_careless");
  json r = d.Report();
  CHECK(r["unsafe_by_kind"]["restart_with_cameras"].get<int>() >= 1);
  CHECK(r["cameras_dropped"].get<int>() > 0);
}

TEST_CASE("a stuck drain never hangs its zone: the stall rule fires, the budget decides") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("stuck", "z02-s002:5").empty());
  Deploy d(f);
  auto start = std::chrono::steady_clock::now();
  CHECK(d.Run("deploy_fast") == 0);  // tolerate 1 per zone absorbs it
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(s < 60);
  json r = d.Report();
  CHECK(r["per_server"]["z02-s002"]["version"] == "1.0");  // never restarted with cameras
  CHECK(r["per_server"]["z02-s005"]["version"] == "2.0");  // its zone went on
  CHECK(r["versions"]["2.0"] == 14);
  CHECK(r["cameras_dropped"] == 0);
}

TEST_CASE("an unreachable server is retried, then counted against tolerate") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("unreachable", "z03-s001").empty());
  Deploy d(f);
  CHECK(d.Run("deploy_fast") == 0);
  json r = d.Report();
  CHECK(r["per_server"]["z03-s001"]["version"] == "1.0");
  CHECK(r["per_server"]["z03-s001"]["rejected"].get<int>() >= 3);  // 1 try + 2 retries
  CHECK(r["versions"]["2.0"] == 14);
}

TEST_CASE("broken restarts stop their zone over budget while other zones finish") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("broken", "z01-s001,z01-s002").empty());
  Deploy d(f);
  CHECK(d.Run("deploy_fast") == 1);
  json r = d.Report();
  for (int z = 2; z <= 3; ++z) {
    for (int s = 1; s <= 5; ++s) {
      CHECK(r["per_server"][fmt::format("z{:02}-s{:03}", z, s)]["version"] == "2.0");
    }
  }
  // Zone 1 stopped after its second failure: its later servers were never touched.
  CHECK(r["per_server"]["z01-s005"]["drain_requests"] == 0);
  CHECK(r["per_server"]["z01-s005"]["version"] == "1.0");
  CHECK(r["cameras_dropped"] == 0);
}

TEST_CASE("killing the engine mid-rollout and resuming never redoes a finished server") {
  Deploy d;
  pid_t pid = d.Start("deploy_fast", "resume-key");
  REQUIRE(WaitFor([&] { return Deploy::Finished(d.Report()).size() >= 4; }, 60000));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  json at_kill = d.Report();
  std::set<std::string> finished = Deploy::Finished(at_kill);
  REQUIRE(d.Run("deploy_fast", "resume-key") == 0);
  json r = d.Report();
  for (auto& [id, s] : r["per_server"].items()) {
    if (s["version"] != "2.0") UNSCOPED_INFO(id << " " << s.dump());
  }
  CHECK(r["versions"]["2.0"] == 15);
  for (const std::string& id : finished) {
    INFO(id);
    CHECK(r["per_server"][id]["drain_requests"] == 1);
    CHECK(r["per_server"][id]["restarts"] == 1);
    CHECK(r["per_server"][id]["registers"] == 1);
  }
  CHECK(r["cameras_dropped"] == 0);
}

TEST_CASE("the canary gate holds the other zones until approved") {
  Deploy d;
  pid_t pid = d.Start("deploy_canary_fast", "canary-key");
  auto zone_done = [&](int z) {
    json r = d.Report();
    for (int s = 1; s <= 5; ++s) {
      if (r["per_server"][fmt::format("z{:02}-s{:03}", z, s)]["registered"] != true ||
          r["per_server"][fmt::format("z{:02}-s{:03}", z, s)]["version"] != "2.0") {
        return false;
      }
    }
    return true;
  };
  REQUIRE(WaitFor([&] { return zone_done(1); }, 60000));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  json held = d.Report();
  CHECK(held["per_server"]["z02-s001"]["drain_requests"] == 0);  // the gate holds
  CHECK(held["per_server"]["z03-s001"]["deregisters"] == 0);
  // The job id is on the first line of the run's output.
  std::ifstream log(d.dir / "bg.log");
  std::string word, id;
  log >> word >> id;
  REQUIRE(word == "job");
  id = id.substr(0, id.find(':'));
  dandori::SubprocessOptions o;
  o.argv = {Dandori(), "approve", id, "go_wide", "--store", (d.dir / "state.db").string()};
  o.timeout_ms = 30000;
  auto approved = dandori::RunSubprocess(o);
  REQUIRE(approved.ok());
  CHECK(approved->exit_code == 0);
  // The waiting run goes on; if it had stopped at the gate, running it again resumes.
  int status = 0;
  bool exited = WaitFor([&] { return waitpid(pid, &status, WNOHANG) == pid; }, 60000);
  if (!exited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    CHECK(d.Run("deploy_canary_fast", "canary-key") == 0);
  }
  json r = d.Report();
  CHECK(r["versions"]["2.0"] == 15);
  CHECK(r["cameras_dropped"] == 0);
}

}  // namespace
