// Private to the parser (compiler/parse*.cc, the only files that see ANTLR): the
// lexing and parsing machinery. ByteStream feeds ANTLR one char per byte (so token
// indices are byte offsets and columns byte columns); Sink turns events into located
// diagnostics; ErrorStrategy words recognition errors (parse_errors.cc); TokenFilter
// and Run lex and parse one item at a time (parse_run.cc). The tree -> AST Builder is in
// compiler/parse_builder.h.
#pragma once

#include <antlr4-runtime.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "FlowLexer.h"
#include "FlowParser.h"
#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/parse.h"

namespace dandori::compiler::parse_detail {

using antlr4::Token;
using dandori_gen::FlowLexer;
using dandori_gen::FlowParser;
using P = FlowParser;

// The source bytes as ANTLR's character stream, one char per byte, without a copy.
class ByteStream : public antlr4::CharStream {
 public:
  explicit ByteStream(std::string_view bytes) : s_(bytes) {}
  void consume() override {
    if (p_ >= s_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
    ++p_;
  }
  size_t LA(ssize_t i) override {
    if (i == 0) return 0;
    ssize_t at = static_cast<ssize_t>(p_) + (i > 0 ? i - 1 : i);
    if (at < 0 || at >= static_cast<ssize_t>(s_.size())) return antlr4::IntStream::EOF;
    return static_cast<unsigned char>(s_[static_cast<size_t>(at)]);
  }
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override { p_ = std::min(index, s_.size()); }
  size_t size() override { return s_.size(); }
  std::string getSourceName() const override { return "flow"; }
  std::string getText(const antlr4::misc::Interval& iv) override {
    if (iv.a < 0 || iv.b < iv.a || static_cast<size_t>(iv.a) >= s_.size()) return "";
    size_t a = static_cast<size_t>(iv.a);
    size_t b = std::min(static_cast<size_t>(iv.b), s_.size() - 1);
    return std::string(s_.substr(a, b - a + 1));
  }
  std::string toString() const override { return std::string(s_); }

 private:
  std::string_view s_;
  size_t p_ = 0;
};

// ------------------------------------------------------------------ diagnostics sink
class TooManyErrors : public std::exception {};

struct Sink {
  Diagnostics& diags;
  int file;
  int syntax_errors = 0;
  int last_line = -1;
  bool depth_reported = false;
  bool count_reported = false;
  bool at_end = false;  // an unterminated comment took the rest of the file

  void Syntax(int line, int col, std::string message) {
    if (line == last_line || at_end) return;  // one syntax error per line
    last_line = line;
    diags.Error(Loc{file, line, col}, "E001", std::move(message));
    if (++syntax_errors >= kMaxSyntaxErrors) {
      diags.Error(Loc{file, line, col}, "E003",
                  fmt::format("too many syntax errors ({}); stopping here", kMaxSyntaxErrors));
      throw TooManyErrors();
    }
  }
  void Error(Loc loc, const char* code, std::string message) {
    diags.Error(loc, code, std::move(message));
  }
};

// Token classes of grammar/Flow.g4.
bool IsNameToken(size_t t);  // an identifier or a contextual keyword
bool IsWordToken(size_t t);  // any word: a name or a reserved word
bool IsItemStart(size_t t);  // a token that starts a workflow item

// Reports the file ending inside a block at the '{' left open (compiler/parse_scan.h,
// FindUnclosedBrace: by indentation when that explains it). False when none is open.
bool ReportUnclosedBlock(Sink* sink, std::string_view source);

// Turns ANTLR's recognition events into one-line messages in human words.
class ErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  ErrorStrategy(Sink* sink, std::string_view source, size_t base)
      : sink_(sink), source_(source), base_(base) {}

  // Tokens before `floor` belong to earlier items (and may be freed already).
  void set_floor(size_t floor) { floor_ = floor; }

 protected:
  // Recovery also stops at the start of the next statement or at a closing brace, since
  // the driver parses one workflow item at a time (so ANTLR cannot see the follow set).
  antlr4::misc::IntervalSet getErrorRecoverySet(antlr4::Parser* p) override {
    antlr4::misc::IntervalSet set = DefaultErrorStrategy::getErrorRecoverySet(p);
    for (size_t t : {P::STAGE, P::FOREACH, P::FANOUT, P::ROLLING, P::GROUP, P::APPROVE, P::ON,
                     P::DEFAULTS, P::RBRACE, P::IMPORT, P::CONST, P::WORKFLOW}) {
      set.add(t);
    }
    return set;
  }

  void reportNoViableAlternative(antlr4::Parser* p,
                                 const antlr4::NoViableAltException& e) override {
    Unexpected(p, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportInputMismatch(antlr4::Parser* p, const antlr4::InputMismatchException& e) override {
    Unexpected(p, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportFailedPredicate(antlr4::Parser* p,
                             const antlr4::FailedPredicateException& e) override {
    Unexpected(p, e.getOffendingToken(), p->getExpectedTokens());
  }
  void reportUnwantedToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    Unexpected(p, p->getCurrentToken(), getExpectedTokens(p));
  }
  void reportMissingToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    Unexpected(p, p->getCurrentToken(), getExpectedTokens(p));
  }

 private:
  std::string Raw(Token* t) const;
  // The innermost bracket still open before token index `k`, or nullptr.
  Token* OpenBracket(antlr4::TokenStream* ts, size_t k) const;
  std::string OpenerKind(antlr4::TokenStream* ts, Token* open) const;
  void Unexpected(antlr4::Parser* p, Token* bad, const antlr4::misc::IntervalSet& expected);

  Sink* sink_;
  std::string_view source_;
  size_t base_;
  size_t floor_ = 0;
};

// Pulls tokens from the lexer on demand: comments go to `comments`, lexical errors to
// the sink, and positions are shifted to file positions for ${...} bodies.
class TokenFilter : public antlr4::TokenSource {
 public:
  TokenFilter(FlowLexer* lexer, std::string_view source, size_t base, int line, int col, Sink* sink,
              std::vector<Comment>* comments, std::set<size_t>* unterminated)
      : lexer_(lexer),
        source_(source),
        base_(base),
        line_(line),
        col_(col),
        sink_(sink),
        comments_(comments),
        unterminated_(unterminated) {}

  std::unique_ptr<Token> nextToken() override {
    for (;;) {
      std::unique_ptr<Token> t = lexer_->nextToken();
      if (Keep(static_cast<antlr4::CommonToken*>(t.get()))) return t;
    }
  }
  size_t getLine() const override { return lexer_->getLine(); }
  size_t getCharPositionInLine() override { return lexer_->getCharPositionInLine(); }
  antlr4::CharStream* getInputStream() override { return lexer_->getInputStream(); }
  std::string getSourceName() override { return lexer_->getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return lexer_->getTokenFactory();
  }

 private:
  bool Keep(antlr4::CommonToken* t);
  // The message for a byte no token starts with, at source offset `at`.
  std::string UnexpectedChar(size_t at) const;
  // When the non-ASCII character at `at` is inside a word ("café"): reports the word,
  // makes `t` (which starts the word) an ID token spanning all of it; later tokens
  // inside it are dropped. False when the character stands alone.
  bool NonAsciiWord(antlr4::CommonToken* t, size_t at);

  FlowLexer* lexer_;
  std::string_view source_;
  size_t base_;
  int line_, col_;
  Sink* sink_;
  std::vector<Comment>* comments_;
  std::set<size_t>* unterminated_;
  size_t skip_until_ = 0;
};

// A token stream that can free the tokens of items already turned into AST.
class TokenStream : public antlr4::CommonTokenStream {
 public:
  using CommonTokenStream::CommonTokenStream;
  void Release(size_t before) {
    for (; released_ < before && released_ < _tokens.size(); ++released_) {
      _tokens[released_].reset();
    }
  }

 private:
  size_t released_ = 0;
};

// Lexes and parses source[base, base + len): the whole file, or the body of one ${...}
// (then `line`/`col` give its position and tokens are shifted to file positions).
class Run {
 public:
  Run(std::string_view source, size_t base, size_t len, int line, int col, Sink* sink,
      std::vector<Comment>* comments)
      : source_(source),
        base_(base),
        sink_(sink),
        input_(source.substr(base, len)),
        lexer_(&input_),
        filter_(&lexer_, source, base, line, col, sink, comments, &unterminated_),
        tokens_(&filter_),
        parser_(&tokens_),
        strategy_(std::make_shared<ErrorStrategy>(sink, source, base)),
        bail_(std::make_shared<antlr4::BailErrorStrategy>()) {
    lexer_.removeErrorListeners();
    parser_.removeErrorListeners();
  }

  size_t base() const { return base_; }
  bool Unterminated(const Token* t) const { return unterminated_.count(t->getStartIndex()) > 0; }
  size_t LA() { return tokens_.LA(1); }
  Token* LT() { return tokens_.LT(1); }
  void Consume() { tokens_.consume(); }
  // The last token before the current one (nullptr at the start).
  Token* Previous() {
    size_t i = tokens_.index();
    return i > 0 ? tokens_.get(i - 1) : nullptr;
  }

  // Parses one item with `rule`, first frees the parse tree of the previous item.
  // SLL with bail-out first (fast, and exact for valid input); on failure, full LL with
  // the human-words error strategy and recovery.
  template <class Rule>
  auto Entry(Rule rule) -> decltype((std::declval<FlowParser&>().*rule)()) {
    LA();
    size_t start = tokens_.index();
    parser_.getTreeTracker().reset();
    tokens_.Release(start > 0 ? start - 1 : 0);
    auto* sim = parser_.getInterpreter<antlr4::atn::ParserATNSimulator>();
    sim->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    parser_.setErrorHandler(bail_);
    parser_.setState(antlr4::atn::ATNState::INVALID_STATE_NUMBER);
    try {
      return (parser_.*rule)();
    } catch (const antlr4::ParseCancellationException&) {
    }
    parser_.getTreeTracker().reset();
    tokens_.seek(start);
    sim->setPredictionMode(antlr4::atn::PredictionMode::LL);
    strategy_->set_floor(start);
    strategy_->reset(&parser_);
    parser_.setErrorHandler(strategy_);
    parser_.setState(antlr4::atn::ATNState::INVALID_STATE_NUMBER);
    auto* ctx = (parser_.*rule)();
    if (tokens_.index() == start && LA() != Token::EOF) Consume();  // always progress
    return ctx;
  }

  // Reports the current token as unexpected, then skips to a token of `stops` outside
  // any brackets (or to the end).
  void SkipUnexpected(const std::string& expected, std::initializer_list<size_t> stops);

 private:
  std::string_view source_;
  size_t base_;
  Sink* sink_;
  std::set<size_t> unterminated_;
  ByteStream input_;
  FlowLexer lexer_;
  TokenFilter filter_;
  TokenStream tokens_;
  FlowParser parser_;
  std::shared_ptr<ErrorStrategy> strategy_;
  std::shared_ptr<antlr4::BailErrorStrategy> bail_;
};

}  // namespace dandori::compiler::parse_detail
