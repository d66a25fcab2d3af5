#include "lsp/document.h"

#include <cctype>
#include <regex>

namespace dandori::lsp {
namespace {

bool IsWordByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         (static_cast<unsigned char>(c) >= 0x80);
}

bool IsSyntaxCode(const std::string& code) { return code < "E010"; }

// "the foreach opened at 2:19" -> related location 2:19, "the foreach opened here".
void AddRelated(const compiler::Diagnostic& d, const Document& doc, const LineIndex& index,
                nlohmann::json* out) {
  static const std::regex kAt(R"(((?:the |is |was )?[\w' ]{0,40}?)\bat (\d+):(\d+)\b)");
  nlohmann::json related = nlohmann::json::array();
  for (std::sregex_iterator it(d.message.begin(), d.message.end(), kAt), end; it != end; ++it) {
    int line = std::stoi((*it)[2].str()), col = std::stoi((*it)[3].str());
    if (line < 1 || line > index.lines()) continue;
    size_t offset = index.OffsetOfLoc(line, col);
    Position a = index.At(offset);
    Position b = index.At(offset + TokenLength(doc.text, offset));
    std::string what = (*it)[1].str();
    // "expected '}' to close the foreach block opened at": from its last "the".
    size_t the = what.rfind("the ");
    if (the != std::string::npos && (the == 0 || what[the - 1] == ' ')) what = what.substr(the);
    while (!what.empty() && (what.front() == '\'' || what.front() == ' ')) what.erase(0, 1);
    while (!what.empty() && what.back() == ' ') what.pop_back();
    related.push_back({{"location", {{"uri", doc.uri}, {"range", RangeJson(a, b)}}},
                       {"message", what.empty() ? "here" : what + " here"}});
  }
  if (!related.empty()) (*out)["relatedInformation"] = std::move(related);
}

}  // namespace

size_t TokenLength(std::string_view text, size_t offset) {
  if (offset >= text.size() || text[offset] == '\n' || text[offset] == '\r') return 0;
  size_t i = offset;
  char c = text[i];
  if (c == '"') {
    for (++i; i < text.size() && text[i] != '\n'; ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == '"') {
        return i + 1 - offset;
      }
    }
    return i - offset;
  }
  if (IsWordByte(c)) {
    while (i < text.size() &&
           (IsWordByte(text[i]) || text[i] == '%' ||
            (text[i] == '.' && i + 1 < text.size() && IsWordByte(text[i + 1])))) {
      ++i;
    }
    return i - offset;
  }
  if ((c == '/' && offset + 1 < text.size() &&
       (text[offset + 1] == '*' || text[offset + 1] == '/')) ||
      (c == '$' && offset + 1 < text.size() && text[offset + 1] == '{')) {
    return 2;
  }
  return 1;
}

std::shared_ptr<const Checked> CheckDocument(const std::string& path, std::string text) {
  auto c = std::make_shared<Checked>();
  c->file = c->sm.Add(path, std::move(text));
  c->analysis = compiler::Analyze(c->file, c->sm, c->diags);
  c->parsed = true;
  for (const compiler::Diagnostic& d : c->diags.all()) {
    if (IsSyntaxCode(d.code)) c->parsed = false;
  }
  c->index.Build(c->analysis, c->sm, c->file);
  return c;
}

void Document::Recheck() {
  current = CheckDocument(path, text);
  if (current->parsed) good = current;
}

nlohmann::json DiagnosticsJson(const Document& doc, Encoding enc) {
  nlohmann::json out = nlohmann::json::array();
  if (!doc.current) return out;
  const Checked& c = *doc.current;
  LineIndex index(doc.text, enc);
  const compiler::File* main = c.analysis.main.get();
  for (const compiler::Diagnostic& d : c.diags.Sorted()) {
    std::string message = d.message;
    for (const std::string& note : d.notes) message += "\n" + note;
    Position a, b;
    if (d.loc.file == c.file || d.loc.file < 0) {
      size_t offset = index.OffsetOfLoc(std::max(d.loc.line, 1), std::max(d.loc.col, 1));
      a = index.At(offset);
      b = index.At(offset + TokenLength(doc.text, offset));
    } else {
      // In an imported file: shown on the import of the file (the first import when
      // it came in through several levels).
      message = c.sm.path(d.loc.file) + ":" + std::to_string(d.loc.line) + ":" +
                std::to_string(d.loc.col) + ": " + message;
      compiler::Loc at{c.file, 1, 1};
      if (main && !main->imports.empty()) at = main->imports.front().loc;
      for (const compiler::Import& imp : main ? main->imports : std::vector<compiler::Import>{}) {
        if (c.sm.path(d.loc.file).ends_with(imp.path.substr(imp.path.rfind('/') + 1))) {
          at = imp.loc;
        }
      }
      size_t offset = index.OffsetOfLoc(at.line, at.col);
      a = index.At(offset);
      b = index.At(offset + TokenLength(doc.text, offset));
    }
    nlohmann::json j = {{"range", RangeJson(a, b)},
                        {"severity", d.severity == compiler::Severity::kError ? 1 : 2},
                        {"code", d.code},
                        {"source", "dandori"},
                        {"message", message}};
    if (d.loc.file == c.file) AddRelated(d, doc, index, &j);
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace dandori::lsp
