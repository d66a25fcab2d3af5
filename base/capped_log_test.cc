#include "base/capped_log.h"

#include <catch2/catch.hpp>

namespace dandori {

TEST_CASE("CappedLog keeps the streams apart, in name order", "[base][log]") {
  CappedLog log;
  log.Append("stdout", "hello, ");
  log.Append("stderr", "warning\n");
  log.Append("stdout", "world!\n");
  auto out = log.Take();
  REQUIRE(out.size() == 2);
  CHECK(out[0].stream == "stderr");
  CHECK(out[0].text == "warning\n");
  CHECK(out[1].stream == "stdout");
  CHECK(out[1].text == "hello, world!\n");
  CHECK_FALSE(out[1].truncated);
  CHECK(log.Take().empty());
}

TEST_CASE("CappedLog keeps the end of a long stream and says it dropped the rest", "[base][log]") {
  CappedLog log(100);
  for (int i = 0; i < 1000; ++i) log.Append("stdout", std::to_string(i) + "\n");
  auto out = log.Take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].truncated);
  CHECK(out[0].text.size() <= 100);
  CHECK(out[0].text.size() >= 50);
  CHECK(out[0].text.substr(out[0].text.size() - 4) == "999\n");

  log.Append("x", std::string(250, 'a') + "end");
  out = log.Take();
  CHECK(out[0].truncated);
  CHECK(out[0].text.size() == 100);
  CHECK(out[0].text.substr(97) == "end");
}

}  // namespace dandori
