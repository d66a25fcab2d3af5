#include "tests/media/dandori_run.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "base/subprocess.h"

namespace dandori::media::testing {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

DandoriRun RunWorkflow(const std::string& dir, const std::string& workflow,
                       const std::vector<std::string>& params) {
  SubprocessOptions o;
  o.argv = {Env("DANDORI_BINARY_DIR") + "/cli/dandori", "run",
            Env("DANDORI_SOURCE_DIR") + "/workflows/" + workflow, "--store", dir + "/state.db"};
  for (const std::string& p : params) o.argv.insert(o.argv.end(), {"--param", p});
  o.cwd = dir;
  o.stdout_path = dir + "/run.out";
  o.stderr_path = dir + "/run.out";
  o.timeout_ms = 600000;
  auto r = RunSubprocess(o);
  REQUIRE(r.ok());
  return {r->term_signal ? 128 + r->term_signal : r->exit_code, ReadFile(o.stdout_path)};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace dandori::media::testing
