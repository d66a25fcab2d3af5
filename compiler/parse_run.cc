// Lexing and parsing one item at a time: the token filter (comments, lexical errors,
// positions of ${...} bodies) and the recovery of Run::SkipUnexpected.
#include <algorithm>
#include <cctype>
#include <string>

#include "compiler/parse_run.h"
#include "compiler/parse_scan.h"

namespace dandori::compiler::parse_detail {

bool TokenFilter::Keep(antlr4::CommonToken* t) {
  size_t l = t->getLine();
  t->setCharPositionInLine(l == 1 ? t->getCharPositionInLine() + col_ - 1
                                  : t->getCharPositionInLine());
  t->setLine(l + line_ - 1);
  int line = static_cast<int>(t->getLine());
  int col = static_cast<int>(t->getCharPositionInLine()) + 1;
  size_t at = base_ + t->getStartIndex();
  if (at < skip_until_) return false;  // the rest of a word NonAsciiWord made one name
  switch (t->getType()) {
    case P::LINE_COMMENT:
    case P::BLOCK_COMMENT:
      if (!comments_) {
        sink_->Error(Loc{sink_->file, line, col}, "E005",
                     "comments are not allowed inside '${...}'");
        return false;
      }
      comments_->push_back(
          Comment{Loc{sink_->file, line, col},
                  std::string(source_.substr(at, t->getStopIndex() + 1 - t->getStartIndex())),
                  StartsOwnLine(source_, at)});
      return false;
    case P::UNTERMINATED_COMMENT:
      sink_->Syntax(line, col, "unterminated comment: '/*' has no matching '*/'");
      sink_->at_end = true;  // the comment ran to the end: what is missing after it is no news
      return false;
    case P::UNTERMINATED_STRING:
      sink_->Syntax(line, col, "unterminated string: '\"' has no closing quote on its line");
      t->setType(P::STRING);
      unterminated_->insert(t->getStartIndex());
      return true;
    case P::ERROR_CHAR:
      // A letter such as 'é' in a word: names are ASCII (docs/language.md, "Names").
      if (static_cast<unsigned char>(source_[at]) >= 0x80 && NonAsciiWord(t, at)) {
        return true;
      }
      sink_->Syntax(line, col, UnexpectedChar(at));
      return false;
    case P::ID: {
      size_t end = base_ + t->getStopIndex() + 1;
      if (end < source_.size() && static_cast<unsigned char>(source_[end]) >= 0x80) {
        NonAsciiWord(t, end);
      }
      return true;
    }
    default:
      return true;
  }
}

namespace {

bool IsNameByte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// “ ” ‘ ’ (U+201C, U+201D, U+2018, U+2019), as text copied from a document has them.
bool IsTypographicQuote(std::string_view s) {
  return s.starts_with("\xE2\x80\x9C") || s.starts_with("\xE2\x80\x9D") ||
         s.starts_with("\xE2\x80\x98") || s.starts_with("\xE2\x80\x99");
}

}  // namespace

bool TokenFilter::NonAsciiWord(antlr4::CommonToken* t, size_t at) {
  size_t a = base_ + t->getStartIndex(), b = at;  // the word starts with the token
  while (b < source_.size() && IsNameByte(static_cast<unsigned char>(source_[b]))) ++b;
  size_t first = a;  // the first non-ASCII character
  while (static_cast<unsigned char>(source_[first]) < 0x80) ++first;
  size_t n = 1;
  while (first + n < b && (source_[first + n] & 0xC0) == 0x80) ++n;
  std::string_view ch = source_.substr(first, n);
  if (b - a <= n || ch == "\xEF\xBB\xBF" || IsTypographicQuote(ch)) return false;  // not a word
  sink_->Syntax(
      static_cast<int>(t->getLine()), static_cast<int>(t->getCharPositionInLine()) + 1,
      fmt::format("'{}' is not a valid name: names are ASCII letters, digits and '_' ('{}' is "
                  "not one); other text belongs in a string",
                  source_.substr(a, b - a), ch));
  // The whole word is one name from here on, so the rest of the file reads as written.
  t->setType(P::ID);
  t->setText(std::string(source_.substr(a, b - a)));
  t->setStopIndex(b - 1 - base_);
  skip_until_ = b;
  return true;
}

std::string TokenFilter::UnexpectedChar(size_t at) const {
  unsigned char c = static_cast<unsigned char>(source_[at]);
  if (c < 0x80) {
    return c >= 0x20 && c < 0x7f ? fmt::format("unexpected character '{}'", static_cast<char>(c))
                                 : fmt::format("unexpected character byte 0x{:02x}", c);
  }
  if (source_.substr(at, 3) == "\xEF\xBB\xBF") {
    return "unexpected UTF-8 byte-order mark (U+FEFF); it is allowed only at the start of the file";
  }
  size_t n = 1;
  while (at + n < source_.size() && (source_[at + n] & 0xC0) == 0x80) ++n;
  if (IsTypographicQuote(source_.substr(at))) {
    return fmt::format("unexpected typographic quote '{}'; strings are written with '\"'",
                       source_.substr(at, n));
  }
  return fmt::format("unexpected character '{}'", source_.substr(at, n));
}

void Run::SkipUnexpected(const std::string& expected, std::initializer_list<size_t> stops) {
  Token* t = LT();
  std::string text = t->getType() == Token::EOF ? "end of file" : "'" + t->getText() + "'";
  if (text.size() > 32) text = text.substr(0, 28) + "...'";
  sink_->Syntax(static_cast<int>(t->getLine()), static_cast<int>(t->getCharPositionInLine()) + 1,
                fmt::format("unexpected {}; expected {}", text, expected));
  int depth = 0;
  Consume();
  for (size_t type = LA(); type != Token::EOF; type = LA()) {
    if (depth == 0 && std::find(stops.begin(), stops.end(), type) != stops.end()) return;
    if (type == P::LPAREN || type == P::LBRACK || type == P::LBRACE) ++depth;
    if ((type == P::RPAREN || type == P::RBRACK || type == P::RBRACE) && depth > 0) --depth;
    Consume();
  }
}

}  // namespace dandori::compiler::parse_detail
