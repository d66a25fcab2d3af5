// Putting servers back: a parked drain, fleet.restore, fleet.sweep, and fleet.restart's
// force and max_drop, against the real simulator over loopback.
#include <catch2/catch.hpp>

#include "base/clock.h"
#include "stdlib/fleet/fleet_test_harness.h"

namespace dandori::fleet {
namespace {

TEST_CASE("a stalled drain parks (park: true); fleet.restore puts it back on its version") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("stuck", "z01-s002:4").empty());
  Harness h(faults);
  auto out = h.On("fleet.deregister", "z01-s002");
  REQUIRE(RunDeregister(out).ok());
  auto d = h.On("fleet.drain", "z01-s002",
                {{"stall", Ms(400)}, {"poll", Ms(20)}, {"park", Value::Bool(true)}});
  auto r = RunDrain(d);
  REQUIRE(r.ok());
  CHECK(r->Get("stalled").as_bool());
  CHECK(r->Get("remaining").as_int() == 4);
  CHECK(r->Get("version").as_string() == "1.0");
  CHECK(r->Get("reason").as_string().find("stalled: no camera moved") != std::string::npos);
  // The plan must not restart it: the restart refuses anyway (4 attached, max_drop 0).
  auto up = h.On("fleet.restart", "z01-s002", {{"version", Value::String("2.0")}});
  CHECK(RunRestart(up).status().code() == Code::kPermanent);

  auto back = h.On("fleet.restore", "z01-s002", {{"version", r->Get("version")}});
  auto b = RunRestore(back);
  REQUIRE(b.ok());
  CHECK(b->Get("action").as_string() == "drain called off, registered: serving on 1.0");
  json rep = h.Report();
  auto& s = rep["per_server"]["z01-s002"];
  CHECK(s["state"] == "serving");
  CHECK(s["registered"] == true);
  CHECK(s["version"] == "1.0");
  CHECK(s["restarts"] == 0);
  CHECK(s["undrains"] == 1);
  CHECK(rep["cameras_dropped"] == 0);
  CHECK(rep["unsafe_actions"] == 0);
}

TEST_CASE("a drain still moving at its own time limit is parked, not judged stalled") {
  Harness h;
  auto out = h.On("fleet.deregister", "z02-s001");
  REQUIRE(RunDeregister(out).ok());
  // 20 cameras take ~100 ms each at this scale: a 30 ms limit cuts the drain short.
  auto d = h.On(
      "fleet.drain", "z02-s001",
      {{"stall", Ms(60000)}, {"poll", Ms(10)}, {"timeout", Ms(30)}, {"park", Value::Bool(true)}});
  auto r = RunDrain(d);
  REQUIRE(r.ok());
  CHECK(r->Get("stalled").as_bool());
  CHECK(r->Get("reason").as_string().find("ran out of time") != std::string::npos);
  auto back = h.On("fleet.restore", "z02-s001");
  REQUIRE(RunRestore(back).ok());
  CHECK(h.Report()["per_server"]["z02-s001"]["registered"] == true);
}

TEST_CASE("force restarts a server already on the version; otherwise it is a no-op") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("broken_restarts", "z01-s001:1").empty());
  Harness h(faults);
  auto out = h.On("fleet.deregister", "z01-s001");
  REQUIRE(RunDeregister(out).ok());
  auto d = h.On("fleet.drain", "z01-s001", {{"stall", Ms(3000)}, {"poll", Ms(20)}});
  REQUIRE(RunDrain(d).ok());
  auto up = h.On("fleet.restart", "z01-s001", {{"version", Value::String("2.0")}});
  REQUIRE(RunRestart(up).ok());
  auto health = h.On("fleet.health", "z01-s001",
                     {{"expr", Value::String("camera_server_up == 1")},
                      {"interval", Ms(10)},
                      {"timeout", Ms(300)}});
  CHECK(RunHealth(health).status().code() == Code::kTimeout);  // the first restart is broken
  auto again = h.On("fleet.restart", "z01-s001", {{"version", Value::String("2.0")}});
  auto a = RunRestart(again);
  REQUIRE(a.ok());
  CHECK_FALSE(a->Get("restarted").as_bool());
  CHECK(h.Report()["per_server"]["z01-s001"]["restarts"] == 1);
  auto forced = h.On("fleet.restart", "z01-s001",
                     {{"version", Value::String("2.0")}, {"force", Value::Bool(true)}});
  auto f = RunRestart(forced);
  REQUIRE(f.ok());
  CHECK(f->Get("restarted").as_bool());
  CHECK(h.Report()["per_server"]["z01-s001"]["restarts"] == 2);
  auto health2 = h.On("fleet.health", "z01-s001",
                      {{"expr", Value::String("camera_server_up == 1")}, {"interval", Ms(10)}});
  CHECK(RunHealth(health2).ok());
}

TEST_CASE("the sweep rolls back a broken server, undrains a parked one, lists both") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("broken_restarts", "z01-s001:1").empty());  // the upgrade's
  REQUIRE(faults.AddFromFlag("stuck", "z01-s002:2").empty());
  Harness h(faults);
  // z01-s001: upgraded but broken, left deregistered (its group failed).
  auto o1 = h.On("fleet.deregister", "z01-s001");
  REQUIRE(RunDeregister(o1).ok());
  auto d1 = h.On("fleet.drain", "z01-s001", {{"stall", Ms(3000)}, {"poll", Ms(20)}});
  REQUIRE(RunDrain(d1).ok());
  auto u1 = h.On("fleet.restart", "z01-s001", {{"version", Value::String("2.0")}});
  REQUIRE(RunRestart(u1).ok());
  // z01-s002: its drain failed (park: false), left deregistered and draining.
  auto o2 = h.On("fleet.deregister", "z01-s002");
  REQUIRE(RunDeregister(o2).ok());
  auto d2 = h.On("fleet.drain", "z01-s002", {{"stall", Ms(300)}, {"poll", Ms(20)}});
  auto r2 = RunDrain(d2);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().message().find("left deregistered and draining") != std::string::npos);

  Value::List z1;
  for (const char* id : {"z01-s001", "z01-s002", "z01-s003"}) z1.push_back(h.servers.at(id));
  auto sweep = h.Context("fleet.sweep", {{"servers", Value::MakeList(z1)},
                                         {"version", Value::String("2.0")},
                                         {"strict", Value::Bool(false)}});
  auto s = RunSweep(sweep);
  REQUIRE(s.ok());
  CHECK(s->Get("restored").as_int() == 2);
  CHECK(s->Get("upgraded").as_int() == 0);
  REQUIRE(s->Get("not_upgraded").list().size() == 3);
  std::string first = s->Get("not_upgraded").list()[0].Get("reason").as_string();
  CHECK(first.find("restarted on 1.0") != std::string::npos);
  std::string third = s->Get("not_upgraded").list()[2].Get("reason").as_string();
  CHECK(third.find("never taken out") != std::string::npos);
  json rep = h.Report();
  CHECK(rep["per_server"]["z01-s001"]["version"] == "1.0");
  CHECK(rep["per_server"]["z01-s001"]["registered"] == true);
  CHECK(rep["per_server"]["z01-s002"]["state"] == "serving");
  CHECK(rep["per_server"]["z01-s002"]["registered"] == true);
  CHECK(rep["cameras_dropped"] == 0);
  CHECK(rep["unsafe_actions"] == 0);
  // strict (the default): the same sweep fails, naming every server not upgraded.
  auto strict = h.Context("fleet.sweep",
                          {{"servers", Value::MakeList(z1)}, {"version", Value::String("2.0")}});
  auto f = RunSweep(strict);
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message().find("3 of 3 servers not upgraded to 2.0") != std::string::npos);
  CHECK(f.status().message().find("z01-s003 (in service on 1.0") != std::string::npos);
}

}  // namespace
}  // namespace dandori::fleet
