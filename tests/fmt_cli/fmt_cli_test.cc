// `dandori fmt` end to end: --check reports without writing, a rewrite is canonical,
// files with syntax errors are left untouched, and the exit codes are 0 / 1 / 2.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/subprocess.h"

namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

struct Run {
  int code = -1;
  std::string out;
};

Run Fmt(std::vector<std::string> args, const fs::path& dir) {
  const char* bin = std::getenv("DANDORI_BINARY_DIR");
  dandori::SubprocessOptions o;
  o.argv = {std::string(bin ? bin : "build") + "/cli/dandori", "fmt"};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.cwd = dir.string();
  o.stdout_path = (dir / "stdout.txt").string();
  o.stderr_path = (dir / "stderr.txt").string();
  o.timeout_ms = 30000;
  auto r = dandori::RunSubprocess(o);
  REQUIRE(r.ok());
  return Run{r->exit_code, Read(dir / "stdout.txt") + Read(dir / "stderr.txt")};
}

TEST_CASE("dandori fmt checks, rewrites and refuses broken files") {
  fs::path dir = fs::temp_directory_path() / ("dandori-fmt-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "flows/sub");
  const std::string messy = "workflow w(){stage a=noop( 1 )   // why\n}\n";
  const std::string clean = "workflow w() {\n  stage a = noop(1)  // why\n}\n";
  Write(dir / "flows/sub/messy.flow", messy);
  Write(dir / "flows/clean.flow", clean);

  Run check = Fmt({"--check", "flows"}, dir);
  CHECK(check.code == 1);
  CHECK(check.out == "flows/sub/messy.flow\n");
  CHECK(Read(dir / "flows/sub/messy.flow") == messy);  // --check writes nothing

  Run rewrite = Fmt({"flows"}, dir);
  CHECK(rewrite.code == 0);
  CHECK(Read(dir / "flows/sub/messy.flow") == clean);
  CHECK(Fmt({"--check", "flows"}, dir).code == 0);

  const std::string broken = "workflow w() {\n  stage a = noop(\n}\n";
  Write(dir / "flows/broken.flow", broken);
  Run bad = Fmt({"flows", "flows/clean.flow"}, dir);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("flows/broken.flow:2:18: error[E001]") != std::string::npos);
  CHECK(Read(dir / "flows/broken.flow") == broken);
  CHECK(Fmt({"missing.flow"}, dir).code == 2);
  fs::remove_all(dir);
}

}  // namespace
