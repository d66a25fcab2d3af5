#include "base/literal.h"

#include <catch2/catch.hpp>

namespace dandori {

TEST_CASE("duration literals") {
  CHECK(ParseDurationLiteral("10s").value() == 10000);
  CHECK(ParseDurationLiteral("1h30m").value() == 5400000);
  CHECK(ParseDurationLiteral("250ms").value() == 250);
  CHECK(ParseDurationLiteral("2m3s").value() == 123000);
  CHECK_FALSE(ParseDurationLiteral("3s2m").ok());  // units largest first
  CHECK_FALSE(ParseDurationLiteral("10").ok());
  CHECK_FALSE(ParseDurationLiteral("99999999999999999d").ok());
}

TEST_CASE("size and percent literals") {
  CHECK(ParseSizeLiteral("128k").value() == 128000);
  CHECK(ParseSizeLiteral("50GB").value() == (50LL << 30));
  CHECK(ParseSizeLiteral("12").value() == 12);
  CHECK_FALSE(ParseSizeLiteral("12q").ok());
  CHECK(ParsePercentLiteral("5%").value() == 5.0);
  CHECK(ParsePercentLiteral("0.5%").value() == 0.5);
  CHECK_FALSE(ParsePercentLiteral("5").ok());
}

}  // namespace dandori
