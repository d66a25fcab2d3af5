// Compiled tables are checked (proto/table_file.h): 40 single-byte corruptions of a real
// .flowc (header, checksum and body bytes) are each refused by `dandori run` with exit 2
// and one message naming the file, never a raw "[libprotobuf ...]" line; a headerless
// table of an older dandori (format 2) gets the "recompile" message; headerless format 3,
// which no dandori wrote, does not.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "tests/cli/cli_runner.h"

namespace {

namespace fs = std::filesystem;

using dandori::testing::CliRun;
using dandori::testing::ReadFile;
using dandori::testing::RunDandori;
using dandori::testing::TempDir;

void WriteBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

int Lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST_CASE("every single-byte corruption of a .flowc is refused with one message") {
  TempDir dir("dandori-cli-flowc");
  fs::path flow = fs::absolute("workflows/camera_server_deploy.flow");
  REQUIRE(RunDandori({"compile", flow.string(), "-o", "t.flowc"}, dir.path).code == 0);
  const std::string good = ReadFile(dir.path / "t.flowc");
  REQUIRE(good.size() > 1000);
  REQUIRE(good.starts_with("dandori-table "));

  // Intact, the table loads: run stops only at the missing parameters.
  CliRun ok = RunDandori({"run", "t.flowc"}, dir.path);
  INFO(ok.out);
  CHECK(ok.code == 2);
  CHECK(ok.out.find("missing required parameter") != std::string::npos);

  // 40 positions: the header (magic, version, checksum, newline) and the body spread
  // evenly; the bytes are flipped by a changing mask, some replaced outright.
  size_t eol = good.find('\n');
  std::set<size_t> positions = {0, 7, 13, 14, 15, 23, 24, 50, eol - 1, eol, eol + 1, eol + 2};
  for (size_t k = 0; positions.size() < 40; ++k) {
    positions.insert(eol + 3 + k * (good.size() - eol - 4) / 28);
  }
  int refused = 0;
  for (size_t at : positions) {
    REQUIRE(at < good.size());
    std::string bad = good;
    unsigned char mask = static_cast<unsigned char>(1u << (at % 8));
    bad[at] = at % 5 == 0 ? static_cast<char>(bad[at] == 'x' ? 'y' : 'x')
                          : static_cast<char>(static_cast<unsigned char>(bad[at]) ^ mask);
    REQUIRE(bad != good);
    WriteBytes(dir.path / "bad.flowc", bad);
    CliRun r = RunDandori({"run", "bad.flowc", "--store", "s.db"}, dir.path);
    INFO("byte " << at << " of " << good.size() << ": " << r.out);
    CHECK(r.code == 2);
    CHECK(Lines(r.out) == 1);
    CHECK(r.out.find("libprotobuf") == std::string::npos);
    CHECK(r.out.starts_with("dandori run: bad.flowc: "));
    CHECK(r.out.find("missing required parameter") == std::string::npos);
    refused += r.code == 2 && Lines(r.out) == 1;
  }
  CHECK(refused == 40);
  CHECK(!fs::exists(dir.path / "s.db"));

  // A table from before the header: the bare Table bytes of a format-2 table (a plan
  // without a rolling window compiles to format 2, the last format written headerless).
  fs::path hello = fs::absolute("examples/hello.flow");
  REQUIRE(RunDandori({"compile", hello.string(), "-o", "h.flowc"}, dir.path).code == 0);
  const std::string h = ReadFile(dir.path / "h.flowc");
  REQUIRE(h.starts_with("dandori-table 2 "));
  WriteBytes(dir.path / "old.flowc", h.substr(h.find('\n') + 1));
  CliRun old = RunDandori({"run", "old.flowc"}, dir.path);
  INFO(old.out);
  CHECK(old.code == 2);
  CHECK(old.out ==
        "dandori run: old.flowc: a table written by an older dandori (format 2, without a "
        "checksum); recompile the .flow file (dandori compile)\n");
  // The real plan is format 4 (its policies from parameters): no dandori wrote format 3
  // or 4 headerless, so its bare bytes are not called an older table.
  REQUIRE(good.starts_with("dandori-table 4 "));
  WriteBytes(dir.path / "bare3.flowc", good.substr(eol + 1));
  CliRun bare3 = RunDandori({"run", "bare3.flowc"}, dir.path);
  CHECK(bare3.code == 2);
  CHECK(bare3.out ==
        "dandori run: bare3.flowc: not a compiled table (.flowc): it does not start with "
        "'dandori-table'\n");

  // Truncated and extended files, and a .flow renamed .flowc.
  WriteBytes(dir.path / "short.flowc", good.substr(0, good.size() - 1));
  CHECK(RunDandori({"run", "short.flowc"}, dir.path).out.find("checksum does not match") !=
        std::string::npos);
  WriteBytes(dir.path / "long.flowc", good + "x");
  CHECK(RunDandori({"run", "long.flowc"}, dir.path).out.find("checksum does not match") !=
        std::string::npos);
  WriteBytes(dir.path / "src.flowc", ReadFile(flow));
  CliRun src = RunDandori({"run", "src.flowc"}, dir.path);
  CHECK(src.code == 2);
  CHECK(src.out.find("not a compiled table (.flowc)") != std::string::npos);
}

}  // namespace
