// ProgressView's text: rounded ETAs, waiting gates with the command that passes them,
// and totals that come from the plan.
#include "engine/progress.h"

#include <catch2/catch.hpp>

#include "base/value.h"

namespace dandori::engine {

TEST_CASE("RoughDuration rounds to two units") {
  CHECK(RoughDuration(84) == "~1s");
  CHECK(RoughDuration(16'602) == "~17s");
  CHECK(RoughDuration(130'400) == "~2m10s");
  CHECK(RoughDuration(3'599'000) == "~1h00m");
  CHECK(RoughDuration(11'100'000) == "~3h05m");
}

TEST_CASE("progress lines show waiting gates and no ETA while a gate waits") {
  ProgressSnapshot snap;
  snap.stages = {{1, "canary", 3, 3, 0, 0}, {2, "rest", 229, 0, 0, 0}};
  snap.gates = {{"canary_ok", "canary_ok", "canary healthy?"}};
  snap.elapsed_ms = 20'000;
  auto lines = ProgressView::Lines(snap, "dandori approve 3");
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "elapsed 20.0s  tasks 3/232  failed 0  ETA after approval");
  CHECK(lines[3] ==
        "  waiting for approval: canary_ok (canary healthy?) — dandori approve 3 canary_ok");
  snap.gates.clear();
  snap.stages[1].done = 29;
  lines = ProgressView::Lines(snap, "dandori approve 3");
  // 200 left at 1.6 tasks/s is 125 s, shown to the nearest 10 s.
  CHECK(lines[0] == "elapsed 20.0s  tasks 32/232  failed 0  ETA ~2m10s");
  snap.stages[1].done = 229;
  CHECK(ProgressView::Lines(snap, "")[0] == "elapsed 20.0s  tasks 232/232  failed 0  ETA -");
}

TEST_CASE("progress lines show a line per zone of a fan-out, one line for many") {
  ProgressSnapshot snap;
  snap.stages = {{1, "drain", 30, 12, 2, 1}};
  snap.elapsed_ms = 5'000;
  BranchProgress z1{"zone", "z01", 10, 0, 0, true, false};
  BranchProgress z2{"zone", "z02", 2, 2, 1, false, false};
  BranchProgress z3{"zone", "z03", 0, 0, 0, false, false};
  snap.branches = {z1, z2, z3};
  auto lines = ProgressView::Lines(snap, "");
  REQUIRE(lines.size() == 5);
  CHECK(lines[2] == "  zone=z01       10 done      0 running      0 failed  done");
  CHECK(lines[3] == "  zone=z02        2 done      2 running      1 failed  running");
  CHECK(lines[4] == "  zone=z03        0 done      0 running      0 failed  waiting");

  snap.branches.clear();
  for (int i = 1; i <= 15; ++i) {
    BranchProgress b{"zone", "z" + std::to_string(i), 0, 0, 0, false, false};
    if (i <= 10) b = {"zone", b.item, 5, 0, 0, true, false};
    if (i == 11) b = {"zone", b.item, 3, 1, 1, true, true};
    if (i == 12 || i == 13) b = {"zone", b.item, 61, 2, 0, false, false};
    snap.branches.push_back(b);
  }
  lines = ProgressView::Lines(snap, "");
  REQUIRE(lines.size() == 3);
  CHECK(lines[2] ==
        "  zone: 10 done, 2 running (z12 61 done, z13 61 done), 1 failed (z11), 2 waiting");
}

}  // namespace dandori::engine
