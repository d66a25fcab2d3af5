// Test helper: runs the built `dandori` binary (from DANDORI_BINARY_DIR) in a folder and
// returns its exit code and combined output. Header-only; for Catch2 tests only.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/subprocess.h"

namespace dandori::testing {

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder under the system temp dir, named NAME-PID, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

struct CliRun {
  int code = -1;
  std::string out;  // stdout then stderr
};

inline std::string DandoriBinary() {
  const char* bin = std::getenv("DANDORI_BINARY_DIR");
  return std::string(bin ? bin : "build") + "/cli/dandori";
}

inline CliRun RunDandori(const std::vector<std::string>& args, const std::filesystem::path& dir) {
  SubprocessOptions o;
  o.argv = {DandoriBinary()};
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.cwd = dir.string();
  std::filesystem::remove(dir / "stdout.txt");  // RunSubprocess appends
  std::filesystem::remove(dir / "stderr.txt");
  o.stdout_path = (dir / "stdout.txt").string();
  o.stderr_path = (dir / "stderr.txt").string();
  o.timeout_ms = 60000;
  auto r = RunSubprocess(o);
  REQUIRE(r.ok());
  return CliRun{r->exit_code, ReadFile(dir / "stdout.txt") + ReadFile(dir / "stderr.txt")};
}

}  // namespace dandori::testing
