// The end-to-end deploy tests' harness: a simulated fleet (examples/camfleet) in the
// test process on a loopback port, its inventory and an artifact in a scratch folder,
// and `dandori run` as a child process on a plan (tests/fleet/*.flow, or the real plans
// in workflows/ with their timings compressed by the simulator's time scale).
#pragma once

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

namespace fleet_test {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}
inline std::string Dandori() { return Env("DANDORI_BINARY_DIR", "build") + "/cli/dandori"; }
inline std::string Flow(const std::string& name) {
  if (name.rfind("camera_server_deploy", 0) == 0) {
    return Env("DANDORI_SOURCE_DIR", ".") + "/workflows/" + name + ".flow";  // the real plans
  }
  return Env("DANDORI_SOURCE_DIR", ".") + "/tests/fleet/" + name + ".flow";
}

inline camfleet::Config TestFleet() {
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
    std::vector<std::string> argv = {Dandori(),
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
    for (const std::string& p : params) {
      argv.push_back("--param");
      argv.push_back(p);
    }
    return argv;
  }
  // The real plan's timing defaults compressed by the simulator's time scale, as
  // scripts/demo-deploy.sh passes them (polls no faster than 20 ms).
  void UseRealPlanDefaults() {
    auto scaled = [&](double sim_seconds) {
      double ms = sim_seconds * 1000 / sim.fleet().config().time_scale;
      return fmt::format("{}ms", std::max<int64_t>(20, static_cast<int64_t>(ms)));
    };
    params = {"stall=" + scaled(90 * 60), "drain_timeout=" + scaled(3 * 3600),
              "health_timeout=" + scaled(10 * 60), "poll=" + scaled(2), "check_every=" + scaled(2)};
  }
  std::string Output() {
    return dandori::TailOfFile((dir / "run.out").string(), 20000) +
           dandori::TailOfFile((dir / "run.err").string(), 20000);
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
  std::vector<std::string> params;  // extra --param NAME=VALUE
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

}  // namespace fleet_test
