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

}  // namespace dandori::engine
