// Positions in a document. The compiler counts 1-based lines and 1-based byte columns;
// LSP counts 0-based lines and 0-based characters in the encoding agreed at
// `initialize` (UTF-16 code units unless the client offers UTF-8). LineIndex converts
// between the two on one text, and applies a `didChange` range edit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace dandori::lsp {

enum class Encoding { kUtf16, kUtf8 };

// A 0-based LSP position.
struct Position {
  int line = 0;
  int character = 0;
};

class LineIndex {
 public:
  LineIndex(std::string_view text, Encoding enc);

  // The byte offset of an LSP position (clamped to the line's end and the text's end).
  size_t Offset(Position p) const;
  // The LSP position of a byte offset.
  Position At(size_t offset) const;
  // The LSP position of a compiler location (1-based line, 1-based byte column).
  Position AtLoc(int line, int col) const;
  // The byte offset of a compiler location (clamped).
  size_t OffsetOfLoc(int line, int col) const;
  int lines() const { return static_cast<int>(starts_.size()); }
  std::string_view Line(int line0) const;

 private:
  std::string_view text_;
  Encoding enc_;
  std::vector<size_t> starts_;
};

nlohmann::json ToJson(Position p);
Position PositionFromJson(const nlohmann::json& j);  // missing fields read as 0
nlohmann::json RangeJson(Position a, Position b);

// Applies one TextDocumentContentChangeEvent (with a range, or the whole text).
void ApplyChange(std::string* text, const nlohmann::json& change, Encoding enc);

// file:///a/b%20c.flow <-> /a/b c.flow. Not a file URI: returned unchanged.
std::string PathFromUri(std::string_view uri);
std::string UriFromPath(std::string_view path);

}  // namespace dandori::lsp
