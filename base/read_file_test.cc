// ReadUserFile on the inputs that used to hang or exhaust memory: devices, FIFOs,
// symlinks to devices, directories, and files over the cap.
#include "base/read_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

namespace dandori {
namespace {
namespace fs = std::filesystem;

fs::path TempDir() {
  fs::path d = fs::temp_directory_path() / ("read_file_test." + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

TEST_CASE("ReadUserFile reads a regular file") {
  fs::path d = TempDir();
  std::ofstream(d / "a.flow") << "workflow w() {}\n";
  auto r = ReadUserFile((d / "a.flow").string());
  REQUIRE(r.ok());
  CHECK(*r == "workflow w() {}\n");
  fs::remove_all(d);
}

TEST_CASE("ReadUserFile refuses what is not a regular file, without blocking") {
  fs::path d = TempDir();
  std::string fifo = (d / "pipe").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  fs::create_symlink("/dev/zero", d / "zero");
  auto start = std::chrono::steady_clock::now();
  struct Case {
    std::string path, kind;
  };
  for (const Case& c :
       {Case{"/dev/zero", "a character device"}, Case{fifo, "a FIFO"},
        Case{(d / "zero").string(), "a character device"}, Case{d.string(), "a directory"}}) {
    auto r = ReadUserFile(c.path);
    INFO(c.path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message() == c.path + ": is " + c.kind + "; only regular files are read");
  }
  // Loose bound: the point is that nothing waited on the FIFO or read /dev/zero.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  fs::remove_all(d);
}

TEST_CASE("ReadUserFile names a missing file and enforces the cap") {
  auto missing = ReadUserFile("/no/such/file.flow");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message() == "/no/such/file.flow: no such file");

  fs::path d = TempDir();
  std::ofstream(d / "big") << std::string(100, 'x');
  auto big = ReadUserFile((d / "big").string(), 99);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message() ==
        (d / "big").string() + ": file is 100 bytes; the limit is 99 bytes");
  CHECK(ReadUserFile((d / "big").string(), 100).ok());
  fs::remove_all(d);
}

}  // namespace
}  // namespace dandori
