#include "stdlib/fleet/metric_expr.h"

#include <catch2/catch.hpp>

namespace dandori::fleet {
namespace {

const char* kText = R"(# HELP camera_server_up up
# TYPE camera_server_up gauge
camera_server_up{server="a",zone="z"} 1
cameras_connected{server="a"} 12
camera_server_version{server="a",version="2.0"} 1
errors_total 3 1700000000
weird{path="a\"b"} 7
garbage line here
)";

bool Holds(const char* expr) {
  auto e = MetricExpr::Parse(expr);
  REQUIRE(e.ok());
  return e->Holds(ParseMetricsText(kText));
}

TEST_CASE("metrics text parses names, labels, values") {
  auto s = ParseMetricsText(kText);
  REQUIRE(s.size() == 5);
  CHECK(s[0].name == "camera_server_up");
  CHECK(s[0].labels.at("zone") == "z");
  CHECK(s[3].value == 3);
  CHECK(s[4].labels.at("path") == "a\"b");
}

TEST_CASE("health expressions evaluate over metrics") {
  CHECK(Holds("camera_server_up == 1 and cameras_connected > 0"));
  CHECK_FALSE(Holds("camera_server_up == 1 and cameras_connected > 12"));
  CHECK(Holds("camera_server_up == 0 || cameras_connected >= 12"));
  CHECK(Holds("camera_server_version{version=\"2.0\"} == 1"));
  CHECK_FALSE(Holds("camera_server_version{version=\"1.0\"} == 1"));  // no such series
  CHECK(Holds("not (errors_total > 5)"));
  CHECK(Holds("!missing_metric"));
  CHECK_FALSE(Holds("missing_metric == 0"));  // missing is never equal to anything
  CHECK_FALSE(Holds("missing_metric != 0"));
  CHECK(Holds("cameras_connected / 4 - 1 == 2"));
  CHECK(Holds("-errors_total < 0 && (1 + 2) * 2 == 6"));
  CHECK(Holds("order_count == 0 or 1"));  // "or" inside a name is a name
}

TEST_CASE("bad health expressions are permanent errors with a column") {
  for (const char* bad :
       {"", "up ==", "(up == 1", "up == 1 )", "up{x=1} == 1", "up = 1", "1 +* 2"}) {
    auto e = MetricExpr::Parse(bad);
    INFO(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().code() == Code::kPermanent);
    CHECK(e.status().message().find("col ") != std::string::npos);
  }
  std::string deep(200, '(');
  CHECK_FALSE(MetricExpr::Parse(deep + "1").ok());
  auto e = MetricExpr::Parse("up == 1 and cameras_connected > 0");
  REQUIRE(e.ok());
  CHECK(e->Explain(ParseMetricsText("up 0\n")) == "up=0 cameras_connected=missing");
}

}  // namespace
}  // namespace dandori::fleet
