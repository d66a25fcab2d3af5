// Tests of the simulator's model rules (fleet_model.h), in fast simulated time.
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "examples/camfleet/camera_motion.h"
#include "examples/camfleet/fleet_model.h"

namespace camfleet {
namespace {

using json = nlohmann::json;

Config Small() {
  Config c;
  c.zones = 2;
  c.servers_per_zone = 3;
  c.cameras_per_server = 10;
  c.capacity = 20;
  c.time_scale = 2000;  // 20 s median move = 10 ms real
  c.stubborn_fraction = 0;
  return c;
}

json Body(const Reply& r) { return json::parse(r.body); }

// Ticks until `pred` holds or ~5 s pass.
template <typename F>
bool Eventually(Fleet& fleet, F pred) {
  for (int i = 0; i < 500; ++i) {
    fleet.Tick();
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_CASE("delays are deterministic and heavy-tailed") {
  Config c = Small();
  c.stubborn_fraction = 0.01;
  REQUIRE(DrawMoveDelayMs(c, 7, 0) == DrawMoveDelayMs(c, 7, 0));
  int64_t longest = 0, total = 0;
  for (int i = 0; i < 10000; ++i) {
    int64_t d = DrawMoveDelayMs(c, i, 0);
    longest = std::max(longest, d);
    total += d;
  }
  double mean = total / 10000.0;
  CHECK(mean > 15000);
  CHECK(longest > 8 * mean);  // the tail
  Config other = c;
  other.seed = 2;
  CHECK(DrawMoveDelayMs(other, 7, 0) != DrawMoveDelayMs(c, 7, 0));
}

TEST_CASE("a change naming a stale revision (If-Match) is refused with 412 and changes nothing") {
  Fleet fleet(Small(), Faults{});
  Reply entry = fleet.Registered("z01", "z01-s001");
  REQUIRE(entry.status == 200);
  const int64_t rev = entry.etag;
  REQUIRE(rev >= 0);
  REQUIRE(fleet.SetRegistered("z01", "z01-s001", false, rev).status == 200);
  REQUIRE(fleet.SetRegistered("z01", "z01-s001", true, rev + 1).status == 200);
  // The first DELETE again (a late duplicate): it names a revision long gone.
  Reply late = fleet.SetRegistered("z01", "z01-s001", false, rev);
  CHECK(late.status == 412);
  CHECK(late.etag == rev + 2);
  CHECK(fleet.Registered("z01", "z01-s001").status == 200);  // still registered
  // The same on the admin side: a drain naming the status revision before a restart.
  const int64_t srev = fleet.Status("z01-s002").etag;
  REQUIRE(fleet.SetRegistered("z01", "z01-s002", false).status == 200);
  REQUIRE(fleet.Drain("z01-s002", srev).status == 200);
  CHECK(fleet.Drain("z01-s002", srev).status == 412);  // the server moved on (draining)
  CHECK(fleet.Restart("z01-s003", "2.0", srev + 100).status == 412);
  json r = fleet.Report();
  CHECK(r["stale_requests"] == 3);
  CHECK(r["per_server"]["z01-s001"]["deregisters"] == 1);
  CHECK(r["per_server"]["z01-s003"]["restarts"] == 0);
}

TEST_CASE("a careful server step moves every camera and drops none") {
  Fleet fleet(Small(), Faults{});
  REQUIRE(fleet.SetRegistered("z01", "z01-s001", false).status == 200);
  json d = Body(fleet.Drain("z01-s001"));
  CHECK(d["state"] == "draining");
  REQUIRE(Eventually(fleet, [&] { return Body(fleet.Status("z01-s001"))["state"] == "drained"; }));
  CHECK(Body(fleet.Status("z01-s001"))["cameras"] == 0);
  REQUIRE(fleet.Restart("z01-s001", "2.0").status == 202);
  CHECK(fleet.Metrics("z01-s001").status == 503);  // down while restarting
  REQUIRE(Eventually(fleet, [&] { return Body(fleet.Status("z01-s001"))["state"] == "serving"; }));
  CHECK(Body(fleet.Status("z01-s001"))["version"] == "2.0");
  CHECK(
      fleet.Metrics("z01-s001").body.find("camera_server_up{server=\"z01-s001\",zone=\"z01\"} 1") !=
      std::string::npos);
  REQUIRE(fleet.SetRegistered("z01", "z01-s001", true).status == 200);
  json r = fleet.Report();
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(r["per_server"]["z01-s001"]["drains"] == 1);
  CHECK(r["per_server"]["z01-s001"]["restarts"] == 1);
  // One of three servers out: the zone went down to 2/3 of its capacity.
  CHECK(r["zone_detail"][0]["lowest_serving_percent"].get<double>() == Approx(66.67));
  CHECK(r["zone_detail"][1]["lowest_serving_percent"].get<double>() == Approx(100));
  CHECK(r["makespan"]["servers_in_bound"] == 1);
  CHECK(r["makespan"]["lower_bound_s"].get<double>() >= 20.0);  // at least the restart
}

TEST_CASE("register_fails: the registry refuses N registrations, the server stays out") {
  Faults f;
  REQUIRE(f.AddFromFlag("register_fails", "z01-s002:2").empty());
  Fleet fleet(Small(), f);
  REQUIRE(fleet.SetRegistered("z01", "z01-s002", false).status == 200);
  CHECK(fleet.SetRegistered("z01", "z01-s002", true).status == 503);
  CHECK(fleet.SetRegistered("z01", "z01-s002", true).status == 503);
  CHECK(fleet.Registered("z01", "z01-s002").status == 404);
  CHECK(fleet.SetRegistered("z01", "z01-s002", true).status == 200);  // the third goes through
  json r = fleet.Report();
  CHECK(r["per_server"]["z01-s002"]["registers"] == 1);
  CHECK(r["zone_detail"][0]["lowest_serving_percent"].get<double>() == Approx(66.67));
  CHECK(r["lowest_serving_percent"].get<double>() == Approx(66.67));  // over all zones
}

TEST_CASE("a careless restart drops cameras and is counted unsafe") {
  Fleet fleet(Small(), Faults{});
  REQUIRE(fleet.Restart("z02-s002", "2.0").status == 202);
  json r = fleet.Report();
  CHECK(r["cameras_dropped"] == 10);
  CHECK(r["unsafe_by_kind"]["restart_with_cameras"] == 1);
  CHECK(r["unsafe_by_kind"]["restart_registered"] == 1);
  // Dropped cameras reconnect to the other registered servers of their zone.
  REQUIRE(Eventually(fleet, [&] { return fleet.Report()["cameras_disconnected_now"] == 0; }));
  CHECK(fleet.Report()["disconnected_camera_seconds"].get<double>() > 0);
}

TEST_CASE("draining a registered server is unsafe; faults apply") {
  Faults faults;
  REQUIRE(faults.AddFromFlag("stuck", "z01-s002:3").empty());
  REQUIRE(faults.AddFromFlag("unreachable", "z01-s003").empty());
  Fleet fleet(Small(), faults);
  fleet.Drain("z01-s002");
  CHECK(fleet.Report()["unsafe_by_kind"]["drain_registered"] == 1);
  // Stuck cameras never move: the drain stops at 3.
  REQUIRE(Eventually(fleet, [&] { return Body(fleet.Status("z01-s002"))["cameras"] == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(Body(fleet.Status("z01-s002"))["cameras"] == 3);
  CHECK(fleet.Drain("z01-s003").status == 502);
  CHECK(fleet.SetRegistered("z01", "z01-s003", false).status == 200);  // the registry answers
  CHECK(fleet.SetRegistered("z02", "z01-s001", false).status == 404);  // wrong zone
  REQUIRE(fleet.SetFaults(json{{"flapping", {"z02-s001"}}}).status == 200);
  std::string a = fleet.Metrics("z02-s001").body, b = fleet.Metrics("z02-s001").body;
  CHECK(a != b);  // camera_server_up alternates
}

TEST_CASE("a full zone makes cameras wait, not vanish") {
  Config c = Small();
  c.capacity = 10;  // no spare room anywhere
  Fleet fleet(c, Faults{});
  fleet.SetRegistered("z01", "z01-s001", false);
  fleet.Drain("z01-s001");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  fleet.Tick();
  CHECK(Body(fleet.Status("z01-s001"))["cameras"] == 10);
  CHECK(fleet.Report()["cameras_dropped"] == 0);
}

}  // namespace
}  // namespace camfleet
