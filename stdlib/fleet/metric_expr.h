// The health-check expression language of fleet.health: a tiny language over the
// metrics a server exposes, e.g.
//
//   camera_server_up == 1 and cameras_connected > 0
//   camera_server_version{version="2.1"} == 1 && (errors_total < 5 || not degraded)
//
// Grammar (precedence low to high): or / ||, and / &&, not / !, comparisons
// (== != < <= > >=), + -, * /, unary -, then numbers, metric selectors
// NAME{label="value",...} and parentheses. A selector is the sum of the matching
// samples; a metric with no matching sample is missing, and any comparison involving a
// missing value is false. This is deliberately not the .flow compiler: health checks are
// strings evaluated at run time against scraped text.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "stdlib/fleet/metrics_text.h"

namespace dandori::fleet {

class MetricExpr {
 public:
  struct Node;

  // kPermanent "health expression 'TEXT': col N: message" on a syntax error.
  static Result<MetricExpr> Parse(std::string_view text);

  // 1/0 for comparisons and logic, a number otherwise; NaN when a metric is missing.
  double Eval(const std::vector<Sample>& samples) const;
  bool Holds(const std::vector<Sample>& samples) const;
  // "camera_server_up=0 cameras_connected=12" for the selectors in the expression.
  std::string Explain(const std::vector<Sample>& samples) const;

 private:
  std::shared_ptr<const Node> root_;
  std::vector<std::shared_ptr<const Node>> selectors_;
};

}  // namespace dandori::fleet
