#include "compiler/report.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "compiler/codes.h"
#include "proto/table_version.h"

namespace dandori::compiler {
namespace {

using nlohmann::json;

const char* SeverityName(Severity s) { return s == Severity::kError ? "error" : "warning"; }

std::string FilePath(const Diagnostic& d, const SourceManager& sm) {
  return d.loc.file >= 0 && d.loc.file < sm.size() ? sm.path(d.loc.file) : std::string();
}

std::string Plural(int n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// Counts after de-duplication (a file imported by several checked files is parsed
// more than once); the raw counters when the list was truncated.
std::pair<int, int> Counts(const Diagnostics& diags, const std::vector<Diagnostic>& sorted) {
  if (diags.truncated()) return {diags.error_count(), diags.warning_count()};
  int errors = 0;
  for (const Diagnostic& d : sorted) errors += d.severity == Severity::kError;
  return {errors, static_cast<int>(sorted.size()) - errors};
}

std::string Summary(const Diagnostics& diags, const std::vector<Diagnostic>& sorted) {
  auto [errors, warnings] = Counts(diags, sorted);
  std::string s = Plural(errors, "error") + ", " + Plural(warnings, "warning");
  if (diags.truncated()) {
    s += fmt::format(" (only the first {} shown)", Diagnostics::kMaxDiagnostics);
  }
  return s + "\n";
}

// GitHub workflow-command escaping (data, and property values which also escape : ,).
std::string GhEscape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else if (property && c == ':')
      out += "%3A";
    else if (property && c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

// JSON strings must be valid UTF-8; source lines and names may not be.
std::string Utf8(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

json DiagJson(const Diagnostic& d, const SourceManager& sm) {
  json notes = json::array();
  for (const std::string& n : d.notes) notes.push_back(Utf8(n));
  return {{"file", Utf8(FilePath(d, sm))},
          {"line", d.loc.line},
          {"col", d.loc.col},
          {"severity", SeverityName(d.severity)},
          {"code", d.code},
          {"message", Utf8(d.message)},
          {"notes", notes}};
}

std::string RenderJson(const Diagnostics& diags, const SourceManager& sm) {
  json list = json::array();
  std::vector<Diagnostic> sorted = diags.Sorted();
  for (const Diagnostic& d : sorted) list.push_back(DiagJson(d, sm));
  auto [errors, warnings] = Counts(diags, sorted);
  json out = {{"errors", errors},
              {"warnings", warnings},
              {"truncated", diags.truncated()},
              {"diagnostics", list}};
  return out.dump(2) + "\n";
}

std::string RenderGithub(const Diagnostics& diags, const SourceManager& sm) {
  std::string out;
  for (const Diagnostic& d : diags.Sorted()) {
    std::string msg = d.message;
    for (const std::string& n : d.notes) msg += "\nnote: " + n;
    out += fmt::format("::{} file={},line={},col={},title={}::{}\n", SeverityName(d.severity),
                       GhEscape(FilePath(d, sm), true), d.loc.line, d.loc.col,
                       GhEscape(d.code, true), GhEscape(msg, false));
  }
  return out;
}

std::string RenderSarif(const Diagnostics& diags, const SourceManager& sm) {
  std::vector<Diagnostic> sorted = diags.Sorted();
  std::set<std::string> used;
  for (const Diagnostic& d : sorted) used.insert(d.code);
  json rules = json::array();
  for (const std::string& code : used) {
    std::string_view title = CodeTitle(code);
    rules.push_back({{"id", code},
                     {"shortDescription", {{"text", title.empty() ? code : std::string(title)}}},
                     {"helpUri", "docs/diagnostics.md#" + code}});
  }
  json results = json::array();
  for (const Diagnostic& d : sorted) {
    std::string msg = d.message;
    for (const std::string& n : d.notes) msg += "\nnote: " + n;
    json region = {{"startLine", std::max(1, d.loc.line)}, {"startColumn", std::max(1, d.loc.col)}};
    results.push_back(
        {{"ruleId", d.code},
         {"level", SeverityName(d.severity)},
         {"message", {{"text", Utf8(msg)}}},
         {"locations", json::array({{{"physicalLocation",
                                      {{"artifactLocation", {{"uri", Utf8(FilePath(d, sm))}}},
                                       {"region", region}}}}})}});
  }
  json out = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({{{"tool",
                                      {{"driver",
                                        {{"name", "dandori"},
                                         {"version", v1::kDandoriVersion},
                                         {"informationUri", "https://example.invalid/dandori"},
                                         {"rules", rules}}}}},
                                     {"results", results}}})}};
  return out.dump(2) + "\n";
}

}  // namespace

bool ParseReportFormat(std::string_view name, ReportFormat* out) {
  if (name == "text")
    *out = ReportFormat::kText;
  else if (name == "json")
    *out = ReportFormat::kJson;
  else if (name == "github")
    *out = ReportFormat::kGithub;
  else if (name == "sarif")
    *out = ReportFormat::kSarif;
  else
    return false;
  return true;
}

std::string RenderText(const Diagnostic& d, const SourceManager& sm) {
  std::string out;
  std::string path = FilePath(d, sm);
  if (path.empty()) {
    out = fmt::format("dandori: {}[{}]: {}\n", SeverityName(d.severity), d.code, d.message);
  } else {
    out = fmt::format("{}:{}:{}: {}[{}]: {}\n", path, d.loc.line, d.loc.col,
                      SeverityName(d.severity), d.code, d.message);
    std::string_view line = sm.Line(d.loc.file, d.loc.line);
    if (!line.empty() && line.size() <= 400) {
      std::string caret;
      for (size_t i = 0; i + 1 < static_cast<size_t>(d.loc.col) && i < line.size(); ++i) {
        caret += line[i] == '\t' ? '\t' : ' ';
      }
      out += fmt::format("    {}\n    {}^\n", line, caret);
    }
  }
  for (const std::string& n : d.notes) out += fmt::format("  note: {}\n", n);
  return out;
}

std::string RenderReport(const Diagnostics& diags, const SourceManager& sm, ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return RenderJson(diags, sm);
    case ReportFormat::kGithub:
      return RenderGithub(diags, sm);
    case ReportFormat::kSarif:
      return RenderSarif(diags, sm);
    case ReportFormat::kText:
      break;
  }
  std::string out;
  std::vector<Diagnostic> sorted = diags.Sorted();
  for (const Diagnostic& d : sorted) out += RenderText(d, sm);
  return out + Summary(diags, sorted);
}

}  // namespace dandori::compiler
