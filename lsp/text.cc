#include "lsp/text.h"

#include <algorithm>
#include <cctype>

namespace dandori::lsp {
namespace {

// Length in bytes of the UTF-8 sequence starting with byte `c` (1 for invalid bytes).
size_t SeqLen(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

LineIndex::LineIndex(std::string_view text, Encoding enc) : text_(text), enc_(enc) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

std::string_view LineIndex::Line(int line0) const {
  if (line0 < 0 || line0 >= lines()) return {};
  size_t a = starts_[static_cast<size_t>(line0)];
  size_t b = line0 + 1 < lines() ? starts_[static_cast<size_t>(line0) + 1] - 1 : text_.size();
  if (b > a && text_[b - 1] == '\r') --b;
  return text_.substr(a, b - a);
}

size_t LineIndex::Offset(Position p) const {
  if (p.line < 0) return 0;
  if (p.line >= lines()) return text_.size();
  std::string_view line = Line(p.line);
  size_t start = starts_[static_cast<size_t>(p.line)];
  if (enc_ == Encoding::kUtf8) {
    return start + std::min(line.size(), static_cast<size_t>(std::max(0, p.character)));
  }
  int units = 0;
  size_t i = 0;
  while (i < line.size() && units < p.character) {
    size_t n = std::min(SeqLen(static_cast<unsigned char>(line[i])), line.size() - i);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return start + i;
}

Position LineIndex::At(size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  int line0 = static_cast<int>(it - starts_.begin()) - 1;
  size_t start = starts_[static_cast<size_t>(line0)];
  if (enc_ == Encoding::kUtf8) return Position{line0, static_cast<int>(offset - start)};
  int units = 0;
  for (size_t i = start; i < offset;) {
    size_t n = SeqLen(static_cast<unsigned char>(text_[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return Position{line0, units};
}

size_t LineIndex::OffsetOfLoc(int line, int col) const {
  if (line < 1) return 0;
  if (line > lines()) return text_.size();
  size_t start = starts_[static_cast<size_t>(line - 1)];
  size_t len = Line(line - 1).size();
  return start + std::min(len, static_cast<size_t>(std::max(0, col - 1)));
}

Position LineIndex::AtLoc(int line, int col) const { return At(OffsetOfLoc(line, col)); }

nlohmann::json ToJson(Position p) { return {{"line", p.line}, {"character", p.character}}; }

Position PositionFromJson(const nlohmann::json& j) {
  Position p;
  if (!j.is_object()) return p;
  if (auto it = j.find("line"); it != j.end() && it->is_number_integer()) {
    p.line = it->get<int>();
  }
  if (auto it = j.find("character"); it != j.end() && it->is_number_integer()) {
    p.character = it->get<int>();
  }
  return p;
}

nlohmann::json RangeJson(Position a, Position b) {
  return {{"start", ToJson(a)}, {"end", ToJson(b)}};
}

void ApplyChange(std::string* text, const nlohmann::json& change, Encoding enc) {
  if (!change.is_object()) return;
  auto t = change.find("text");
  if (t == change.end() || !t->is_string()) return;
  auto r = change.find("range");
  if (r == change.end() || !r->is_object()) {
    *text = t->get<std::string>();
    return;
  }
  LineIndex index(*text, enc);
  size_t a = index.Offset(PositionFromJson(r->value("start", nlohmann::json::object())));
  size_t b = index.Offset(PositionFromJson(r->value("end", nlohmann::json::object())));
  if (b < a) std::swap(a, b);
  text->replace(a, b - a, t->get<std::string>());
}

std::string PathFromUri(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (!uri.starts_with(kScheme)) return std::string(uri);
  std::string_view rest = uri.substr(kScheme.size());
  size_t slash = rest.find('/');  // skip an authority ("localhost")
  rest = slash == std::string_view::npos ? "" : rest.substr(slash);
  std::string out;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && HexValue(rest[i + 1]) >= 0 &&
        HexValue(rest[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(rest[i + 1]) * 16 + HexValue(rest[i + 2])));
      i += 2;
    } else {
      out.push_back(rest[i]);
    }
  }
  return out;
}

std::string UriFromPath(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace dandori::lsp
