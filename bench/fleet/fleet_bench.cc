// fleet_bench: the camera-fleet deploy, all zones in parallel against zones one at a
// time, in one run, each against a fresh simulated fleet (same seed, same delays).
// Prints both makespans and their ratio, the parallel makespan against the simulator's
// lower bound, dropped cameras, and the engine's CPU time per server-step (the `dandori
// run` child's user+system time divided by servers x 6 steps).
//
//   fleet_bench --dandori build/cli/dandori [--zones 15 --servers 150 --cameras 100
//               --time-scale 300 --seq-zones N]
// --seq-zones N runs the one-at-a-time plan on the first N zones only and scales its
// makespan by zones/N (printed as "extrapolated"). --window 0 skips the third run, the
// same parallel plan with a sliding window of servers per zone instead of waves.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/subprocess.h"
#include "examples/camfleet/simulator.h"

namespace {

namespace fs = std::filesystem;

struct Options {
  std::string dandori = "build/cli/dandori";
  std::string source_dir = ".";
  int zones = 15, servers = 150, cameras = 100, seq_zones = 0;
  bool window = true;  // also run the sliding-window variant (deploy_window.flow)
  double time_scale = 300;
  uint64_t seed = 42;
};

struct RunResult {
  int exit_code = -1;
  double wall_s = 0, cpu_s = 0;
  nlohmann::json report;
};

int BatchOf(int servers) { return std::max(1, static_cast<int>(std::ceil(servers * 0.05))); }

RunResult Run(const Options& o, const std::string& flow, int zones, const fs::path& dir) {
  camfleet::Config c;
  c.zones = zones;
  c.servers_per_zone = o.servers;
  c.cameras_per_server = o.cameras;
  c.time_scale = o.time_scale;
  c.seed = o.seed;
  c.batch = BatchOf(o.servers);
  camfleet::Simulator sim(c, camfleet::Faults{});
  RunResult r;
  if (!sim.Start(0)) {
    fmt::print(stderr, "fleet_bench: cannot start the simulator\n");
    return r;
  }
  std::string inv = (dir / (flow + ".inventory.json")).string();
  std::string artifact = (dir / "camera-server-2.0.tar").string();
  std::ofstream(artifact) << std::string(64 << 10, 'a');
  sim.WriteInventory(inv);
  dandori::SubprocessOptions p;
  p.argv = {o.dandori,
            "run",
            fmt::format("{}/bench/fleet/{}.flow", o.source_dir, flow),
            "--param",
            "version=2.0",
            "--param",
            "artifact=" + artifact,
            "--param",
            "inventory=" + inv,
            "--store",
            (dir / (flow + ".db")).string()};
  p.stdout_path = (dir / (flow + ".log")).string();
  p.stderr_path = (dir / (flow + ".err")).string();
  int64_t start = dandori::MonotonicMs();
  auto res = dandori::RunSubprocess(p);
  r.wall_s = (dandori::MonotonicMs() - start) / 1000.0;
  if (!res.ok()) {
    fmt::print(stderr, "fleet_bench: {}\n", res.status().ToString());
    return r;
  }
  r.exit_code = res->exit_code;
  r.cpu_s = res->cpu_seconds;
  r.report = sim.fleet().Report();
  r.report.erase("per_server");
  if (r.exit_code != 0) {
    fmt::print(stderr, "fleet_bench: {} exited {}:\n{}\n", flow, r.exit_code,
               dandori::TailOfFile(p.stderr_path, 1500));
  }
  return r;
}

void PrintRun(const char* name, const RunResult& r, int servers) {
  fmt::print(
      "{:<11} exit {}  makespan {:7.1f} s real  engine CPU {:6.2f} s ({:.3f} ms per server-step)\n",
      name, r.exit_code, r.wall_s, r.cpu_s, r.cpu_s * 1000.0 / (servers * 6.0));
  fmt::print(
      "{:<11} dropped {}  unsafe {}  below floor {}  versions {}  lower bound {:.1f} s real\n", "",
      r.report.value("cameras_dropped", -1), r.report.value("unsafe_actions", -1),
      r.report.value("below_floor", false), r.report["versions"].dump(),
      r.report["makespan"].value("lower_bound_real_s", 0.0));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const char* src = std::getenv("DANDORI_SOURCE_DIR")) o.source_dir = src;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--dandori")
      o.dandori = v;
    else if (k == "--source-dir")
      o.source_dir = v;
    else if (k == "--zones")
      o.zones = std::stoi(v);
    else if (k == "--servers")
      o.servers = std::stoi(v);
    else if (k == "--cameras")
      o.cameras = std::stoi(v);
    else if (k == "--time-scale")
      o.time_scale = std::stod(v);
    else if (k == "--seq-zones")
      o.seq_zones = std::stoi(v);
    else if (k == "--seed")
      o.seed = std::stoull(v);
    else {
      fmt::print(stderr, "fleet_bench: unknown option {}\n", k);
      return 2;
    }
  }
  int seq_zones = o.seq_zones > 0 ? std::min(o.seq_zones, o.zones) : o.zones;
  fs::path dir = fs::temp_directory_path() / fmt::format("fleet_bench_{}", getpid());
  fs::create_directories(dir);
  fmt::print("fleet_bench: {} zones x {} servers x {} cameras, time scale {}, batch {} per zone\n",
             o.zones, o.servers, o.cameras, o.time_scale, BatchOf(o.servers));
  RunResult par = Run(o, "deploy_parallel", o.zones, dir);
  int servers = o.zones * o.servers;
  PrintRun("parallel", par, servers);
  RunResult win = o.window ? Run(o, "deploy_window", o.zones, dir) : RunResult{};
  if (o.window) PrintRun("window", win, servers);
  RunResult seq = Run(o, "deploy_sequential", seq_zones, dir);
  PrintRun("sequential", seq, seq_zones * o.servers);
  double seq_makespan = seq.wall_s * o.zones / seq_zones;
  double bound = par.report["makespan"].value("lower_bound_real_s", 0.0);
  fmt::print("\nsequential makespan        {:8.1f} s{}\n", seq_makespan,
             seq_zones < o.zones ? fmt::format(" (extrapolated from {} zones)", seq_zones) : "");
  fmt::print("parallel makespan          {:8.1f} s\n", par.wall_s);
  fmt::print("ratio sequential/parallel  {:8.2f} x   (target >= 10)\n", seq_makespan / par.wall_s);
  fmt::print("parallel / lower bound     {:8.3f}     (target <= 1.05; bound {:.1f} s)\n",
             bound > 0 ? par.wall_s / bound : 0.0, bound);
  double wave_bound = par.report["makespan"].value("wave_lower_bound_real_s", 0.0);
  fmt::print("parallel / wave bound      {:8.3f}     (bound for strict waves: {:.1f} s)\n",
             wave_bound > 0 ? par.wall_s / wave_bound : 0.0, wave_bound);
  if (o.window) {
    double wb = win.report["makespan"].value("lower_bound_real_s", 0.0);
    fmt::print(
        "window makespan            {:8.1f} s   window / lower bound {:.3f}  (bound {:.1f} s)\n",
        win.wall_s, wb > 0 ? win.wall_s / wb : 0.0, wb);
  }
  fmt::print("dropped cameras            {:8}     (target 0)\n",
             par.report.value("cameras_dropped", -1) + seq.report.value("cameras_dropped", -1) +
                 (o.window ? win.report.value("cameras_dropped", -1) : 0));
  fmt::print("engine CPU per server-step {:8.3f} ms  (target <= 1)\n",
             par.cpu_s * 1000.0 / (servers * 6.0));
  fs::remove_all(dir);
  return par.exit_code == 0 && seq.exit_code == 0 && (!o.window || win.exit_code == 0) ? 0 : 1;
}
