// fleet_bench: the camera-fleet deploy in one run, each plan against a fresh simulated
// fleet (same seed, same delays): zones one at a time, strict waves, a sliding window,
// and capacity-aware rolling (window + keep 90% serving). For each: makespan, its ratio
// to the simulator's lower bound at the concurrency the 90% floor allows (not the plan's
// own batch), dropped cameras, lowest serving %, and the engine's CPU per server-step
// (the `dandori run` child's user+system time / servers x 6 steps). A run that exits
// non-zero or is killed prints FAILED, never a ratio; the bench then exits 1.
//
//   fleet_bench --dandori build/cli/dandori [--zones 15 --servers 150 --cameras 100
//               --time-scale 300 --seq-zones N --seed 42 --plans deploy_rolling,...]
// --plans runs only the named plans (the others print "skipped"), e.g. for an A/B of
// two dandori builds on the rolling plan alone.
// --seq-zones N runs the one-at-a-time plan on the first N zones only and scales its
// makespan by zones/N (printed as "extrapolated").
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/subprocess.h"
#include "bench/fleet/timeline.h"
#include "examples/camfleet/simulator.h"

namespace {

namespace fs = std::filesystem;

struct Options {
  std::string dandori = "build/cli/dandori";
  std::string source_dir = ".";
  int zones = 15, servers = 150, cameras = 100, seq_zones = 0;
  double time_scale = 300;
  uint64_t seed = 42;
  std::string plans;  // comma-separated flow names; empty: all
};

struct RunResult {
  bool ok = false;  // exited 0 (not killed, not timed out)
  std::string why;  // when !ok: "exit N" / "signal N"
  double wall_s = 0, cpu_s = 0;
  nlohmann::json report;
  fleetbench::Breakdown breakdown;  // where the time went (timeline.h)
};

// A plan of bench/fleet and the zones it runs on.
struct Plan {
  const char* label;
  const char* flow;
  bool sequential;
};

RunResult Run(const Options& o, const std::string& flow, int zones, const fs::path& dir) {
  camfleet::Config c;
  c.zones = zones;
  c.servers_per_zone = o.servers;
  c.cameras_per_server = o.cameras;
  c.time_scale = o.time_scale;
  c.seed = o.seed;
  c.batch = 0;  // the bound at the concurrency the floor allows, whatever the plan does
  camfleet::Simulator sim(c, camfleet::Faults{});
  RunResult r;
  if (!sim.Start(0)) {
    r.why = "cannot start the simulator";
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
    r.why = res.status().ToString();
    return r;
  }
  r.cpu_s = res->cpu_seconds;
  r.report = sim.fleet().Report();
  r.breakdown = fleetbench::Analyze(r.report, o.time_scale, r.report["makespan"].value("batch", 0));
  r.report.erase("per_server");
  r.ok = res->term_signal == 0 && !res->timed_out && res->exit_code == 0;
  if (!r.ok) {
    r.why = res->term_signal != 0 ? fmt::format("signal {}", res->term_signal)
                                  : fmt::format("exit {}", res->exit_code);
    fmt::print(stderr, "fleet_bench: {} failed ({}):\n{}\n", flow, r.why,
               dandori::TailOfFile(p.stderr_path, 1500));
  }
  return r;
}

double Bound(const RunResult& r) { return r.report["makespan"].value("lower_bound_real_s", 0.0); }

void PrintRow(const char* label, const RunResult& r, int servers, double makespan) {
  if (r.why == "skipped") {
    fmt::print("{:<40} skipped\n", label);
    return;
  }
  if (!r.ok) {
    fmt::print("{:<40} FAILED ({})\n", label, r.why);
    return;
  }
  double bound = Bound(r);
  fmt::print("{:<40} {:8.1f} s  {:6.1f} s  {:6.2f} x  {:7}  {:7.2f} %  {:6.3f} ms  {:5}  {:6.1f}\n",
             label, makespan, bound, bound > 0 ? makespan / bound : 0.0,
             r.report.value("cameras_dropped", -1), r.report.value("lowest_serving_percent", 0.0),
             r.cpu_s * 1000.0 / (servers * 6.0), r.report.value("stale_requests", 0),
             r.report.value("requests_total", 0) / static_cast<double>(servers));
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
    else if (k == "--plans")
      o.plans = "," + v + ",";
    else {
      fmt::print(stderr, "fleet_bench: unknown option {}\n", k);
      return 2;
    }
  }
  int seq_zones = o.seq_zones > 0 ? std::min(o.seq_zones, o.zones) : o.zones;
  fs::path dir = fs::temp_directory_path() / fmt::format("fleet_bench_{}", getpid());
  fs::create_directories(dir);
  fmt::print("fleet_bench: {} zones x {} servers x {} cameras, time scale {}, seed {}\n", o.zones,
             o.servers, o.cameras, o.time_scale, o.seed);
  const Plan plans[] = {
      {"zones one at a time (waves of 5%)", "deploy_sequential", true},
      {"strict waves of 5% (batch)", "deploy_parallel", false},
      {"sliding window of 5%", "deploy_window", false},
      {"rolling window 10% keep 90%", "deploy_rolling", false},
  };
  RunResult runs[4];
  for (int i = 0; i < 4; ++i) {
    if (!o.plans.empty() && o.plans.find(fmt::format(",{},", plans[i].flow)) == std::string::npos) {
      runs[i].why = "skipped";
      continue;
    }
    runs[i] = Run(o, plans[i].flow, plans[i].sequential ? seq_zones : o.zones, dir);
  }
  // Each run's ratio is to its own fleet's bound: any plan, at most the floor's
  // concurrency out per zone (the simulator draws the delays as the servers are drained).
  int floor_out = 0;
  for (const RunResult& r : runs) {
    if (!r.report.is_null()) floor_out = r.report["makespan"].value("batch", 0);
  }
  fmt::print("lower bound: any plan, <= {} servers out per zone (the 90% floor)\n\n", floor_out);
  fmt::print("{:<40} {:>10}  {:>8}  {:>8}  {:>7}  {:>9}  {:>9}  {:>5}  {:>6}\n", "plan", "makespan",
             "bound", "/ bound", "dropped", "lowest", "CPU/step", "stale", "req/srv");
  bool all_ok = true;
  double makespans[4];
  for (int i = 0; i < 4; ++i) {
    bool seq = plans[i].sequential;
    makespans[i] = seq ? runs[i].wall_s * o.zones / seq_zones : runs[i].wall_s;
    std::string label = plans[i].label;
    if (seq && seq_zones < o.zones) label += fmt::format(" *{}/{}", o.zones, seq_zones);
    PrintRow(label.c_str(), runs[i], (seq ? seq_zones : o.zones) * o.servers, makespans[i]);
    all_ok = all_ok && (runs[i].ok || runs[i].why == "skipped");
  }
  for (int i = 0; i < 4; ++i) {
    const RunResult& r = runs[i];
    if (!r.ok || r.breakdown.servers == 0) continue;
    fmt::print(
        "\n{}: `dandori run` took {:.2f} s, of which before the first upload and after "
        "the last register {:.2f} s\n{}",
        plans[i].label, r.wall_s, r.wall_s - r.breakdown.observed_s, r.breakdown.text);
  }
  if (seq_zones < o.zones) {
    fmt::print("(zones one at a time: extrapolated from {} zones x {}/{})\n", seq_zones, o.zones,
               seq_zones);
  }
  fmt::print("\n");
  for (int i = 1; i < 4; ++i) {
    if (runs[0].why == "skipped" || runs[i].why == "skipped") continue;
    if (runs[0].ok && runs[i].ok) {
      fmt::print("zones one at a time / {:<28} {:6.2f} x  (target >= 10)\n", plans[i].label,
                 makespans[0] / makespans[i]);
    } else {
      fmt::print("zones one at a time / {:<28} FAILED\n", plans[i].label);
    }
  }
  fmt::print(
      "stale: changes refused with 412 (late or duplicate requests); req/srv: protocol "
      "requests per server\n");
  fmt::print("targets: rolling / bound <= 1.1, 0 dropped, lowest >= 90 %, CPU <= 1 ms per step\n");
  std::fflush(stdout);  // the figures before the (slow) removal of the stores' scratch
  fs::remove_all(dir);
  return all_ok ? 0 : 1;
}
