// The fleet operator tests' harness: a small simulated fleet (examples/camfleet) on a
// loopback port, its inventory read by fleet.inventory, and operator contexts whose
// arguments are bound against the real signatures (defaults as in the engine).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "examples/camfleet/simulator.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/signatures.h"

namespace dandori::fleet {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline camfleet::Config SmallFleet() {
  camfleet::Config c;
  c.zones = 2;
  c.servers_per_zone = 3;
  c.cameras_per_server = 20;
  c.capacity = 40;
  c.time_scale = 200;  // a 20 s median move takes 100 ms
  c.stubborn_fraction = 0;
  return c;
}

struct Harness {
  explicit Harness(camfleet::Faults faults = {}, camfleet::Config config = SmallFleet())
      : sim(config, faults) {
    REQUIRE(sim.Start(0));
    dir = fs::temp_directory_path() / ("fleet_ops_test_" + std::to_string(sim.port()));
    fs::create_directories(dir);
    REQUIRE(sim.WriteInventory((dir / "inventory.yaml").string()).empty());
    OperatorContext ctx = Context("fleet.inventory", {{"path", Value::String("inventory.yaml")}});
    auto inv = RunInventory(ctx);
    REQUIRE(inv.ok());
    for (const Value& zone : inv->Get("zones").list()) {
      for (const Value& s : zone.Get("servers").list()) servers[s.Get("id").as_string()] = s;
    }
  }
  ~Harness() { fs::remove_all(dir); }

  // Arguments bound against the real signature, so defaults apply as in the engine.
  OperatorContext Context(const std::string& op, Value::Record args) {
    auto bound = BindArguments(*FindOperator(op), Value::MakeRecord(std::move(args)));
    REQUIRE(bound.ok());
    OperatorContext ctx;
    ctx.args = *bound;
    ctx.workdir = dir.string();
    ctx.scratch_dir = (dir / "scratch").string();  // as the engine: named, made on use
    ctx.cancel = &cancel;
    return ctx;
  }
  OperatorContext On(const std::string& op, const std::string& id, Value::Record extra = {}) {
    extra.insert(extra.begin(), {"server", servers.at(id)});
    return Context(op, std::move(extra));
  }
  json Report() { return sim.fleet().Report(); }

  camfleet::Simulator sim;
  fs::path dir;
  std::map<std::string, Value> servers;
  CancelToken cancel;
};

inline Value Ms(int64_t ms) { return Value::DurationMs(ms); }

}  // namespace dandori::fleet
