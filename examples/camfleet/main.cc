// camfleet: a simulated camera-server fleet speaking the fleet control protocol over
// loopback HTTP (see http_api.h). Writes an inventory for dandori, runs until SIGTERM /
// SIGINT, then writes its report.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "examples/camfleet/simulator.h"

namespace {

const char* kUsage = R"(usage: camfleet [options]
  --zones N                 zones (3)
  --servers-per-zone N      servers per zone (4)
  --cameras-per-server N    cameras per server at start (20)
  --capacity N              cameras a server can take (cameras-per-server * 1.25)
  --time-scale X            simulated seconds per real second (60)
  --seed N                  random seed (1)
  --move-median S           median camera move delay, simulated seconds (20)
  --move-sigma X            lognormal sigma of the move delay (0.8)
  --stubborn F              fraction of stubborn (Pareto-tail) moves (0.003)
  --restart-min S, --restart-max S   restart duration range, simulated seconds (20..40)
  --floor P                 capacity floor per zone, percent (90)
  --batch N                 servers a plan takes out per zone at once, for the lower bound
  --port N                  loopback port; 0 = ephemeral (0)
  --port-file PATH          write the chosen port here
  --inventory PATH          write the inventory (.yaml/.yml: YAML, else JSON)
  --report PATH             write the report (JSON) on exit
  --unreachable IDS  --broken IDS  --flapping IDS  --stuck ID:N,..  --slow-copy ID:MS,..
  --broken-restarts ID:N,..  only the next N restarts of that server come up broken
  --register-fails ID:N,..   the next N registrations of that server answer 503
  --late-deregister IDS      the first DELETE of that server's registry entry arrives late
                             (after its next registration)
)";

[[noreturn]] void Die(const std::string& message) {
  fmt::print(stderr, "camfleet: {}\n", message);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  camfleet::Config config;
  camfleet::Faults faults;
  int port = 0;
  std::string port_file, inventory, report;
  std::map<std::string, std::function<void(const std::string&)>> flags = {
      {"--zones", [&](auto v) { config.zones = std::stoi(v); }},
      {"--servers-per-zone", [&](auto v) { config.servers_per_zone = std::stoi(v); }},
      {"--cameras-per-server", [&](auto v) { config.cameras_per_server = std::stoi(v); }},
      {"--capacity", [&](auto v) { config.capacity = std::stoi(v); }},
      {"--time-scale", [&](auto v) { config.time_scale = std::stod(v); }},
      {"--seed", [&](auto v) { config.seed = std::stoull(v); }},
      {"--move-median", [&](auto v) { config.move_median_s = std::stod(v); }},
      {"--move-sigma", [&](auto v) { config.move_sigma = std::stod(v); }},
      {"--stubborn", [&](auto v) { config.stubborn_fraction = std::stod(v); }},
      {"--restart-min", [&](auto v) { config.restart_min_s = std::stod(v); }},
      {"--restart-max", [&](auto v) { config.restart_max_s = std::stod(v); }},
      {"--floor", [&](auto v) { config.floor_percent = std::stod(v); }},
      {"--batch", [&](auto v) { config.batch = std::stoi(v); }},
      {"--port", [&](auto v) { port = std::stoi(v); }},
      {"--port-file", [&](auto v) { port_file = v; }},
      {"--inventory", [&](auto v) { inventory = v; }},
      {"--report", [&](auto v) { report = v; }},
  };
  for (const char* kind : {"unreachable", "broken", "flapping", "stuck", "slow-copy",
                           "broken-restarts", "register-fails", "late-deregister"}) {
    std::string name = kind;
    std::string fault = name;
    for (char& c : fault) c = c == '-' ? '_' : c;
    flags["--" + name] = [&faults, fault](const std::string& v) {
      std::string error = faults.AddFromFlag(fault, v);
      if (!error.empty()) Die("--" + fault + ": " + error);
    };
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      fmt::print("{}", kUsage);
      return 0;
    }
    auto it = flags.find(arg);
    if (it == flags.end()) Die("unknown option " + arg + "\n" + kUsage);
    if (i + 1 >= argc) Die(arg + " needs a value");
    try {
      it->second(argv[++i]);
    } catch (const std::exception&) {
      Die("bad value for " + arg + ": " + argv[i]);
    }
  }
  if (config.zones < 1 || config.servers_per_zone < 1 || config.cameras_per_server < 0 ||
      config.time_scale <= 0 || config.zones > 1000 || config.servers_per_zone > 10000) {
    Die("sizes must be positive (and sane); time scale > 0");
  }

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  camfleet::Simulator sim(config, faults);
  if (!sim.Start(port)) Die(fmt::format("cannot bind 127.0.0.1:{}", port));
  if (!inventory.empty()) {
    std::string error = sim.WriteInventory(inventory);
    if (!error.empty()) Die(error);
  }
  if (!port_file.empty()) {
    std::string error = camfleet::WriteFileAtomic(port_file, std::to_string(sim.port()) + "\n");
    if (!error.empty()) Die(error);
  }
  fmt::print("camfleet: {} zones x {} servers x {} cameras on {} (time scale {})\n", config.zones,
             config.servers_per_zone, config.cameras_per_server, sim.base_url(), config.time_scale);
  std::fflush(stdout);

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    sim.Stop();
  });
  waiter.detach();
  sim.Wait();
  if (!report.empty()) {
    std::string error = sim.WriteReport(report);
    if (!error.empty()) Die(error);
    fmt::print("camfleet: report written to {}\n", report);
  }
  return 0;
}
