// End-to-end fleet deploys: the real camfleet simulator (in this process, over loopback
// HTTP) and the real `dandori run` (a child process) running the plans in this folder.
#include "tests/fleet/deploy_harness.h"

namespace {

using namespace fleet_test;

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

TEST_CASE("a stuck drain never hangs its zone: parked, put back, the zone goes on") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("stuck", "z02-s002:5").empty());
  Deploy d(f);
  auto start = std::chrono::steady_clock::now();
  // tolerate 1 per zone lets the zone go on; the zone's sweep then fails the job, naming
  // the server it did not upgrade.
  CHECK(d.Run("deploy_fast") == 1);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(s < 60);
  json r = d.Report();
  auto& parked = r["per_server"]["z02-s002"];
  CHECK(parked["version"] == "1.0");  // never restarted with cameras
  CHECK(parked["restarts"] == 0);
  CHECK(parked["state"] == "serving");  // put back in service
  CHECK(parked["registered"] == true);
  CHECK(r["per_server"]["z02-s005"]["version"] == "2.0");  // its zone went on
  CHECK(r["versions"]["2.0"] == 14);
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(d.Output().find("1 of 5 servers not upgraded to 2.0") != std::string::npos);
  CHECK(d.Output().find("z02-s002 (in service on 1.0") != std::string::npos);
}

TEST_CASE("an unreachable server is retried, counted against tolerate, reported") {
  camfleet::Faults f;
  REQUIRE(f.AddFromFlag("unreachable", "z03-s001").empty());
  Deploy d(f);
  CHECK(d.Run("deploy_fast") == 1);  // the sweep reports it out of service
  json r = d.Report();
  CHECK(r["per_server"]["z03-s001"]["version"] == "1.0");
  CHECK(r["per_server"]["z03-s001"]["rejected"].get<int>() >= 3);  // 1 try + 2 retries
  CHECK(r["versions"]["2.0"] == 14);
  CHECK(d.Output().find("z03-s001 (OUT OF SERVICE: cannot be reached") != std::string::npos);
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
  // The group restarted again on each attempt (3), then the rescue tried the old version.
  CHECK(r["per_server"]["z01-s001"]["restarts"].get<int>() >= 3);
  CHECK(r["cameras_dropped"] == 0);
}

// A stuck drain fails its item (deploy_tolerant does not park); the zone's sweep puts the
// server back in service on its old version. A broken server (down on both versions)
// stays out of service, so its zone's sweep fails too: that is a second failure.
TEST_CASE("a workflow-level tolerate lets a deploy succeed with one failed server, reported") {
  camfleet::Faults f;
  SECTION("one stuck server: the job succeeds and names it") {
    REQUIRE(f.AddFromFlag("stuck", "z02-s003:5").empty());
    Deploy d(f);
    CHECK(d.Run("deploy_tolerant") == 0);
    json r = d.Report();
    CHECK(r["versions"]["2.0"] == 14);
    for (int z = 1; z <= 3; ++z) {  // its zone went on past it
      CHECK(r["per_server"][fmt::format("z{:02}-s005", z)]["version"] == "2.0");
    }
    auto& stuck = r["per_server"]["z02-s003"];
    CHECK(stuck["version"] == "1.0");
    CHECK(stuck["restarts"] == 0);
    CHECK(stuck["registered"] == true);  // the sweep put it back in service
    CHECK(r["cameras_dropped"] == 0);
    std::string out = d.Output();
    CHECK(out.find("succeeded with 1 failed task") != std::string::npos);
    CHECK(out.find("drain[zone=z02, server=z02-s003]") != std::string::npos);
  }
  SECTION("one broken server: out of service, its zone's sweep fails too, over the budget") {
    REQUIRE(f.AddFromFlag("broken", "z02-s003").empty());
    Deploy d(f);
    CHECK(d.Run("deploy_tolerant") == 1);
    CHECK(d.Report()["versions"]["2.0"] == 14);  // the server's failure itself was tolerated
    CHECK(d.Output().find("z02-s003 is OUT OF SERVICE") != std::string::npos);
  }
  SECTION("two stuck servers under --param broken=2 (a bound tolerate): both tolerated") {
    REQUIRE(f.AddFromFlag("stuck", "z01-s002:5,z03-s004:5").empty());
    Deploy d(f);
    d.params = {"broken=2"};
    CHECK(d.Run("deploy_tolerant") == 0);
    CHECK(d.Report()["versions"]["2.0"] == 13);
  }
  SECTION("two stuck servers under tolerate 1: the second fails the job") {
    REQUIRE(f.AddFromFlag("stuck", "z01-s002:5,z03-s004:5").empty());
    Deploy d(f);
    CHECK(d.Run("deploy_tolerant") == 1);
  }
}

// 2 zones of 10 for deploy_window_floor: its keep 80% serving allows 2 of 10 out at most.
camfleet::Config WindowFloorFleet() {
  camfleet::Config c = TestFleet();
  c.zones = 2;
  c.servers_per_zone = 10;
  c.floor_percent = 80;
  c.batch = 2;
  return c;
}

TEST_CASE(
    "a sliding window with a floor: a server whose register fails never takes the zone "
    "below it") {
  camfleet::Config c = WindowFloorFleet();
  camfleet::Faults f;
  // Its 3 register attempts (1 try + 2 retries) fail: the item fails (tolerate 1) and the
  // server stays out of the registry until the zone's sweep puts it back (the 4th
  // register goes through); meanwhile it counts against the floor.
  REQUIRE(f.AddFromFlag("register_fails", "z01-s002:3").empty());
  Deploy d(f, c);
  int rc = d.Run("deploy_window_floor");
  json r = d.Report();
  INFO(r["zone_detail"].dump());
  // The floor held: at most 2 of 10 out (80%) at any instant, the failed one included.
  CHECK(r["zone_detail"][0]["lowest_serving_percent"].get<double>() >= 80.0);
  CHECK(r["zone_detail"][1]["lowest_serving_percent"].get<double>() >= 80.0);
  CHECK(r["below_floor"] == false);
  // The window was used: 2 out at once in the zone without failures.
  CHECK(r["zone_detail"][1]["lowest_serving_percent"].get<double>() == Approx(80.0));
  // The sweep put it back in service (restarted on 1.0, registered: its 4th register).
  CHECK(r["per_server"]["z01-s002"]["version"] == "1.0");
  CHECK(r["per_server"]["z01-s002"]["registered"] == true);
  CHECK(r["per_server"]["z01-s002"]["registers"] == 1);
  for (int z = 1; z <= 2; ++z) {
    for (int s = 1; s <= 10; ++s) {
      if (z == 1 && s == 2) continue;
      CHECK(r["per_server"][fmt::format("z{:02}-s{:03}", z, s)]["version"] == "2.0");
    }
  }
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(rc == 1);  // the zone's sweep names the server not upgraded
  CHECK(d.Output().find("z01-s002 (was serving and deregistered") != std::string::npos);
}

TEST_CASE(
    "a deregister delivered late, after its retry and the server's register succeeded, "
    "changes nothing: the floor holds") {
  camfleet::Config c = WindowFloorFleet();
  camfleet::Faults f;
  // The first DELETE of z01-s001 is held past its attempt's 2 s timeout; the retry
  // deregisters it, the server is drained, restarted and registered, and only then does
  // the first DELETE arrive. Applied, it would take a finished server out of service
  // behind the engine's back (the zone at 70% once the window has 2 others out).
  REQUIRE(f.AddFromFlag("late_deregister", "z01-s001").empty());
  Deploy d(f, c);
  int rc = d.Run("deploy_window_floor");
  json r = d.Report();
  INFO(r["zone_detail"].dump());
  INFO(r["per_server"]["z01-s001"].dump());
  CHECK(r["zone_detail"][0]["lowest_serving_percent"].get<double>() >= 80.0);
  CHECK(r["zone_detail"][1]["lowest_serving_percent"].get<double>() >= 80.0);
  CHECK(r["below_floor"] == false);
  CHECK(r["per_server"]["z01-s001"]["deregisters"] == 1);  // the late one was refused (412)
  CHECK(r["per_server"]["z01-s001"]["stale"] == 1);
  CHECK(r["per_server"]["z01-s001"]["registered"] == true);
  CHECK(r["versions"]["2.0"] == 20);
  CHECK(r["cameras_dropped"] == 0);
  CHECK(r["unsafe_actions"] == 0);
  CHECK(rc == 0);
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
