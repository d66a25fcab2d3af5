// Every input the fuzzer ever crashed on (tests/fuzz/regressions/) must now give
// diagnostics or a clean parse, and, when it parses, fmt's output must parse again
// and be idempotent.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/fmt.h"
#include "compiler/parse.h"

namespace dandori::compiler {
namespace {

TEST_CASE("fuzzer regressions parse without crashing") {
  const char* dir = std::getenv("DANDORI_SOURCE_DIR");
  std::filesystem::path root = std::filesystem::path(dir ? dir : ".") / "tests/fuzz/regressions";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    INFO(entry.path().string());
    SourceManager sm;
    Diagnostics diags;
    auto file = ParseFile(sm, sm.Add("r.flow", ss.str()), diags);
    REQUIRE(file);
    ++count;
    if (diags.has_errors()) continue;
    std::string once = FormatFile(*file, sm);
    Diagnostics again;
    auto reparsed = ParseFile(sm, sm.Add("f.flow", once), again);
    CHECK_FALSE(again.has_errors());
    CHECK(FormatFile(*reparsed, sm) == once);
  }
  CHECK(count >= 1);
}

}  // namespace
}  // namespace dandori::compiler
