#include "stdlib/media/timing.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "stdlib/media/audio.h"

using namespace dandori::media;

namespace {

// Frame times in ms (a Matroska 1/1000 time base), rounded as a muxer would.
std::vector<int64_t> Millis(int frames, double fps, double offset_s = 0) {
  std::vector<int64_t> pts;
  for (int i = 0; i < frames; ++i) pts.push_back(std::llround((offset_s + i / fps) * 1000));
  return pts;
}

}  // namespace

TEST_CASE("a constant rate rounded to the time base is not variable") {
  Timing t = AnalyzeTiming(Millis(300, 30000.0 / 1001), 0, 1, 1000, 30000, 1001);
  CHECK_FALSE(t.vfr);
  CHECK(t.end_pts == 10011);  // the last frame at 9977 ms + the last interval (34 ms)
  // 1/600 (a phone's CFR track): 20.02 ticks a frame, stored as 20 or 21.
  std::vector<int64_t> p600;
  for (int i = 0; i < 300; ++i) p600.push_back(std::llround(i * 600 * 1001 / 30000.0));
  CHECK_FALSE(AnalyzeTiming(p600, 20, 1, 600, 30000, 1001).vfr);
}

TEST_CASE("jitter, a rate change or a wrong declared rate is variable") {
  std::vector<int64_t> jitter;
  for (int i = 0; i < 90; ++i)
    jitter.push_back(std::llround((i / 30.0 + 0.004 * std::sin(i)) * 90000));
  jitter[0] = 0;
  CHECK(AnalyzeTiming(jitter, 0, 1, 90000, 30, 1).vfr);
  std::vector<int64_t> cat = Millis(60, 30);
  for (int64_t p : Millis(30, 15, 2.0)) cat.push_back(p);
  CHECK(AnalyzeTiming(cat, 0, 1, 1000, 30, 1).end_pts == 3999);  // + the last interval, 66 ms
  Timing t = AnalyzeTiming(cat, 67, 1, 1000, 30, 1);             // + its packet duration
  CHECK(t.vfr);
  CHECK(t.end_pts == 4000);
  CHECK(t.avg_num == 45);  // 90 frames / 4 s = 45/2 fps
  CHECK(t.avg_den == 2);
  CHECK(AnalyzeTiming(Millis(300, 25), 40, 1, 1000, 24, 1).vfr);  // declared 24, really 25
}

TEST_CASE("conforming counts the duplicated and dropped frames") {
  // 2 s at 30 fps then 2 s at 15 fps, conformed to 30: every 15 fps frame shown twice.
  std::vector<int64_t> cat = Millis(60, 30);
  for (int64_t p : Millis(30, 15, 2.0)) cat.push_back(p);
  ConformCounts c = CountConform(cat, 4000, 1, 1000, 30, 1);
  CHECK(c.frames_out == 120);
  CHECK(c.duplicated == 30);
  CHECK(c.dropped == 0);
  // The same to 15 fps: every other 30 fps frame dropped.
  c = CountConform(cat, 4000, 1, 1000, 15, 1);
  CHECK(c.frames_out == 60);
  CHECK(c.dropped == 30);
  CHECK(c.duplicated == 0);
  // Frames out = frames in - dropped + duplicated, always.
  c = CountConform(cat, 4000, 1, 1000, 24000, 1001);
  CHECK(c.frames_out == 96);
  CHECK(c.frames_out == 90 - c.dropped + c.duplicated);
}

TEST_CASE("microsecond times and language tags") {
  CHECK(TicksToMicros(1, 1, 90000) == 11);
  CHECK(TicksToMicros(3, 1, 90000) == 33);
  CHECK(TicksToMicros(60, 1001, 30000) == 2002000);
  CHECK(MicrosText(2002000) == "2.002000");
  CHECK(MicrosText(-500) == "-0.000500");
  CHECK(Bcp47("eng") == "en");
  CHECK(Bcp47("fre") == "fr");
  CHECK(Bcp47("fra") == "fr");
  CHECK(Bcp47("xyz") == "xyz");
  CHECK(LanguageName("jpn") == "Japanese");
  CHECK(LanguageName("") == "");
}
