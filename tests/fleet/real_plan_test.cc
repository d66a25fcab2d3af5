// The real plan, workflows/camera_server_deploy.flow, with its own timing defaults
// compressed by the simulator's time scale (as scripts/demo-deploy.sh runs it), against
// the camfleet simulator over loopback: heavy-tailed drains, a stuck camera, a restart
// that comes up broken once. Its zones have 10 servers: the plan keeps 90% serving, so
// one server of 10 is out at a time (a zone of 5 could have none out).
#include "tests/fleet/deploy_harness.h"

namespace {

using namespace fleet_test;

camfleet::Config RealPlanFleet() {
  camfleet::Config c = TestFleet();
  c.servers_per_zone = 10;
  c.floor_percent = 90;  // the plan's keep 90% serving
  return c;
}

TEST_CASE("real plan, heavy-tailed drains, its defaults: 0 dropped, no zone failed") {
  camfleet::Config c = RealPlanFleet();
  c.stubborn_fraction = 0.05;  // bench/fleet's heavy tail: --stubborn 0.05 --move-sigma 1.2
  c.move_sigma = 1.2;
  Deploy d({}, c);
  d.UseRealPlanDefaults();
  REQUIRE(d.Run("camera_server_deploy") == 0);
  json r = d.Report();
  CHECK(r["versions"]["2.0"] == 30);  // every server upgraded: no slow drain judged stuck
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(r["below_floor"] == false);
  CHECK(r["lowest_serving_percent"].get<double>() == Approx(90.0));  // 1 of 10 out at once
  CHECK(r["max_restarts_per_server"] == 1);
}

TEST_CASE("real plan, a stuck camera: the server is put back on 1.0 and reported, 0 dropped") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("stuck", "z03-s002:1").empty());
  Deploy d(f, RealPlanFleet());
  d.UseRealPlanDefaults();
  CHECK(d.Run("camera_server_deploy") == 1);
  json r = d.Report();
  auto& s = r["per_server"]["z03-s002"];
  CHECK(s["version"] == "1.0");
  CHECK(s["restarts"] == 0);  // never restarted with its camera
  CHECK(s["undrains"] == 1);
  CHECK(s["state"] == "serving");
  CHECK(s["registered"] == true);
  CHECK(s["cameras"] == 1);  // the stuck camera stays served
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  for (int z = 1; z <= 2; ++z) {  // the other zones finished
    for (int i = 1; i <= 10; ++i) {
      CHECK(r["per_server"][fmt::format("z{:02}-s{:03}", z, i)]["version"] == "2.0");
    }
  }
  // Every server of zone 3 is back in service (its rollout stopped: tolerate 1% of 10 is 0).
  for (int i = 1; i <= 10; ++i) {
    CHECK(r["per_server"][fmt::format("z03-s{:03}", i)]["registered"] == true);
  }
  std::string out = d.Output();
  CHECK(out.find("drain of z03-s002 stalled") != std::string::npos);
  CHECK(out.find("z03-s002 put back in service") != std::string::npos);
}

TEST_CASE("real plan, a restart that comes up broken once: the group restarts again") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("broken_restarts", "z01-s003:1").empty());
  Deploy d(f, RealPlanFleet());
  d.UseRealPlanDefaults();
  REQUIRE(d.Run("camera_server_deploy") == 0);
  json r = d.Report();
  CHECK(r["per_server"]["z01-s003"]["restarts"] == 2);  // the simulator's restart count
  CHECK(r["per_server"]["z01-s003"]["version"] == "2.0");
  CHECK(r["per_server"]["z01-s003"]["broken"] == false);
  CHECK(r["versions"]["2.0"] == 30);
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(r["below_floor"] == false);  // never below 90%
}

}  // namespace
