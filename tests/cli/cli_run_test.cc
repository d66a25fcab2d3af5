// `dandori run` end to end on SQLite stores: a failed task's message names its place in
// the .flow source (events, status and the final line), and two stores used from one
// folder keep their scratch folders apart (job 1 of each).
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/subprocess.h"
#include "tests/cli/cli_runner.h"

namespace {

namespace fs = std::filesystem;

using dandori::testing::CliRun;

CliRun Dandori(const std::vector<std::string>& args, const fs::path& dir) {
  return dandori::testing::RunDandori(args, dir);
}

using dandori::testing::TempDir;

}  // namespace

TEST_CASE("a failed task names its stage's place in the .flow source") {
  TempDir dir("dandori-clirun-loc");
  std::ofstream(dir.path / "broken.flow")
      << "workflow broken() {\n"
         "  stage first = noop(value: 1)\n"
         "  stage probe = fail(message: \"no such file: in.mp4\")"
         " after first\n"
         "}\n";
  // The compiler locates a stage at its name.
  const std::string want = "broken.flow:3:9: stage probe (fail): permanent: no such file: in.mp4";
  CliRun run = Dandori({"run", "broken.flow"}, dir.path);
  INFO(run.out);
  CHECK(run.code == 1);
  CHECK(run.out.find("job 1 failed: " + want + "\n") != std::string::npos);
  CliRun status = Dandori({"status", "1"}, dir.path);
  INFO(status.out);
  CHECK(status.out.find("error: " + want + "\n") != std::string::npos);
  CHECK(status.out.find("failed probe (attempt 1): " + want + "\n") != std::string::npos);
  CliRun events = Dandori({"events", "1"}, dir.path);
  INFO(events.out);
  CHECK(events.out.find("task.failed") != std::string::npos);
  CHECK(events.out.find(want) != std::string::npos);
}

TEST_CASE("two stores in one folder keep their scratch folders apart") {
  TempDir dir("dandori-clirun-scratch");
  // exec writes its output under the attempt's scratch folder, so it makes one.
  std::ofstream(dir.path / "say.flow") << "workflow say() {\n  stage a = exec([\"true\"])\n}\n";
  REQUIRE(Dandori({"run", "say.flow", "--store", "a.db"}, dir.path).code == 0);
  REQUIRE(Dandori({"run", "say.flow", "--store", "b.db"}, dir.path).code == 0);
  REQUIRE(Dandori({"run", "say.flow"}, dir.path).code == 0);
  CHECK(fs::is_directory(dir.path / "scratch/a/1/s0/1"));
  CHECK(fs::is_directory(dir.path / "scratch/b/1/s0/1"));
  CHECK(fs::is_directory(dir.path / ".dandori/scratch/state/1/s0/1"));
  CHECK(!fs::exists(dir.path / ".dandori/scratch/1"));
}

TEST_CASE("an attempt that never writes a file makes no scratch folder") {
  TempDir dir("dandori-clirun-lazy");
  std::ofstream(dir.path / "nap.flow") << "workflow nap() {\n  stage a = sleep(duration: 1ms)\n}\n";
  REQUIRE(Dandori({"run", "nap.flow"}, dir.path).code == 0);
  CHECK(!fs::exists(dir.path / ".dandori/scratch/state/1/s0"));
}
