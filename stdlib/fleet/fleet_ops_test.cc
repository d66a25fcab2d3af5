// The fleet operators through the OperatorContext contract, against the real simulator
// (examples/camfleet) serving the protocol over loopback HTTP.
#include "stdlib/fleet/fleet_ops.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "base/clock.h"
#include "stdlib/fleet/fleet_test_harness.h"

namespace dandori::fleet {
namespace {

TEST_CASE("a careful server step: no dropped camera, no unsafe action") {
  Harness h;
  const std::string id = "z01-s002";
  auto c1 = h.On("fleet.deregister", id);
  REQUIRE(RunDeregister(c1).ok());
  auto c2 = h.On("fleet.drain", id, {{"stall", Ms(3000)}, {"poll", Ms(20)}});
  int64_t last_done = -1, last_total = -1;
  c2.progress = [&](int64_t done, int64_t total, std::string_view unit) {
    CHECK(unit == "cameras");
    last_done = done;
    last_total = total;
  };
  auto drained = RunDrain(c2);
  REQUIRE(drained.ok());
  CHECK(drained->Get("remaining").as_int() == 0);
  CHECK(drained->Get("moved").as_int() == 20);
  CHECK(last_done == 20);
  CHECK(last_total == 20);
  auto c3 = h.On("fleet.restart", id, {{"version", Value::String("2.0")}, {"wait", Ms(5000)}});
  REQUIRE(RunRestart(c3).ok());
  auto c4 = h.On("fleet.health", id,
                 {{"expr", Value::String("camera_server_up == 1 and "
                                         "camera_server_version{version=\"2.0\"} == 1")},
                  {"interval", Ms(20)}});
  auto healthy = RunHealth(c4);
  REQUIRE(healthy.ok());
  CHECK(healthy->Get("checks").as_int() == 3);
  auto c5 = h.On("fleet.register", id);
  REQUIRE(RunRegister(c5).ok());
  json r = h.Report();
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(r["per_server"][id]["version"] == "2.0");
  CHECK(r["per_server"][id]["registered"] == true);
  // Restarting again on the same version is a no-op: the simulator sees one restart.
  auto again = h.On("fleet.restart", id, {{"version", Value::String("2.0")}});
  REQUIRE(RunRestart(again).ok());
  CHECK(h.Report()["per_server"][id]["restarts"] == 1);
}

TEST_CASE("a stuck drain fails on its stall rule, or finishes with stragglers") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("stuck", "z01-s001:3,z02-s001:8").empty());
  Harness h(faults);
  for (const char* id : {"z01-s001", "z02-s001"}) {
    auto c = h.On("fleet.deregister", id);
    REQUIRE(RunDeregister(c).ok());
  }
  // 3 stuck <= max_remaining 5: the stall ends it successfully.
  auto ok = h.On("fleet.drain", "z01-s001",
                 {{"stall", Ms(400)}, {"poll", Ms(20)}, {"max_remaining", Value::Int(5)}});
  auto r1 = RunDrain(ok);
  REQUIRE(r1.ok());
  CHECK(r1->Get("remaining").as_int() == 3);
  CHECK(r1->Get("moved").as_int() == 17);
  // 8 stuck > 5: a stall failure (permanent: not worth an immediate retry), long before
  // any overall timeout.
  auto bad = h.On("fleet.drain", "z02-s001",
                  {{"stall", Ms(400)}, {"poll", Ms(20)}, {"max_remaining", Value::Int(5)}});
  int64_t start = MonotonicMs();
  auto r2 = RunDrain(bad);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.status().code() == Code::kPermanent);
  CHECK(r2.status().message().find("stalled") != std::string::npos);
  CHECK(r2.status().message().find("8 of 20 cameras remain") != std::string::npos);
  CHECK(MonotonicMs() - start < 5000);
}

TEST_CASE("a drain near its deadline finishes with at most max_remaining stragglers") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("stuck", "z01-s003:2").empty());
  Harness h(faults);
  auto d = h.On("fleet.deregister", "z01-s003");
  REQUIRE(RunDeregister(d).ok());
  auto c = h.On("fleet.drain", "z01-s003",
                {{"stall", Ms(60000)}, {"poll", Ms(20)}, {"max_remaining", Value::Int(2)}});
  c.deadline_ms = SystemClock()->NowMs() + 2500;
  auto r = RunDrain(c);
  REQUIRE(r.ok());
  CHECK(r->Get("remaining").as_int() == 2);
  CHECK(SystemClock()->NowMs() < c.deadline_ms);
}

TEST_CASE("cancellation stops a drain promptly") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("stuck", "z01-s001:20").empty());
  Harness h(faults);
  auto c = h.On("fleet.drain", "z01-s001", {{"stall", Ms(60000)}, {"poll", Ms(50)}});
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    h.cancel.Cancel();
  });
  int64_t start = MonotonicMs();
  auto r = RunDrain(c);
  canceller.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCancelled);
  CHECK(MonotonicMs() - start < 2000);
}

TEST_CASE("HTTP failures are classified") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("unreachable", "z02-s002").empty());
  Harness h(faults);
  auto unreachable = h.On("fleet.drain", "z02-s002", {{"poll", Ms(20)}});
  auto r = RunDrain(unreachable);
  CHECK(r.status().code() == Code::kTransient);
  CHECK(r.status().message().find("HTTP 502") != std::string::npos);
  // The registry is another service: deregistering an unreachable server works.
  auto dereg = h.On("fleet.deregister", "z02-s002");
  CHECK(RunDeregister(dereg).ok());

  Value fake =
      Value::MakeRecord({{"id", Value::String("nope")},
                         {"zone", Value::String("z01")},
                         {"admin", Value::String(h.sim.base_url() + "/s/nope/admin")},
                         {"metrics", Value::String(h.sim.base_url() + "/s/nope/metrics")},
                         {"registry", Value::String(h.sim.base_url() + "/z/z01/registry")}});
  auto missing = h.Context("fleet.restart", {{"server", fake}, {"version", Value::String("2")}});
  CHECK(RunRestart(missing).status().code() == Code::kPermanent);  // 404
  auto reg = h.Context("fleet.register", {{"server", fake}});
  CHECK(RunRegister(reg).status().code() == Code::kPermanent);

  // A port nobody listens on: connection refused is transient.
  int port = h.sim.port();
  h.sim.Stop();
  h.sim.Wait();
  Value closed = Value::MakeRecord(
      {{"id", Value::String("x")},
       {"zone", Value::String("z")},
       {"admin", Value::String("http://127.0.0.1:" + std::to_string(port) + "/s/x/admin")},
       {"metrics", Value::String("http://127.0.0.1:1/m")},
       {"registry", Value::String("http://127.0.0.1:1/r")}});
  auto refused = h.Context("fleet.drain", {{"server", closed}});
  auto rr = RunDrain(refused);
  CHECK(rr.status().code() == Code::kTransient);
}

TEST_CASE("a broken restart comes back but fails health; a flapping metric never passes") {
  camfleet::Faults faults;
  REQUIRE(faults.AddFromFlag("broken", "z01-s001").empty());
  REQUIRE(faults.AddFromFlag("flapping", "z01-s002").empty());
  Harness h(faults);
  for (const char* id : {"z01-s001"}) {
    auto d = h.On("fleet.deregister", id);
    REQUIRE(RunDeregister(d).ok());
    auto dr = h.On("fleet.drain", id, {{"poll", Ms(20)}});
    REQUIRE(RunDrain(dr).ok());
  }
  auto up = h.On("fleet.restart", "z01-s001", {{"version", Value::String("2.0")}});
  REQUIRE(RunRestart(up).ok());  // the process answers...
  auto health = h.On("fleet.health", "z01-s001",
                     {{"expr", Value::String("camera_server_up == 1")}, {"interval", Ms(20)}});
  health.deadline_ms = SystemClock()->NowMs() + 1000;
  auto r = RunHealth(health);
  REQUIRE_FALSE(r.ok());  // ...but is not healthy
  CHECK(r.status().code() == Code::kTimeout);
  CHECK(r.status().message().find("camera_server_up=0") != std::string::npos);

  auto flap = h.On("fleet.health", "z01-s002",
                   {{"expr", Value::String("camera_server_up == 1")}, {"interval", Ms(10)}});
  flap.deadline_ms = SystemClock()->NowMs() + 1000;
  CHECK(RunHealth(flap).status().code() == Code::kTimeout);
  auto once = h.On("fleet.health", "z01-s002",
                   {{"expr", Value::String("camera_server_up == 1")},
                    {"interval", Ms(10)},
                    {"consecutive", Value::Int(1)}});
  CHECK(RunHealth(once).ok());
  auto bad = h.On("fleet.health", "z01-s002", {{"expr", Value::String("camera_server_up ==")}});
  CHECK(RunHealth(bad).status().code() == Code::kPermanent);
}

TEST_CASE("a restart with cameras attached is refused unless max_drop accepts them") {
  Harness h;
  auto refused = h.On("fleet.restart", "z02-s003", {{"version", Value::String("2.0")}});
  auto r0 = RunRestart(refused);
  REQUIRE_FALSE(r0.ok());
  CHECK(r0.status().code() == Code::kPermanent);
  CHECK(r0.status().message().find("refused: 20 cameras still attached") != std::string::npos);
  CHECK(h.Report()["per_server"]["z02-s003"]["restarts"] == 0);
  // A careless step (restart before drain, every drop accepted) is caught by the simulator.
  auto up = h.On("fleet.restart", "z02-s003",
                 {{"version", Value::String("2.0")}, {"max_drop", Value::Int(20)}});
  auto r1 = RunRestart(up);
  REQUIRE(r1.ok());
  CHECK(r1->Find("dropped")->as_int() == 20);
  json r = h.Report();
  CHECK(r["cameras_dropped"] == 20);
  CHECK(r["unsafe_by_kind"]["restart_with_cameras"] == 1);
}

TEST_CASE("distribute uploads once and verifies sha256; argv copies too") {
  Harness h;
  std::ofstream(h.dir / "server-2.0.tar") << std::string(100000, 'x');
  auto c = h.On("fleet.distribute", "z01-s001", {{"artifact", Value::String("server-2.0.tar")}});
  auto r = RunDistribute(c);
  REQUIRE(r.ok());
  std::string sha = r->Get("sha256").as_string();
  CHECK(sha.size() == 64);
  CHECK(r->Get("bytes").size_bytes() == 100000);
  CHECK(h.Report()["per_server"]["z01-s001"]["uploads"] == 1);
  auto again =
      h.On("fleet.distribute", "z01-s001", {{"artifact", Value::String("server-2.0.tar")}});
  REQUIRE(RunDistribute(again).ok());
  CHECK(h.Report()["per_server"]["z01-s001"]["uploads"] == 1);  // already there

  auto wrong =
      h.On("fleet.distribute", "z01-s002",
           {{"artifact", Value::String("server-2.0.tar")}, {"sha256", Value::String("00")}});
  CHECK(RunDistribute(wrong).status().code() == Code::kPermanent);
  auto absent = h.On("fleet.distribute", "z01-s002", {{"artifact", Value::String("nope.tar")}});
  CHECK(RunDistribute(absent).status().code() == Code::kPermanent);

  fs::create_directories(h.dir / "remote");
  Value::List argv = {Value::String("cp"), Value::String("{src}"),
                      Value::String((h.dir / "remote" / "{id}-{dest}").string())};
  auto copy =
      h.On("fleet.distribute", "z01-s003",
           {{"artifact", Value::String("server-2.0.tar")}, {"argv", Value::MakeList(argv)}});
  auto cr = RunDistribute(copy);
  REQUIRE(cr.ok());
  CHECK(fs::file_size(h.dir / "remote" / "z01-s003-server-2.0.tar") == 100000);
  CHECK(cr->Get("sha256").as_string() == sha);
}

}  // namespace
}  // namespace dandori::fleet
