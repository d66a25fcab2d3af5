#include "compiler/report.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace dandori::compiler {
namespace {

struct Fixture {
  SourceManager sm;
  Diagnostics diags;
  Fixture() {
    int f = sm.Add("dir/a,b.flow", "workflow w() {\n\tstage x = media.prbe(1)\n}\n");
    diags.Warning(Loc{f, 1, 1}, "W002", "second");
    diags.Error(Loc{f, 2, 12}, "E010", "unknown operator 'media.prbe'; did you mean 'media.probe'?",
                {"100% sure"});
  }
};

TEST_CASE("text: location, source line, caret under the column (tabs kept), notes, summary") {
  Fixture fx;
  std::string out = RenderReport(fx.diags, fx.sm, ReportFormat::kText);
  CHECK(out ==
        "dir/a,b.flow:1:1: warning[W002]: second\n"
        "    workflow w() {\n"
        "    ^\n"
        "dir/a,b.flow:2:12: error[E010]: unknown operator 'media.prbe'; did you mean "
        "'media.probe'?\n"
        "    \tstage x = media.prbe(1)\n"
        "    \t          ^\n"
        "  note: 100% sure\n"
        "1 error, 1 warning\n");
}

TEST_CASE("json: one object per diagnostic, sorted") {
  Fixture fx;
  auto j = nlohmann::json::parse(RenderReport(fx.diags, fx.sm, ReportFormat::kJson));
  CHECK(j["errors"] == 1);
  CHECK(j["warnings"] == 1);
  REQUIRE(j["diagnostics"].size() == 2);
  CHECK(j["diagnostics"][1]["code"] == "E010");
  CHECK(j["diagnostics"][1]["line"] == 2);
  CHECK(j["diagnostics"][1]["col"] == 12);
  CHECK(j["diagnostics"][1]["severity"] == "error");
  CHECK(j["diagnostics"][1]["notes"][0] == "100% sure");
}

TEST_CASE("github: workflow commands with escaped properties and data") {
  Fixture fx;
  std::string out = RenderReport(fx.diags, fx.sm, ReportFormat::kGithub);
  CHECK(out ==
        "::warning file=dir/a%2Cb.flow,line=1,col=1,title=W002::second\n"
        "::error file=dir/a%2Cb.flow,line=2,col=12,title=E010::unknown operator 'media.prbe'; did "
        "you mean 'media.probe'?%0Anote: 100%25 sure\n");
}

TEST_CASE("sarif: the fields SARIF 2.1.0 requires") {
  Fixture fx;
  auto j = nlohmann::json::parse(RenderReport(fx.diags, fx.sm, ReportFormat::kSarif));
  CHECK(j["version"] == "2.1.0");
  CHECK(j["$schema"].get<std::string>().find("sarif-2.1.0") != std::string::npos);
  REQUIRE(j["runs"].size() == 1);
  const auto& run = j["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "dandori");
  REQUIRE(run["tool"]["driver"]["rules"].size() == 2);
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    CHECK(rule["id"].is_string());
    CHECK(rule["shortDescription"]["text"].is_string());
  }
  REQUIRE(run["results"].size() == 2);
  const auto& r = run["results"][1];
  CHECK(r["ruleId"] == "E010");
  CHECK(r["level"] == "error");
  CHECK(r["message"]["text"].get<std::string>().find("media.prbe") != std::string::npos);
  const auto& loc = r["locations"][0]["physicalLocation"];
  CHECK(loc["artifactLocation"]["uri"] == "dir/a,b.flow");
  CHECK(loc["region"]["startLine"] == 2);
  CHECK(loc["region"]["startColumn"] == 12);
  CHECK(run["results"][0]["level"] == "warning");
}

TEST_CASE("invalid UTF-8 in messages still yields valid JSON") {
  SourceManager sm;
  Diagnostics diags;
  int f = sm.Add("x.flow", "\xff\xfe");
  diags.Error(Loc{f, 1, 1}, "E002", "bad byte \xff");
  CHECK_NOTHROW(nlohmann::json::parse(RenderReport(diags, sm, ReportFormat::kJson)));
  CHECK_NOTHROW(nlohmann::json::parse(RenderReport(diags, sm, ReportFormat::kSarif)));
}

TEST_CASE("format names") {
  ReportFormat f;
  CHECK(ParseReportFormat("sarif", &f));
  CHECK(f == ReportFormat::kSarif);
  CHECK_FALSE(ParseReportFormat("xml", &f));
}

}  // namespace
}  // namespace dandori::compiler
