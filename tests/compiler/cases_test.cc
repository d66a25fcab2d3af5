// Negative and positive check cases compared verbatim with their .err files, the
// repository's own workflows checking clean, and fuzzer regressions never crashing.
#include <catch2/catch.hpp>

#include "compiler/codes.h"
#include "compiler/compile.h"
#include "compiler/report.h"
#include "tests/compiler/test_util.h"

namespace dandori::compiler {
namespace {

using testing::ListFiles;

std::string CheckText(const std::string& path) {
  SourceManager sm;
  Diagnostics diags;
  Status st = CheckPaths({path}, sm, diags);
  if (!st.ok()) return "unreadable: " + st.message() + "\n";
  return RenderReport(diags, sm, ReportFormat::kText);
}

TEST_CASE("check cases match their .err files verbatim") {
  auto files = ListFiles("tests/compiler/cases", ".flow");
  REQUIRE(files.size() >= 40);
  int regenerated = 0;
  for (const std::string& flow : files) {
    std::string err = flow.substr(0, flow.size() - 5) + ".err";
    std::string actual = CheckText(flow);
    if (testing::Regenerate()) {
      testing::WriteText(err, actual);
      ++regenerated;
      continue;
    }
    INFO("case " << flow << " (regenerate with DANDORI_REGEN=1 and review the diff)");
    REQUIRE(std::filesystem::exists(err));
    CHECK(actual == testing::ReadText(err));
  }
  if (regenerated) WARN("regenerated " << regenerated << " .err files");
}

TEST_CASE("every error and warning code has a case") {
  std::string all;
  for (const std::string& err : ListFiles("tests/compiler/cases", ".err")) {
    all += testing::ReadText(err);
  }
  // From the catalogue (compiler/codes.cc), so a new code cannot go untested. E900 is a
  // compiler bug (an unsound table), which no source can produce.
  for (const CodeInfo& info : AllCodes()) {
    std::string code = info.code;
    if (code == "E900") continue;
    INFO(code);
    CHECK(all.find("[" + code + "]") != std::string::npos);
  }
}

TEST_CASE("every workflow and example checks clean") {
  std::vector<std::string> files = ListFiles("workflows", ".flow", true);
  auto examples = ListFiles("examples", ".flow", true);
  files.insert(files.end(), examples.begin(), examples.end());
  REQUIRE(!files.empty());
  for (const std::string& f : files) {
    INFO(f);
    CHECK(CheckText(f) == "0 errors, 0 warnings\n");
  }
}

TEST_CASE("the workflows compile to verified tables") {
  for (const std::string& f : ListFiles("workflows", ".flow")) {
    SourceManager sm;
    Diagnostics diags;
    auto r = CompileFile(f, sm, diags);
    INFO(f);
    REQUIRE(r.ok());
    CHECK(r->table.has_value());
  }
}

TEST_CASE("check never crashes on the fuzzer's regression inputs") {
  int count = 0;
  for (const std::string& dir : {std::string("tests/fuzz/regressions")}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      ++count;
      SourceManager sm;
      Diagnostics diags;
      auto r = CompileFile(e.path().string(), sm, diags);
      CHECK(r.ok());
      RenderReport(diags, sm, ReportFormat::kText);
      RenderReport(diags, sm, ReportFormat::kSarif);
    }
  }
  SUCCEED("regression inputs: " << count);
}

}  // namespace
}  // namespace dandori::compiler
