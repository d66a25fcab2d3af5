// Runs `dandori run` on a workflow of workflows/ for the media workflow tests: the
// store (dir/state.db) and the scratch folders (dir/scratch/state) go under `dir`.
#pragma once

#include <string>
#include <vector>

namespace dandori::media::testing {

struct DandoriRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

DandoriRun RunWorkflow(const std::string& dir, const std::string& workflow,
                       const std::vector<std::string>& params);

std::string ReadFile(const std::string& path);

}  // namespace dandori::media::testing
