// Golden Tables: tests/compiler/golden/NAME.flow compiles to exactly NAME.json (the
// JSON form `dandori compile --json` prints). Regenerate with DANDORI_REGEN=1.
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>

#include "compiler/compile.h"
#include "compiler/graph.h"
#include "compiler/report.h"
#include "tests/compiler/test_util.h"

namespace dandori::compiler {
namespace {

TEST_CASE("golden tables") {
  auto files = testing::ListFiles("tests/compiler/golden", ".flow");
  REQUIRE(files.size() >= 3);
  for (const std::string& flow : files) {
    INFO(flow);
    SourceManager sm;
    Diagnostics diags;
    auto r = CompileFile(flow, sm, diags);
    REQUIRE(r.ok());
    INFO(RenderReport(diags, sm, ReportFormat::kText));
    REQUIRE(r->table.has_value());
    std::string json;
    google::protobuf::util::JsonPrintOptions opts;
    opts.add_whitespace = true;
    opts.preserve_proto_field_names = true;
    REQUIRE(google::protobuf::util::MessageToJsonString(*r->table, &json, opts).ok());
    std::string golden = flow.substr(0, flow.size() - 5) + ".json";
    if (testing::Regenerate()) {
      testing::WriteText(golden, json);
      continue;
    }
    REQUIRE(std::filesystem::exists(golden));
    CHECK(json == testing::ReadText(golden));
  }
}

// What `dandori graph` draws for each golden Table, where a NAME.dot is kept.
TEST_CASE("golden graphs") {
  for (const std::string& flow : testing::ListFiles("tests/compiler/golden", ".flow")) {
    std::string dot = flow.substr(0, flow.size() - 5) + ".dot";
    if (!std::filesystem::exists(dot) && !testing::Regenerate()) continue;
    INFO(flow);
    SourceManager sm;
    Diagnostics diags;
    auto r = CompileFile(flow, sm, diags);
    REQUIRE(r.ok());
    REQUIRE(r->table.has_value());
    std::string text = RenderDot(*r->table);
    if (testing::Regenerate()) {
      testing::WriteText(dot, text);
      continue;
    }
    CHECK(text == testing::ReadText(dot));
  }
}

}  // namespace
}  // namespace dandori::compiler
