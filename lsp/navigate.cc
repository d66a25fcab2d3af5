// Go to definition, references, rename, document symbols and formatting: answered from
// the symbol index of the current text (the compiler's resolution), and from
// compiler/fmt.h for formatting.
#include <regex>

#include "compiler/fmt.h"
#include "compiler/parse.h"
#include "lsp/features.h"

namespace dandori::lsp {
namespace {

// The occurrence under the cursor in the current version.
const Occurrence* Under(const Document& doc, Position at, Encoding enc) {
  if (!doc.current) return nullptr;
  size_t offset = LineIndex(doc.text, enc).Offset(at);
  Position p8 = LineIndex(doc.text, Encoding::kUtf8).At(offset);
  return doc.current->index.At(p8.line + 1, p8.character + 1);
}

nlohmann::json OccurrenceRange(const LineIndex& lines, const Occurrence& o) {
  return RangeJson(lines.AtLoc(o.line, o.col), lines.AtLoc(o.line, o.col + o.length));
}

// A range in another file (an imported const): positions counted in that file's text.
nlohmann::json RangeIn(std::string_view text, compiler::Loc loc, int length, Encoding enc) {
  LineIndex lines(text, enc);
  return RangeJson(lines.AtLoc(loc.line, loc.col), lines.AtLoc(loc.line, loc.col + length));
}

bool IsReserved(const std::string& name) {
  static const char* const kReserved[] = {"workflow", "stage",   "foreach", "fanout", "rolling",
                                          "group",    "approve", "on",      "import", "const",
                                          "in",       "and",     "or",      "not",    "true",
                                          "false",    "null",    "env",     "error"};
  for (const char* r : kReserved) {
    if (name == r) return true;
  }
  return false;
}

struct SymbolBuilder {
  const Document& doc;
  const Index& index;
  LineIndex lines;

  nlohmann::json Range(compiler::Loc a, compiler::Loc b) const {
    size_t end = lines.OffsetOfLoc(b.line, b.col);
    return RangeJson(lines.AtLoc(a.line, a.col),
                     lines.At(end + std::max<size_t>(1, TokenLength(doc.text, end))));
  }
  nlohmann::json Make(std::string name, std::string detail, int kind, compiler::Loc loc,
                      compiler::Loc sel, int sel_len, compiler::Loc end) const {
    nlohmann::json sel_range =
        RangeJson(lines.AtLoc(sel.line, sel.col), lines.AtLoc(sel.line, sel.col + sel_len));
    if (!end.valid() || end < sel) end = sel;
    return {{"name", name.empty() ? "?" : name},
            {"detail", detail},
            {"kind", kind},
            {"range", Range(loc.valid() ? loc : sel, end)},
            {"selectionRange", sel_range}};
  }
  nlohmann::json Stmts(const std::vector<compiler::StmtPtr>& body) const {
    nlohmann::json out = nlohmann::json::array();
    for (const compiler::StmtPtr& sp : body) {
      if (!sp) continue;
      const compiler::Stmt& s = *sp;
      compiler::Loc end = s.body_end.valid() ? s.body_end : s.policy ? s.policy->end : s.name_loc;
      nlohmann::json j;
      if (compiler::IsLoop(s.kind)) {
        const char* word = s.kind == compiler::StmtKind::kForeach  ? "foreach"
                           : s.kind == compiler::StmtKind::kFanout ? "fanout"
                                                                   : "rolling";
        j = Make(std::string(word) + " " + s.var, "loop", 13, s.loc, s.var_loc,
                 static_cast<int>(s.var.size()), end);
      } else if (s.kind == compiler::StmtKind::kGroup) {
        j = Make(s.name, "group", 2, s.loc, s.name_loc, static_cast<int>(s.name.size()), end);
      } else {
        std::string detail = s.kind == compiler::StmtKind::kApprove ? "approve" : s.op;
        j = Make(s.name, detail, 12, s.loc, s.name_loc, static_cast<int>(s.name.size()), end);
      }
      if (!s.body.empty()) j["children"] = Stmts(s.body);
      out.push_back(std::move(j));
    }
    return out;
  }
};

}  // namespace

nlohmann::json Definition(const Document& doc, Position at, Encoding enc) {
  const Occurrence* o = Under(doc, at, enc);
  if (!o) return nullptr;
  const Checked& c = *doc.current;
  const Symbol& s = c.index.symbol(o->symbol);
  if (s.kind == SymbolKind::kImport) {
    return {{"uri", UriFromPath(s.import_path)}, {"range", RangeJson({0, 0}, {0, 0})}};
  }
  if (!s.def.valid()) return nullptr;
  int len = static_cast<int>(s.name.size());
  if (s.def.file == c.file) {
    return {{"uri", doc.uri}, {"range", RangeIn(doc.text, s.def, len, enc)}};
  }
  return {{"uri", UriFromPath(c.sm.path(s.def.file))},
          {"range", RangeIn(c.sm.text(s.def.file), s.def, len, enc)}};
}

nlohmann::json References(const Document& doc, Position at, bool with_declaration, Encoding enc) {
  const Occurrence* o = Under(doc, at, enc);
  if (!o) return nullptr;
  LineIndex lines(doc.text, enc);
  nlohmann::json out = nlohmann::json::array();
  for (const Occurrence* r : doc.current->index.OccurrencesOf(o->symbol)) {
    if (r->def && !with_declaration) continue;
    out.push_back({{"uri", doc.uri}, {"range", OccurrenceRange(lines, *r)}});
  }
  return out;
}

nlohmann::json PrepareRename(const Document& doc, Position at, Encoding enc) {
  const Occurrence* o = Under(doc, at, enc);
  if (!o) return nullptr;
  const Symbol& s = doc.current->index.symbol(o->symbol);
  if (s.kind == SymbolKind::kImport || s.def.file != doc.current->file) return nullptr;
  LineIndex lines(doc.text, enc);
  return {{"range", OccurrenceRange(lines, *o)}, {"placeholder", s.name}};
}

nlohmann::json Rename(const Document& doc, Position at, const std::string& new_name, Encoding enc,
                      std::string* error) {
  const Occurrence* o = Under(doc, at, enc);
  if (!o) {
    *error = "nothing to rename here: put the cursor on a stage, parameter, const or variable";
    return nullptr;
  }
  const Checked& c = *doc.current;
  const Symbol& s = c.index.symbol(o->symbol);
  static const std::regex kIdent("[A-Za-z_][A-Za-z0-9_]*");
  if (s.kind == SymbolKind::kImport) {
    *error = "an import is a file path; rename the file instead";
  } else if (s.def.file != c.file) {
    *error = "'" + s.name + "' is declared in " + c.sm.path(s.def.file) + "; rename it there";
  } else if (!std::regex_match(new_name, kIdent)) {
    *error = "'" + new_name + "' is not a name: names are ASCII letters, digits and '_'";
  } else if (IsReserved(new_name)) {
    *error = "'" + new_name + "' is a reserved word";
  } else if (new_name != s.name && c.index.Lookup(new_name) >= 0) {
    *error = "'" + new_name + "' is already a name in this file";
  }
  if (!error->empty()) return nullptr;
  LineIndex lines(doc.text, enc);
  nlohmann::json edits = nlohmann::json::array();
  for (const Occurrence* r : c.index.OccurrencesOf(o->symbol)) {
    edits.push_back({{"range", OccurrenceRange(lines, *r)}, {"newText", new_name}});
  }
  return {{"changes", {{doc.uri, std::move(edits)}}}};
}

nlohmann::json DocumentSymbols(const Document& doc, Encoding enc) {
  nlohmann::json out = nlohmann::json::array();
  if (!doc.current || !doc.current->analysis.main) return out;
  const compiler::File& f = *doc.current->analysis.main;
  SymbolBuilder b{doc, doc.current->index, LineIndex(doc.text, enc)};
  for (const compiler::Import& imp : f.imports) {
    out.push_back(b.Make(imp.path, "import", 1, imp.loc, imp.loc,
                         static_cast<int>(imp.path.size()) + 2, imp.loc));
  }
  for (const compiler::ConstDecl& k : f.consts) {
    out.push_back(b.Make(k.name, "const", 14, k.loc, k.loc, static_cast<int>(k.name.size()),
                         k.value ? k.value->loc : k.loc));
  }
  if (!f.workflow) return out;
  const compiler::Workflow& w = *f.workflow;
  nlohmann::json children = nlohmann::json::array();
  for (const compiler::Param& p : w.params) {
    children.push_back(
        b.Make(p.name, p.type_text, 7, p.loc, p.loc, static_cast<int>(p.name.size()), p.type_loc));
  }
  for (auto& j : b.Stmts(w.body)) children.push_back(std::move(j));
  for (const compiler::Handler& h : w.handlers) {
    nlohmann::json hj =
        b.Make(h.on_failure ? "on failure" : "on success", "handler", 24, h.loc, h.loc, 2, h.end);
    hj["children"] = b.Stmts(h.body);
    children.push_back(std::move(hj));
  }
  nlohmann::json wj =
      b.Make(w.name, "workflow", 5, w.loc, w.name_loc, static_cast<int>(w.name.size()), w.body_end);
  wj["children"] = std::move(children);
  out.push_back(std::move(wj));
  return out;
}

nlohmann::json Formatting(const Document& doc, Encoding enc, std::string* error) {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int id = sm.Add(doc.path, doc.text);
  std::unique_ptr<compiler::File> file = compiler::ParseFile(sm, id, diags);
  if (diags.has_errors() || !file) {
    *error = "not formatted: the file has syntax errors";
    return nullptr;
  }
  std::string formatted = compiler::FormatFile(*file, sm);
  nlohmann::json edits = nlohmann::json::array();
  if (formatted == doc.text) return edits;
  LineIndex lines(doc.text, enc);
  edits.push_back(
      {{"range", RangeJson({0, 0}, lines.At(doc.text.size()))}, {"newText", formatted}});
  return edits;
}

}  // namespace dandori::lsp
