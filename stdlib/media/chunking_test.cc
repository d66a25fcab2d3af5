#include "stdlib/media/chunking.h"
#include "stdlib/media/scenes.h"

#include <catch2/catch.hpp>

#include "stdlib/media/ffmpeg.h"
#include "stdlib/media/intermediate.h"

using namespace dandori::media;

namespace {

void CheckCover(const std::vector<FrameRange>& r, int64_t total, int64_t grid) {
  REQUIRE(!r.empty());
  CHECK(r.front().start == 0);
  CHECK(r.back().end == total);
  for (size_t i = 0; i < r.size(); ++i) {
    CHECK(r[i].frames() > 0);
    if (i + 1 < r.size()) {
      CHECK(r[i].end == r[i + 1].start);
      CHECK(r[i].end % grid == 0);
    }
  }
}

}  // namespace

TEST_CASE("chunks cover every frame once, on the GOP grid, balanced") {
  auto r = PlanChunks(1000, 250, 50);
  CheckCover(r, 1000, 50);
  CHECK(r.size() == 4);
  for (auto& c : r) CHECK(c.frames() == 250);

  // 30000/1001 over 61 s with 10 s chunks and a 2 s (60 frame) grid.
  r = PlanChunks(1828, 300, 60);
  CheckCover(r, 1828, 60);
  CHECK(r.size() == 6);
  int64_t lo = 1 << 30, hi = 0;
  for (auto& c : r) {
    lo = std::min(lo, c.frames());
    hi = std::max(hi, c.frames());
  }
  CHECK(hi - lo <= 60 + 28);  // at most one grid cell apart (plus the partial tail)
}

TEST_CASE("short sources, tiny targets and huge grids degrade gracefully") {
  CheckCover(PlanChunks(10, 250, 50), 10, 50);
  CHECK(PlanChunks(10, 250, 50).size() == 1);
  CHECK(PlanChunks(0, 25, 25).empty());
  auto r = PlanChunks(100, 1, 25);  // cannot go below the grid
  CheckCover(r, 100, 25);
  CHECK(r.size() == 4);
  CheckCover(PlanChunks(101, 25, 1), 101, 1);
}

TEST_CASE("frame arithmetic is exact") {
  CHECK(DurationFrames(2000, 30000, 1001) == 60);
  CHECK(DurationFrames(2000, 24000, 1001) == 48);
  CHECK(DurationFrames(10000, 25, 1) == 250);
  CHECK(FrameSeconds(60, 30000, 1001) == "2.002000");
  CHECK(FrameSeconds(1, 24000, 1001) == "0.041708");
  CHECK(FrameSeconds(250, 25, 1) == "10.000000");
  auto f = ParseFps("30000/1001");
  REQUIRE(f.ok());
  CHECK(f->first == 30000);
  CHECK(f->second == 1001);
  CHECK(!ParseFps("x/0").ok());
}

TEST_CASE("wasted decoding counts the frames before each chunk start back to a keyframe") {
  auto plan = PlanChunks(100, 25, 25);  // starts 0, 25, 50, 75
  CHECK(WastedDecodeFrames(plan, {0}) == 25 + 50 + 75);
  CHECK(WastedDecodeFrames(plan, {0, 25, 50, 75}) == 0);
  CHECK(WastedDecodeFrames(plan, {0, 40}) == 25 + 10 + 35);
  CHECK(WastedDecodeFrames(plan, {}) == 150);
}

TEST_CASE("scene cuts move chunk boundaries within half a target", "[media]") {
  // 300 frames, target 100, grid 25: boundaries 100 and 200.
  const auto plan = PlanChunks(300, 100, 25);
  REQUIRE(plan.size() == 3);
  // Cuts at 80 (20 from 100) and 160 (40 from 200) and 240 (40 from 200): 80 and the
  // nearer of the two for 200 (both 40 away: the first found, 160).
  auto snapped = SnapToScenes(plan, {80, 160, 240}, 100);
  REQUIRE(snapped.size() == 3);
  CHECK(snapped[0].start == 0);
  CHECK(snapped[0].end == 80);
  CHECK(snapped[1].end == 160);
  CHECK(snapped[2].end == 300);
  // Too far (more than 50 away) or too close to the start: the grid boundary stays.
  snapped = SnapToScenes(plan, {10, 40, 255, 290}, 100);
  REQUIRE(snapped.size() == 3);
  CHECK(snapped[0].end == 100);
  CHECK(snapped[1].end == 200);
  // Contiguous, covering [0, 300) whatever the cuts.
  for (const auto& cuts : std::vector<std::vector<int64_t>>{{}, {1}, {299}, {60, 61, 62, 250}}) {
    snapped = SnapToScenes(plan, cuts, 100);
    int64_t prev = 0;
    for (const auto& r : snapped) {
      CHECK(r.start == prev);
      CHECK(r.frames() >= 25);
      prev = r.end;
    }
    CHECK(prev == 300);
  }
}

TEST_CASE("filter graph values are escaped at both levels", "[media]") {
  CHECK(FilterGraphValue("/tmp/a/scenes.txt") == "/tmp/a/scenes.txt");
  CHECK(FilterGraphValue("/a:b") == "/a\\\\:b");
  CHECK(FilterGraphValue("/a,b") == "/a\\,b");
}
