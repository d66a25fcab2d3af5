#include "compiler/parse_scan.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>

namespace dandori::compiler {

BytePos PositionOf(std::string_view text, size_t offset) {
  BytePos p;
  p.offset = offset;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.col = static_cast<int>(offset - line_start) + 1;
  return p;
}

namespace {

// Length of the UTF-8 sequence at s[i], or 0 when invalid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

bool ValidateText(std::string_view text, BytePos* where, std::string* message) {
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      *where = PositionOf(text, i);
      *message = "binary data (a NUL byte); .flow files are UTF-8 text";
      return false;
    }
    size_t n = Utf8Length(text, i);
    if (n == 0) {
      *where = PositionOf(text, i);
      *message = fmt::format("invalid UTF-8 (byte 0x{:02x}); .flow files are UTF-8 text",
                             static_cast<unsigned char>(text[i]));
      return false;
    }
    i += n;
  }
  return true;
}

namespace {

// Walks the brackets the way the lexer sees them: comments are skipped, strings end at
// the closing quote or the line end, and inside ${ } braces and nested strings nest.
// Calls on(kind, c, offset) for each opener and closer: kind 'c' for a bracket of code,
// 'i' for a ${ (c == '$') or a brace inside one; a string ended by the line end closes
// what it opened (reported at the line end). Stops early when `on` returns false.
template <class On>
bool WalkBrackets(std::string_view text, On on) {
  std::vector<char> stack;  // 'c' code bracket, 's' string, 'i' interpolation
  auto close = [&](size_t at, char c) {
    char kind = stack.back();
    stack.pop_back();
    return kind == 's' || on(kind, c, at);
  };
  auto end_line = [&](size_t at) {
    while (!stack.empty() && (stack.back() == 's' || stack.back() == 'i')) {
      if (!close(at, '}')) return false;
    }
    return true;
  };
  size_t i = 0, n = text.size();
  while (i < n) {
    char c = text[i];
    char mode = stack.empty() ? 'c' : stack.back();
    if (mode == 's') {
      if (c == '"') {
        stack.pop_back();
      } else if (c == '\n' || c == '\r') {
        if (!end_line(i)) return false;
        continue;
      } else if (c == '\\' && i + 1 < n && text[i + 1] != '\n' && text[i + 1] != '\r') {
        ++i;
      } else if (c == '$' && i + 1 < n && text[i + 1] == '{') {
        stack.push_back('i');
        if (!on('i', '$', i)) return false;
        ++i;
      }
      ++i;
      continue;
    }
    if (mode == 'i') {
      if (c == '"') {
        stack.push_back('s');
      } else if (c == '{') {
        stack.push_back('i');
        if (!on('i', c, i)) return false;
      } else if (c == '}') {
        if (!close(i, c)) return false;
      } else if (c == '\n' || c == '\r') {
        if (!end_line(i)) return false;
        continue;
      }
      ++i;
      continue;
    }
    // Code.
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      size_t e = text.find("*/", i + 2);
      i = e == std::string_view::npos ? n : e + 2;
      continue;
    }
    if (c == '"') {
      stack.push_back('s');
    } else if (c == '(' || c == '[' || c == '{') {
      stack.push_back('c');
      if (!on('c', c, i)) return false;
    } else if ((c == ')' || c == ']' || c == '}') && !stack.empty()) {
      if (!close(i, c)) return false;
    }
    ++i;
  }
  return true;
}

// The column of the first non-blank byte of the line holding `offset`, and its offset.
size_t LineIndentAt(std::string_view text, size_t offset, int* indent) {
  size_t start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  start = start == std::string_view::npos || offset == 0 ? 0 : start + 1;
  size_t i = start;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  *indent = static_cast<int>(i - start);
  return i;
}

// True when the next word after `from` (past blanks and comments) starts a statement.
bool StatementFollows(std::string_view text, size_t from) {
  size_t i = from;
  for (;;) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (text.substr(i, 2) == "//") {
      i = text.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else if (text.substr(i, 2) == "/*") {
      i = text.find("*/", i);
      if (i == std::string_view::npos) return false;
      i += 2;
    } else {
      break;
    }
  }
  for (std::string_view w :
       {"stage", "foreach", "fanout", "rolling", "group", "approve", "on", "defaults", "}"}) {
    if (!text.substr(i).starts_with(w)) continue;
    size_t e = i + w.size();
    if (w == "}" || e >= text.size() ||
        !(std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_')) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool CheckNesting(std::string_view text, int limit, BytePos* where) {
  int depth = 0;  // openers and interpolations currently open
  return WalkBrackets(text, [&](char, char c, size_t at) {
    if (c == ')' || c == ']' || c == '}') {
      --depth;
      return true;
    }
    if (++depth <= limit) return true;
    *where = PositionOf(text, at);
    return false;
  });
}

bool FindUnclosedBrace(std::string_view text, UnclosedBrace* out) {
  struct Open {
    size_t at;
    int indent;
  };
  std::vector<Open> plain, by_indent;  // matched by count / by indentation
  std::optional<UnclosedBrace> guess;
  bool contradicted = false;
  WalkBrackets(text, [&](char kind, char c, size_t at) {
    if (kind != 'c' || (c != '{' && c != '}')) return true;
    int indent = 0;
    if (c == '{') {
      LineIndentAt(text, at, &indent);
      plain.push_back({at, indent});
      by_indent.push_back({at, indent});
      return true;
    }
    if (!plain.empty()) plain.pop_back();
    if (by_indent.empty()) {
      contradicted = contradicted || guess.has_value();  // a '}' too many for that reading
      return true;
    }
    size_t first = LineIndentAt(text, at, &indent);
    bool own_line = first == at;
    // A '}' on its own line, indented less than the line of the innermost open block
    // but exactly like an outer one's, closes that outer block: the inner ones are open.
    if (own_line && indent < by_indent.back().indent) {
      for (size_t k = by_indent.size() - 1; k-- > 0;) {
        if (by_indent[k].indent != indent) continue;
        if (!guess) {
          int unused = 0;
          guess = UnclosedBrace{PositionOf(text, by_indent.back().at), true, PositionOf(text, at),
                                PositionOf(text, LineIndentAt(text, by_indent[k].at, &unused))};
        }
        by_indent.resize(k + 1);
        break;
      }
    }
    by_indent.pop_back();
    // Statements after the workflow's block closed: the reading by indentation is wrong.
    if (guess && by_indent.empty() && StatementFollows(text, at + 1)) contradicted = true;
    return true;
  });
  if (guess && by_indent.empty() && !contradicted) {
    *out = *guess;
    return true;
  }
  if (plain.empty()) return false;
  *out = UnclosedBrace{PositionOf(text, plain.back().at), false, {}, {}};
  return true;
}

std::string BlockKindAt(std::string_view text, size_t offset) {
  int indent = 0;
  size_t i = LineIndentAt(text, offset, &indent);
  auto word_at = [&](size_t k) {
    size_t e = k;
    while (e < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_')) {
      ++e;
    }
    return std::string(text.substr(k, e - k));
  };
  std::string w = word_at(i);
  if (w == "workflow") return "the workflow's block";
  if (w == "foreach" || w == "fanout" || w == "rolling" || w == "group" || w == "defaults") {
    return "the " + w + " block";
  }
  if (w == "on") {
    size_t k = i + 2;
    while (k < text.size() && text[k] == ' ') ++k;
    std::string what = word_at(k);
    if (what == "failure" || what == "success") return "the 'on " + what + "' block";
  }
  if (w == "stage") return "the stage's policy block";
  return "the block";
}

namespace {

// End (exclusive) of the ${ body starting at `i` (just after "${"), mirroring the lexer:
// braces and nested strings nest. Returns npos when it runs past `end`.
size_t FindInterpEnd(std::string_view s, size_t i, size_t end) {
  int braces = 0;
  while (i < end) {
    char c = s[i];
    if (c == '"') {
      // A nested string: skip it (its own escapes and interpolations included).
      ++i;
      while (i < end && s[i] != '"') {
        if (s[i] == '\\') {
          i += 2;
        } else if (s[i] == '$' && i + 1 < end && s[i + 1] == '{') {
          size_t e = FindInterpEnd(s, i + 2, end);
          if (e == std::string_view::npos) return e;
          i = e + 1;
        } else {
          ++i;
        }
      }
      if (i >= end) return std::string_view::npos;
      ++i;
      continue;
    }
    if (c == '{') ++braces;
    if (c == '}') {
      if (braces == 0) return i;
      --braces;
    }
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<StringPiece> SplitString(std::string_view source, size_t begin, size_t end,
                                     bool terminated, std::vector<StringError>* errors) {
  std::vector<StringPiece> pieces;
  size_t stop = terminated ? end - 1 : end;  // before the closing quote
  size_t i = begin + 1;
  auto text_piece = [&](size_t at) -> StringPiece& {
    if (pieces.empty() || pieces.back().is_expr) {
      pieces.push_back(StringPiece{false, "", 0, 0, at});
    }
    return pieces.back();
  };
  while (i < stop) {
    char c = source[i];
    if (c == '\\') {
      char e = i + 1 < stop ? source[i + 1] : '\0';
      // The escapes \n \t \r \\ \" \$ and what they stand for.
      static constexpr std::string_view kEscape = "ntr\\\"$", kMeaning = "\n\t\r\\\"$";
      size_t k = e == '\0' ? std::string_view::npos : kEscape.find(e);
      bool out = k != std::string_view::npos;
      if (out) {
        text_piece(i).text += kMeaning[k];
      } else {
        errors->push_back({i, e == '\0' ? "a string cannot end with a lone '\\'"
                                        : fmt::format("unknown escape '\\{}' in string "
                                                      "(known: \\n \\t \\r \\\\ \\\" \\$)",
                                                      e)});
      }
      i += 2;
      continue;
    }
    if (c == '$' && i + 1 < stop && source[i + 1] == '{') {
      size_t body = i + 2;
      size_t close = FindInterpEnd(source, body, stop);
      if (close == std::string_view::npos) {
        errors->push_back({i, "'${' is not closed by '}' in this string"});
        return pieces;
      }
      std::string_view inner = source.substr(body, close - body);
      if (inner.find_first_not_of(" \t") == std::string_view::npos) {
        errors->push_back({i, "empty interpolation '${}'"});
      } else {
        pieces.push_back(StringPiece{true, "", body, close, i});
      }
      i = close + 1;
      continue;
    }
    text_piece(i).text += c;
    ++i;
  }
  return pieces;
}

bool StartsOwnLine(std::string_view text, size_t offset) {
  while (offset > 0) {
    char c = text[offset - 1];
    if (c == '\n') return true;
    if (c != ' ' && c != '\t' && c != '\r') return false;
    --offset;
  }
  return true;
}

}  // namespace dandori::compiler
