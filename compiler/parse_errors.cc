// The parser's error messages: ANTLR's recognition events turned into one-line
// messages in human words ("expected ')' to close the argument list opened at 3:14").
#include <string>
#include <vector>

#include "compiler/parse_run.h"
#include "compiler/parse_scan.h"

namespace dandori::compiler::parse_detail {
namespace {

std::string Describe(const antlr4::misc::IntervalSet& s, const antlr4::dfa::Vocabulary& v,
                     bool interp) {
  auto has = [&](size_t t) { return s.contains(t); };
  // After '.' or in a record key every word is a name, reserved words included.
  bool any_word = has(P::ID) && has(P::STAGE) && has(P::KW_NULL) && !has(P::INT);
  if (!any_word && has(P::STAGE) && has(P::FOREACH)) {
    return "a stage, foreach, fanout, rolling, group or approve";
  }
  if (has(P::INT) && has(P::STRING) && has(P::LPAREN)) return "an expression";
  if (has(P::RETRY) && has(P::POOL) && !has(P::ID)) {
    return "a policy (retry, timeout, heartbeat, tolerate or pool)";
  }
  if (!any_word && has(P::IMPORT) && has(P::WORKFLOW)) return "'import', 'const' or 'workflow'";
  std::vector<std::string> items;
  bool name = false;
  for (size_t t : s.toList()) {
    // A keyword that is also a name (`serving`) is "a name" only where any name fits.
    if ((IsNameToken(t) && has(P::ID)) || (any_word && IsWordToken(t))) {
      if (!name) items.insert(items.begin(), "a name");
      name = true;
    } else if (t == Token::EOF) {
      items.push_back(interp ? "the end of '${...}'" : "end of file");
    } else if (t == P::STRING) {
      items.push_back("a string");
    } else {
      std::string lit = v.getLiteralName(t);
      items.push_back(lit.empty() ? v.getDisplayName(t) : lit);
    }
  }
  if (items.size() > 6) {
    items.resize(6);
    items.push_back("...");
  }
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out.empty() ? "something else" : out;
}

size_t CloserOf(size_t t) {
  return t == P::LPAREN ? P::RPAREN : t == P::LBRACK ? P::RBRACK : P::RBRACE;
}

}  // namespace

bool IsNameToken(size_t t) {
  switch (t) {
    case P::ID:
    case P::FAILURE:
    case P::SUCCESS:
    case P::ALL:
    case P::PARALLEL:
    case P::BATCH:
    case P::WINDOW:
    case P::KEEP:
    case P::SERVING:
    case P::TOLERATE:
    case P::AFTER:
    case P::WHEN:
    case P::RETRY:
    case P::BACKOFF:
    case P::JITTER:
    case P::TIMEOUT:
    case P::HEARTBEAT:
    case P::POOL:
    case P::DEFAULTS:
      return true;
    default:
      return false;
  }
}

// Any word: a name or a reserved word (both are field names and record keys).
// The reserved words are the lexer's first tokens, WORKFLOW through KW_NULL.
static_assert(P::WORKFLOW == 1 && P::KW_NULL == 17, "reserved words moved in grammar/Flow.g4");
bool IsWordToken(size_t t) { return IsNameToken(t) || (t >= P::WORKFLOW && t <= P::KW_NULL); }

bool IsItemStart(size_t t) {
  switch (t) {
    case P::STAGE:
    case P::FOREACH:
    case P::FANOUT:
    case P::ROLLING:
    case P::GROUP:
    case P::APPROVE:
    case P::ON:
    case P::DEFAULTS:
      return true;
    default:
      return false;
  }
}

bool ReportUnclosedBlock(Sink* sink, std::string_view source) {
  UnclosedBrace u;
  if (!FindUnclosedBrace(source, &u)) return false;
  std::string message = fmt::format("expected '}}' to close {} opened at {}:{}",
                                    BlockKindAt(source, u.open.offset), u.open.line, u.open.col);
  if (u.by_indent) {
    message +=
        fmt::format("; the closing brace at {}:{} is indented like line {}, so it closes {}",
                    u.closer.line, u.closer.col, u.outer.line, BlockKindAt(source, u.outer.offset));
  }
  sink->Syntax(u.open.line, u.open.col, std::move(message));
  return true;
}

std::string ErrorStrategy::Raw(Token* t) const {
  if (t->getType() == Token::EOF) return base_ > 0 ? "end of '${...}'" : "end of file";
  size_t a = t->getStartIndex(), b = t->getStopIndex();
  if (b < a || base_ + b >= source_.size()) return "'" + t->getText() + "'";
  std::string text(source_.substr(base_ + a, b - a + 1));
  if (text.size() > 30) {
    size_t cut = 27;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut) + "...";
  }
  return "'" + text + "'";
}

Token* ErrorStrategy::OpenBracket(antlr4::TokenStream* ts, size_t k) const {
  int depth = 0;
  for (size_t i = k; i-- > floor_;) {
    if (!ts->get(i)) return nullptr;
    size_t t = ts->get(i)->getType();
    if (t == P::RPAREN || t == P::RBRACK || t == P::RBRACE) ++depth;
    if (t == P::LPAREN || t == P::LBRACK || t == P::LBRACE) {
      if (depth == 0) return ts->get(i);
      --depth;
    }
  }
  return nullptr;
}

std::string ErrorStrategy::OpenerKind(antlr4::TokenStream* ts, Token* open) const {
  size_t i = open->getTokenIndex();
  auto type_at = [&](long j) -> size_t {
    if (j < 0 || static_cast<size_t>(j) >= ts->size()) return Token::INVALID_TYPE;
    Token* t = ts->get(static_cast<size_t>(j));
    return t ? t->getType() : Token::INVALID_TYPE;
  };
  long k = static_cast<long>(i);
  size_t prev = type_at(k - 1);
  switch (open->getType()) {
    case P::LPAREN:
      if (IsNameToken(prev) && type_at(k - 2) == P::WORKFLOW) return "parameter list";
      return IsNameToken(prev) ? "argument list" : "parentheses";
    case P::LBRACK:
      if (prev == P::ON) return "list of error classes";
      if (IsNameToken(prev) || prev == P::RPAREN || prev == P::RBRACK) return "index";
      return "list";
    default: {
      size_t next = type_at(k + 1);
      if ((IsWordToken(next) || next == P::STRING) && type_at(k + 2) == P::COLON) {
        return "record";
      }
      if (next == P::RETRY || next == P::TIMEOUT || next == P::HEARTBEAT || next == P::TOLERATE ||
          next == P::POOL) {
        return "policy block";
      }
      return "block";
    }
  }
}

void ErrorStrategy::Unexpected(antlr4::Parser* p, Token* bad,
                               const antlr4::misc::IntervalSet& expected) {
  if (!bad) bad = p->getCurrentToken();
  antlr4::TokenStream* ts = p->getTokenStream();
  size_t k = bad->getTokenIndex();
  Token* prev = k > 0 && k != INVALID_INDEX ? ts->get(k - 1) : nullptr;
  Token* open = k != INVALID_INDEX ? OpenBracket(ts, k) : nullptr;
  int line = static_cast<int>(bad->getLine());
  int col = static_cast<int>(bad->getCharPositionInLine()) + 1;
  bool category = expected.contains(static_cast<size_t>(P::STAGE)) ||
                  (expected.contains(static_cast<size_t>(P::RETRY)) &&
                   !expected.contains(static_cast<size_t>(P::ID))) ||
                  expected.contains(static_cast<size_t>(P::INT));
  size_t type = bad->getType();
  bool closer_missing = type == Token::EOF || (prev && bad->getLine() > prev->getLine()) ||
                        ((type == P::RPAREN || type == P::RBRACK || type == P::RBRACE) && open &&
                         type != CloserOf(open->getType()));
  if (open && expected.contains(CloserOf(open->getType())) && (!category || closer_missing)) {
    std::string closer = CloserOf(open->getType()) == P::RPAREN   ? "')'"
                         : CloserOf(open->getType()) == P::RBRACK ? "']'"
                                                                  : "'}'";
    std::string kind = OpenerKind(ts, open);
    std::string where = fmt::format("the {} opened at {}:{}", kind, open->getLine(),
                                    open->getCharPositionInLine() + 1);
    bool missing = bad->getType() == Token::EOF || (prev && bad->getLine() > prev->getLine()) ||
                   bad->getType() == P::STAGE || bad->getType() == P::RBRACE;
    if (bad->getType() == Token::EOF && base_ == 0 && (kind == "block" || kind == "policy block") &&
        ReportUnclosedBlock(sink_, source_)) {
      return;
    }
    if (missing && prev) {
      // Point just after the last token written.
      sink_->Syntax(static_cast<int>(prev->getLine()),
                    static_cast<int>(prev->getCharPositionInLine() + prev->getStopIndex() -
                                     prev->getStartIndex()) +
                        2,
                    fmt::format("expected {} to close {}", closer, where));
      return;
    }
    std::string alt = expected.contains(static_cast<size_t>(P::COMMA)) ? "',' or " : "";
    sink_->Syntax(
        line, col,
        fmt::format("unexpected {}; expected {}{} to close {}", Raw(bad), alt, closer, where));
    return;
  }
  // `stage foreach = ...`: a reserved word right after the keyword that names something.
  size_t before = prev ? prev->getType() : Token::INVALID_TYPE;
  const char* what = before == P::STAGE ? "a stage"
                     : before == P::FOREACH || before == P::FANOUT || before == P::ROLLING
                         ? "a loop variable"
                     : before == P::GROUP    ? "a group"
                     : before == P::APPROVE  ? "an approval gate"
                     : before == P::CONST    ? "a const"
                     : before == P::WORKFLOW ? "a workflow"
                                             : nullptr;
  if (what && IsWordToken(type) && !IsNameToken(type)) {
    sink_->Syntax(line, col,
                  fmt::format("{} is a reserved word and cannot name {}; choose another name",
                              Raw(bad), what));
    return;
  }
  sink_->Syntax(line, col,
                fmt::format("unexpected {}; expected {}", Raw(bad),
                            Describe(expected, p->getVocabulary(), base_ > 0)));
}

}  // namespace dandori::compiler::parse_detail
