// One open .flow document and the compiler's view of its current text. Each change
// re-runs the compiler's own front end (compiler/analyze.h: parse, imports, checker)
// on the whole text and rebuilds the symbol index; `good` keeps the last version that
// parsed, so names, fields and types stay available while the user types a line that
// does not parse yet.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "compiler/analyze.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"
#include "lsp/index.h"
#include "lsp/text.h"

namespace dandori::lsp {

// One version of a document, checked. Not movable: the index points into it.
struct Checked {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  compiler::Analysis analysis;
  Index index;
  int file = -1;
  bool parsed = false;  // no syntax errors in the main file or its imports

  Checked() = default;
  Checked(const Checked&) = delete;
  Checked& operator=(const Checked&) = delete;
};

// Checks `text` as if it were the file at `path` (imports resolve next to it).
std::shared_ptr<const Checked> CheckDocument(const std::string& path, std::string text);

struct Document {
  std::string uri;
  std::string path;
  std::string text;
  int version = 0;
  std::shared_ptr<const Checked> current;
  std::shared_ptr<const Checked> good;  // the latest version that parsed (may be current)

  void Recheck();
};

// The document's diagnostics as LSP Diagnostic objects: ranges over the offending
// token, the stable code, notes appended to the message, "opened at 2:19" style
// mentions as related locations, and problems inside imported files reported at the
// import that brought them in.
nlohmann::json DiagnosticsJson(const Document& doc, Encoding enc);

// The byte length of the token starting at `offset` (a word, a dotted name, a number
// with its unit, a string), at least 1 unless at a line end.
size_t TokenLength(std::string_view text, size_t offset);

}  // namespace dandori::lsp
