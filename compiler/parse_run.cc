// Lexing and parsing one item at a time: the token filter (comments, lexical errors,
// positions of ${...} bodies) and the recovery of Run::SkipUnexpected.
#include <algorithm>
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
      return false;
    case P::UNTERMINATED_STRING:
      sink_->Syntax(line, col, "unterminated string: '\"' has no closing quote on its line");
      t->setType(P::STRING);
      unterminated_->insert(t->getStartIndex());
      return true;
    case P::ERROR_CHAR: {
      unsigned char c = static_cast<unsigned char>(source_[at]);
      std::string shown = c >= 0x20 && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c))
                                                : fmt::format("byte 0x{:02x}", c);
      if (c >= 0x80) {
        size_t n = 1;
        while (at + n < source_.size() && (source_[at + n] & 0xC0) == 0x80) ++n;
        shown = fmt::format("'{}'", source_.substr(at, n));
      }
      sink_->Syntax(line, col, fmt::format("unexpected character {}", shown));
      return false;
    }
    default:
      return true;
  }
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
