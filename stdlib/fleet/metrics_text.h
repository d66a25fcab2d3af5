// Prometheus text exposition format (version 0.0.4), just enough for health checks:
// samples with a metric name, labels and a value. Comments, TYPE/HELP lines and
// timestamps are skipped; malformed lines are ignored rather than fatal (exporters vary).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dandori::fleet {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::vector<Sample> ParseMetricsText(std::string_view text);

}  // namespace dandori::fleet
