#include "server/web/report_page.h"

#include <sstream>

#include "server/web/assets.h"

namespace dandori::server::web {
namespace {

std::string AssetText(const char* name) {
  const web::Asset* a = FindAsset(name);
  return a ? std::string(a->body) : std::string();
}

// One module's text for the bundle: its `import` lines dropped (every name is in the
// same bundle) and `export ` dropped from its declarations. The modules keep to that
// shape: one-line imports, `export function` / `export const`.
std::string Unmodule(const std::string& src) {
  std::istringstream in(src);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind("import ", 0) == 0) continue;
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    out += line + "\n";
  }
  return out;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string ReportHtml(const std::string& title, const std::string& data_json) {
  std::string data;  // no "</script>" can end the data early: every '<' is escaped
  for (char c : data_json) data += c == '<' ? std::string("\\u003c") : std::string(1, c);
  std::string js;
  for (const char* m : kReportModules)
    js += "// ---- " + std::string(m) + "\n" + Unmodule(AssetText(m));
  // The scripts' own text never holds "</script"; a build-time check would be the place
  // if they ever did.
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width\">\n<title>" +
         HtmlEscape(title) + "</title>\n<style>\n" + AssetText("style.css") +
         "</style>\n</head>\n<body class=\"report\">\n<main id=\"app\"></main>\n"
         "<script type=\"application/json\" id=\"report-data\">" +
         data + "</script>\n<script type=\"module\">\n" + js + "</script>\n</body></html>\n";
}

}  // namespace dandori::server::web
