// The parse adapter: the only code that sees ANTLR. It validates and pre-scans the
// bytes (limits), lexes, parses (SLL first, full LL with human error messages when SLL
// fails) and turns the parse tree into the AST of compiler/ast.h.
//
// ANTLR is fed one char per byte (ByteStream), so token indices are byte offsets and
// columns are byte columns, and the text of strings and comments is read from the
// original bytes (never through ANTLR's UTF-32 conversion).
#include "compiler/parse.h"

#include <antlr4-runtime.h>

#include <charconv>
#include <set>

#include <fmt/format.h>

#include "FlowLexer.h"
#include "FlowParser.h"
#include "base/literal.h"
#include "compiler/parse_scan.h"

namespace dandori::compiler {
namespace {

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

  void Syntax(int line, int col, std::string message) {
    if (line == last_line) return;  // one syntax error per line
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

// ------------------------------------------------------------------ error messages
bool IsNameToken(size_t t) {
  switch (t) {
    case P::ID:
    case P::FAILURE:
    case P::SUCCESS:
    case P::ALL:
    case P::PARALLEL:
    case P::BATCH:
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
    if (IsNameToken(t) || (any_word && IsWordToken(t))) {
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
  std::string Raw(Token* t) const {
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

  // The innermost bracket still open before token index `k`, or nullptr.
  Token* OpenBracket(antlr4::TokenStream* ts, size_t k) const {
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

  std::string OpenerKind(antlr4::TokenStream* ts, Token* open) const {
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

  void Unexpected(antlr4::Parser* p, Token* bad, const antlr4::misc::IntervalSet& expected) {
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
      std::string where = fmt::format("the {} opened at {}:{}", OpenerKind(ts, open),
                                      open->getLine(), open->getCharPositionInLine() + 1);
      bool missing = bad->getType() == Token::EOF || (prev && bad->getLine() > prev->getLine()) ||
                     bad->getType() == P::STAGE || bad->getType() == P::RBRACE;
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
    sink_->Syntax(line, col,
                  fmt::format("unexpected {}; expected {}", Raw(bad),
                              Describe(expected, p->getVocabulary(), base_ > 0)));
  }

  Sink* sink_;
  std::string_view source_;
  size_t base_;
  size_t floor_ = 0;
};

// ------------------------------------------------------------------ one parse run
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
  bool Keep(antlr4::CommonToken* t) {
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

  FlowLexer* lexer_;
  std::string_view source_;
  size_t base_;
  int line_, col_;
  Sink* sink_;
  std::vector<Comment>* comments_;
  std::set<size_t>* unterminated_;
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
  void SkipUnexpected(const std::string& expected, std::initializer_list<size_t> stops) {
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

// ------------------------------------------------------------------ tree -> AST
// An expression under construction with the depth of its tree (kept below
// kMaxExprDepth so that later recursive passes are bounded too).
struct Built {
  ExprPtr e;
  int depth = 1;
};

class Builder {
 public:
  Builder(std::string_view source, Sink* sink, Run* run)
      : source_(source), sink_(sink), run_(run), file_(sink->file) {}

  // ---------------------------------------------------------------- pieces
  void TopItem(P::TopItemContext* item, File* out) {
    if (!item) return;
    if (auto* i = item->importDecl()) {
      if (!i->STRING()) return;
      Token* t = i->STRING()->getSymbol();
      ExprPtr path = String(t).e;
      out->imports.push_back(Import{path->kind == ExprKind::kString ? path->text : "", L(t)});
    } else if (auto* k = item->constDecl()) {
      out->consts.push_back(ConstDecl{Name(k->name()), L(k->name()), Expr(k->expr()).e});
    }
  }

  Workflow WorkflowHead(P::WorkflowHeadContext* w) {
    Workflow out;
    if (!w) return out;
    out.loc = L(w->WORKFLOW());
    out.name = Name(w->name());
    out.name_loc = L(w->name());
    if (auto* pl = w->paramList()) {
      for (P::ParamContext* p : pl->param()) {
        Param param;
        param.name = Name(p->name());
        param.loc = L(p->name());
        param.type_text = TypeText(p->typeExpr());
        param.type_loc = L(p->typeExpr());
        if (p->expr()) param.default_value = Expr(p->expr()).e;
        out.params.push_back(std::move(param));
      }
    }
    return out;
  }

  void WorkflowItem(P::WorkflowItemContext* item, Workflow* out) {
    if (!item) return;
    if (item->DEFAULTS()) {
      if (out->defaults) {
        Misplaced(L(item), fmt::format("a workflow has one defaults block; the first is at {}:{}",
                                       out->defaults->loc.line, out->defaults->loc.col));
        return;
      }
      out->defaults = BuildPolicy(item->policyBlock());
    } else if (item->handler()) {
      out->handlers.push_back(BuildHandler(item->handler()));
    } else if (item->stmt()) {
      if (StmtPtr s = BuildStmt(item->stmt())) out->body.push_back(std::move(s));
    }
  }

  void WorkflowTail(P::WorkflowTailContext* tail, Workflow* out) {
    if (!tail) return;
    out->body_end = L(tail->RBRACE());
    if (tail->policyBlock()) out->policy = BuildPolicy(tail->policyBlock());
  }

  ExprPtr BuildExprOnly(P::ExprOnlyContext* c) {
    if (!c || !c->expr()) return Null(Loc{file_, 1, 1});
    return Expr(c->expr()).e;
  }

 private:
  // ---------------------------------------------------------------- helpers
  Loc L(Token* t) const {
    if (!t) return Loc{file_, 0, 0};
    return Loc{file_, static_cast<int>(t->getLine()),
               static_cast<int>(t->getCharPositionInLine()) + 1};
  }
  Loc L(antlr4::tree::TerminalNode* n) const { return n ? L(n->getSymbol()) : Loc{file_, 0, 0}; }
  Loc L(antlr4::ParserRuleContext* c) const { return c ? L(c->getStart()) : Loc{file_, 0, 0}; }
  std::string Name(P::NameContext* n) const { return n ? n->getText() : ""; }
  std::string Name(P::FieldNameContext* n) const { return n ? n->getText() : ""; }
  std::string Raw(Token* t) const {
    size_t a = t->getStartIndex(), b = t->getStopIndex();
    if (b < a || run_->base() + b >= source_.size()) return "";
    return std::string(source_.substr(run_->base() + a, b - a + 1));
  }
  void Misplaced(Loc loc, std::string message) { sink_->Error(loc, "E006", std::move(message)); }
  ExprPtr Null(Loc loc) const {
    auto e = std::make_unique<dandori::compiler::Expr>();
    e->kind = ExprKind::kNull;
    e->loc = loc;
    return e;
  }
  static Built Make(ExprKind kind, Loc loc, std::string text = "") {
    Built b;
    b.e = std::make_unique<dandori::compiler::Expr>();
    b.e->kind = kind;
    b.e->loc = loc;
    b.e->text = std::move(text);
    return b;
  }
  // Adds a child, tracking depth; past the limit the whole node becomes null.
  void Add(Built& parent, Built child) {
    parent.depth = std::max(parent.depth, child.depth + 1);
    parent.e->items.push_back(std::move(child.e));
  }
  Built Cap(Built b) {
    if (b.depth <= kMaxExprDepth) return b;
    if (!sink_->depth_reported) {
      sink_->depth_reported = true;
      sink_->Error(b.e->loc, "E003",
                   fmt::format("expression nested deeper than {} levels", kMaxExprDepth));
    }
    return Built{Null(b.e->loc), 1};
  }
  Built Binary(Token* op, std::string text, Built lhs, Built rhs) {
    Built b = Make(ExprKind::kBinary, L(op), std::move(text));
    Add(b, std::move(lhs));
    Add(b, std::move(rhs));
    return Cap(std::move(b));
  }
  Built Unary(Token* op, std::string text, Built operand) {
    Built b = Make(ExprKind::kUnary, L(op), std::move(text));
    Add(b, std::move(operand));
    return Cap(std::move(b));
  }
  bool CountStatement(Loc loc) {
    if (++statements_ <= kMaxStatements) return true;
    if (!sink_->count_reported) {
      sink_->count_reported = true;
      sink_->Error(loc, "E003", fmt::format("more than {} statements in one file", kMaxStatements));
    }
    return false;
  }

  std::string TypeText(P::TypeExprContext* t) {
    if (!t) return "";
    if (t->LBRACE()) {
      std::string out = "{";
      for (P::TypeFieldContext* f : t->typeField()) {
        if (out.size() > 1) out += ", ";
        out += Name(f->name()) + (f->QUESTION() ? "?" : "") + ": " + TypeText(f->typeExpr());
      }
      return out + "}";
    }
    std::string out = Name(t->name());
    if (!t->typeExpr().empty()) {
      out += "<";
      for (size_t i = 0; i < t->typeExpr().size(); ++i) {
        if (i > 0) out += ", ";
        out += TypeText(t->typeExpr(i));
      }
      out += ">";
    }
    return out;
  }

  Handler BuildHandler(P::HandlerContext* h) {
    Handler out;
    out.on_failure = h->FAILURE() != nullptr;
    out.loc = L(h->ON());
    if (h->block()) {
      out.body = BuildBlock(h->block());
      out.end = L(h->block()->RBRACE());
    }
    return out;
  }

  std::vector<StmtPtr> BuildBlock(P::BlockContext* b) {
    std::vector<StmtPtr> out;
    if (!b) return out;
    for (P::BlockItemContext* item : b->blockItem()) {
      if (item->handler()) {
        Misplaced(L(item), fmt::format("'on {}' belongs at the top level of the workflow, not "
                                       "inside a block",
                                       item->handler()->FAILURE() ? "failure" : "success"));
      } else if (StmtPtr s = BuildStmt(item->stmt())) {
        out.push_back(std::move(s));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- statements
  StmtPtr BuildStmt(P::StmtContext* c) {
    if (!c || !CountStatement(L(c))) return nullptr;
    auto s = std::make_unique<Stmt>();
    s->loc = L(c);
    if (auto* st = c->stageStmt()) {
      s->kind = StmtKind::kStage;
      s->name = Name(st->name());
      s->name_loc = L(st->name());
      if (auto* op = st->opName()) {
        s->op = op->getText();
        s->op_loc = L(op);
      }
      s->args_open = L(st->LPAREN());
      if (auto* al = st->argList()) {
        for (P::ArgContext* a : al->arg()) {
          Arg arg;
          if (a->name()) {
            arg.name = Name(a->name());
            arg.name_loc = L(a->name());
          }
          arg.value = Expr(a->expr()).e;
          s->args.push_back(std::move(arg));
        }
      }
      After(st->afterClause(), s.get());
      if (st->whenClause()) s->when = Expr(st->whenClause()->expr()).e;
      if (st->policyBlock()) s->policy = BuildPolicy(st->policyBlock());
    } else if (auto* f = c->foreachStmt()) {
      s->kind = StmtKind::kForeach;
      Loop(f->name(), f->expr(0), f->block(), f->policyBlock(), s.get());
      if (f->PARALLEL()) s->parallel = Expr(f->expr(1)).e;
    } else if (auto* f = c->fanoutStmt()) {
      s->kind = StmtKind::kFanout;
      Loop(f->name(), f->expr(0), f->block(), f->policyBlock(), s.get());
      if (auto* pv = f->parallelValue()) {
        s->parallel_all = pv->ALL() != nullptr;
        if (pv->expr()) s->parallel = Expr(pv->expr()).e;
      }
      if (f->TOLERATE()) s->tolerate = Expr(f->expr(1)).e;
    } else if (auto* r = c->rollingStmt()) {
      s->kind = StmtKind::kRolling;
      Loop(r->name(), r->expr(0), r->block(), r->policyBlock(), s.get());
      if (r->BATCH()) s->batch = Expr(r->expr(1)).e;
      if (r->TOLERATE()) s->tolerate = Expr(r->expr(2)).e;
    } else if (auto* g = c->groupStmt()) {
      s->kind = StmtKind::kGroup;
      s->name = Name(g->name());
      s->name_loc = L(g->name());
      s->body = BuildBlock(g->block());
      if (g->block()) s->body_end = L(g->block()->RBRACE());
      if (g->policyBlock()) s->policy = BuildPolicy(g->policyBlock());
    } else if (auto* a = c->approveStmt()) {
      s->kind = StmtKind::kApprove;
      s->name = Name(a->name());
      s->name_loc = L(a->name());
      if (a->expr()) s->message = Expr(a->expr()).e;
      After(a->afterClause(), s.get());
      if (a->whenClause()) s->when = Expr(a->whenClause()->expr()).e;
    } else {
      return nullptr;
    }
    return s;
  }

  void Loop(P::NameContext* var, P::ExprContext* items, P::BlockContext* body,
            P::PolicyBlockContext* policy, Stmt* s) {
    s->var = Name(var);
    s->var_loc = L(var);
    s->items = Expr(items).e;
    s->body = BuildBlock(body);
    if (body) s->body_end = L(body->RBRACE());
    if (policy) s->policy = BuildPolicy(policy);
  }

  void After(P::AfterClauseContext* a, Stmt* s) {
    if (!a) return;
    for (P::NameContext* n : a->name()) s->after.push_back(Ident{Name(n), L(n)});
  }

  Policy BuildPolicy(P::PolicyBlockContext* b) {
    Policy out;
    if (!b) return out;
    out.loc = L(b);
    out.end = L(b->RBRACE());
    for (P::PolicyItemContext* item : b->policyItem()) {
      PolicyItem p;
      p.loc = L(item);
      if (auto* r = dynamic_cast<P::RetryPolicyContext*>(item)) {
        p.kind = PolicyItem::Kind::kRetry;
        p.value = Expr(r->expr(0)).e;
        if (r->BACKOFF()) {
          p.backoff_min = Expr(r->expr(1)).e;
          p.backoff_max = Expr(r->expr(2)).e;
        }
        p.jitter = r->JITTER() != nullptr;
        for (P::NameContext* n : r->name()) p.on.push_back(Ident{Name(n), L(n)});
      } else if (auto* t = dynamic_cast<P::TimeoutPolicyContext*>(item)) {
        p.kind = PolicyItem::Kind::kTimeout;
        p.value = Expr(t->expr()).e;
      } else if (auto* h = dynamic_cast<P::HeartbeatPolicyContext*>(item)) {
        p.kind = PolicyItem::Kind::kHeartbeat;
        p.value = Expr(h->expr()).e;
      } else if (auto* tl = dynamic_cast<P::ToleratePolicyContext*>(item)) {
        p.kind = PolicyItem::Kind::kTolerate;
        p.value = Expr(tl->expr()).e;
      } else if (auto* pl = dynamic_cast<P::PoolPolicyContext*>(item)) {
        p.kind = PolicyItem::Kind::kPool;
        p.pool = Name(pl->name());
      } else {
        continue;
      }
      out.items.push_back(std::move(p));
    }
    return out;
  }

  // ---------------------------------------------------------------- expressions
  // The parse tree holds `operand (op operand)*`; precedence is applied here by
  // precedence climbing. Recursion depth is bounded by the number of levels per
  // prefix operator, and prefix runs are capped.
  struct Cursor {
    std::vector<P::OperandContext*> operands;
    std::vector<P::BinaryOpContext*> ops;
    size_t next = 0;  // the operand to read next
  };
  static constexpr int kCmpPrec = 4;
  static int Prec(size_t t) {
    switch (t) {
      case P::OR:
        return 1;
      case P::AND:
        return 2;
      case P::EQ:
      case P::NE:
      case P::LT:
      case P::LE:
      case P::GT:
      case P::GE:
      case P::IN:
        return kCmpPrec;
      case P::PLUS:
      case P::MINUS:
        return 5;
      default:
        return 6;  // * / %
    }
  }

  Built Expr(P::ExprContext* c) {
    if (!c || c->operand().empty()) return Built{Null(L(c)), 1};
    Cursor cur{c->operand(), c->binaryOp()};
    return Climb(cur, 1, 0);
  }

  // Operands from cur.next joined by operators of precedence >= min_prec; the first
  // operand's prefix operators are read from index `prefix`.
  Built Climb(Cursor& cur, int min_prec, size_t prefix) {
    Built lhs = Prefixed(cur, prefix);
    while (cur.next > 0 && cur.next - 1 < cur.ops.size() && cur.next < cur.operands.size()) {
      P::BinaryOpContext* op = cur.ops[cur.next - 1];
      int prec = Prec(op->getStart()->getType());
      if (prec < min_prec) break;
      Built rhs = Climb(cur, prec + 1, 0);
      lhs = Binary(op->getStart(), op->getText(), std::move(lhs), std::move(rhs));
      if (prec == kCmpPrec && cur.next - 1 < cur.ops.size() && cur.next < cur.operands.size() &&
          Prec(cur.ops[cur.next - 1]->getStart()->getType()) == kCmpPrec) {
        Token* t = cur.ops[cur.next - 1]->getStart();
        sink_->Syntax(static_cast<int>(t->getLine()),
                      static_cast<int>(t->getCharPositionInLine()) + 1,
                      "comparisons cannot be chained; write 'a < b and b < c'");
      }
    }
    return lhs;
  }

  // One operand with its prefix operators from index `i`: '-' binds tightest, 'not'
  // takes a whole comparison.
  Built Prefixed(Cursor& cur, size_t i) {
    if (cur.next >= cur.operands.size()) return Built{Null(Loc{file_, 0, 0}), 1};
    P::OperandContext* operand = cur.operands[cur.next];
    std::vector<Token*> prefixes = Prefixes(operand);
    if (prefixes.size() > static_cast<size_t>(kMaxExprDepth)) {
      ++cur.next;
      return Cap(Built{Null(L(operand)), kMaxExprDepth + 1});
    }
    if (i >= prefixes.size()) {
      ++cur.next;
      return Postfix(operand);
    }
    Token* op = prefixes[i];
    if (op->getType() == P::MINUS) return Unary(op, "-", Prefixed(cur, i + 1));
    return Unary(op, "not", Climb(cur, kCmpPrec, i + 1));
  }

  static std::vector<Token*> Prefixes(P::OperandContext* c) {
    std::vector<Token*> out;
    for (antlr4::tree::ParseTree* child : c->children) {
      auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child);
      if (!t) break;
      out.push_back(t->getSymbol());
    }
    return out;
  }

  Built Postfix(P::OperandContext* c) {
    if (!c) return Built{Null(L(c)), 1};
    Built acc = Primary(c->primary());
    for (P::PostfixOpContext* op : c->postfixOp()) {
      if (auto* f = dynamic_cast<P::FieldOpContext*>(op)) {
        if (!f->fieldName()) continue;
        if (acc.e->kind == ExprKind::kName && acc.e->text == "env" && !acc.e->parenthesized) {
          // env.NAME: an environment variable of the engine.
          acc.e->kind = ExprKind::kEnv;
          acc.e->text = Name(f->fieldName());
          continue;
        }
        Built b = Make(ExprKind::kField, L(f->fieldName()), Name(f->fieldName()));
        Add(b, std::move(acc));
        acc = Cap(std::move(b));
      } else if (auto* a = dynamic_cast<P::AllOpContext*>(op)) {
        if (acc.e->kind != ExprKind::kName || acc.e->parenthesized) {
          sink_->Syntax(static_cast<int>(a->getStart()->getLine()),
                        static_cast<int>(a->getStart()->getCharPositionInLine()) + 1,
                        "'[*]' follows a stage name: 'encode[*]' is every result of the "
                        "stage 'encode' inside a loop");
          continue;
        }
        acc.e->kind = ExprKind::kAll;
      } else if (auto* ix = dynamic_cast<P::IndexOpContext*>(op)) {
        Built b = Make(ExprKind::kIndex, L(ix->getStart()));
        Add(b, std::move(acc));
        Add(b, Expr(ix->expr()));
        acc = Cap(std::move(b));
      }
    }
    return acc;
  }

  Built Primary(P::PrimaryContext* c) {
    if (!c) return Built{Null(L(c)), 1};
    Token* t = c->getStart();
    if (dynamic_cast<P::IntLitContext*>(c)) return Int(t);
    if (dynamic_cast<P::FloatLitContext*>(c)) return Float(t);
    if (dynamic_cast<P::UnitLitContext*>(c)) return Unit(t);
    if (dynamic_cast<P::PercentLitContext*>(c)) return Percent(t);
    if (dynamic_cast<P::StringLitContext*>(c)) return String(t);
    if (dynamic_cast<P::TrueLitContext*>(c) || dynamic_cast<P::FalseLitContext*>(c)) {
      Built b = Make(ExprKind::kBool, L(t));
      b.e->bool_value = t->getType() == P::KW_TRUE;
      return b;
    }
    if (dynamic_cast<P::NullLitContext*>(c)) return Make(ExprKind::kNull, L(t));
    if (auto* n = dynamic_cast<P::NameExprContext*>(c)) {
      return Make(ExprKind::kName, L(n->name()), Name(n->name()));
    }
    if (auto* call = dynamic_cast<P::CallExprContext*>(c)) {
      Built b = Make(ExprKind::kCall, L(call->name()), Name(call->name()));
      for (P::ExprContext* a : call->expr()) Add(b, Expr(a));
      return Cap(std::move(b));
    }
    if (auto* p = dynamic_cast<P::ParenExprContext*>(c)) {
      Built b = Expr(p->expr());
      b.e->parenthesized = true;
      return b;
    }
    if (auto* l = dynamic_cast<P::ListExprContext*>(c)) {
      Built b = Make(ExprKind::kList, L(t));
      for (P::ExprContext* a : l->expr()) Add(b, Expr(a));
      return Cap(std::move(b));
    }
    if (auto* r = dynamic_cast<P::RecordExprContext*>(c)) {
      Built b = Make(ExprKind::kRecord, L(t));
      for (P::RecordFieldContext* f : r->recordField()) {
        if (f->STRING()) {
          Built key = String(f->STRING()->getSymbol());
          if (key.e->kind != ExprKind::kString) {
            sink_->Error(key.e->loc, "E005", "a record key cannot contain '${...}'");
          }
          b.e->keys.push_back(key.e->text);
          b.e->key_locs.push_back(L(f->STRING()));
        } else {
          b.e->keys.push_back(Name(f->fieldName()));
          b.e->key_locs.push_back(L(f->fieldName()));
        }
        Add(b, Expr(f->expr()));
      }
      return Cap(std::move(b));
    }
    return Built{Null(L(t)), 1};
  }

  // ---------------------------------------------------------------- literals
  Built Int(Token* t) {
    Built b = Make(ExprKind::kInt, L(t));
    std::string text = Raw(t);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), b.e->int_value);
    if (ec != std::errc() || p != text.data() + text.size()) {
      sink_->Error(b.e->loc, "E004", fmt::format("integer '{}' is too large", text));
    }
    return b;
  }
  Built Float(Token* t) {
    Built b = Make(ExprKind::kFloat, L(t));
    std::string text = Raw(t);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), b.e->float_value);
    if (ec != std::errc() || p != text.data() + text.size()) {
      sink_->Error(b.e->loc, "E004", fmt::format("number '{}' is out of range", text));
    }
    return b;
  }
  Built Unit(Token* t) {
    std::string text = Raw(t);
    if (auto d = ParseDurationLiteral(text); d.ok()) {
      Built b = Make(ExprKind::kDuration, L(t), text);
      b.e->int_value = *d;
      return b;
    }
    if (auto s = ParseSizeLiteral(text); s.ok()) {
      Built b = Make(ExprKind::kSize, L(t), text);
      b.e->int_value = *s;
      return b;
    }
    Built b = Make(ExprKind::kDuration, L(t), text);
    std::string why = ParseDurationLiteral(text).status().message();
    if (why.find("too large") == std::string::npos) {
      why = ParseSizeLiteral(text).status().message();
    }
    if (why.find("too large") != std::string::npos) {
      sink_->Error(b.e->loc, "E004", fmt::format("'{}' is too large", text));
    } else {
      sink_->Error(b.e->loc, "E004",
                   fmt::format("invalid literal '{}': write a duration like 250ms, 10s, 2m "
                               "or 1h30m, or a size like 128k, 8M, 512KB or 50GB",
                               text));
    }
    return b;
  }
  Built Percent(Token* t) {
    std::string text = Raw(t);
    Built b = Make(ExprKind::kPercent, L(t), text);
    if (auto p = ParsePercentLiteral(text); p.ok()) {
      b.e->float_value = *p;
    } else {
      sink_->Error(b.e->loc, "E004", fmt::format("invalid percentage '{}'", text));
    }
    return b;
  }

  // A string token: plain, or interpolated (each ${...} parsed as an expression).
  Built String(Token* t) {
    Loc loc = L(t);
    if (t->getStartIndex() == INVALID_INDEX || t->getStopIndex() < t->getStartIndex() ||
        run_->base() + t->getStopIndex() >= source_.size()) {
      return Make(ExprKind::kString, loc);  // a token made up by error recovery
    }
    size_t begin = run_->base() + t->getStartIndex();
    size_t end = run_->base() + t->getStopIndex() + 1;
    std::vector<StringError> errors;
    std::vector<StringPiece> pieces =
        SplitString(source_, begin, end, !run_->Unterminated(t), &errors);
    auto at = [&](size_t offset) {
      return Loc{file_, loc.line, loc.col + static_cast<int>(offset - begin)};
    };
    for (const StringError& e : errors) sink_->Error(at(e.offset), "E005", e.message);
    bool interp = false;
    for (const StringPiece& p : pieces) interp = interp || p.is_expr;
    if (!interp) {
      Built b = Make(ExprKind::kString, loc, pieces.empty() ? "" : pieces[0].text);
      return b;
    }
    Built b = Make(ExprKind::kInterp, loc);
    for (const StringPiece& p : pieces) {
      if (!p.is_expr) {
        Add(b, Make(ExprKind::kString, at(p.offset), p.text));
        continue;
      }
      Loc inner = at(p.begin);
      Run sub(source_, p.begin, p.end - p.begin, inner.line, inner.col, sink_, nullptr);
      P::ExprOnlyContext* tree = sub.Entry(&FlowParser::exprOnly);
      Run* saved = run_;
      run_ = &sub;
      Built e = tree && tree->expr() ? Expr(tree->expr()) : Built{Null(inner), 1};
      run_ = saved;
      Add(b, std::move(e));
    }
    return Cap(std::move(b));
  }

  std::string_view source_;
  Sink* sink_;
  Run* run_;
  int file_;
  size_t statements_ = 0;
};

// The checks that run before any lexing: size, encoding, nesting.
bool Precheck(std::string_view text, Sink* sink) {
  if (text.size() > kMaxFileBytes) {
    sink->Error(Loc{sink->file, 1, 1}, "E003",
                fmt::format("file is {} bytes; the limit is {} bytes (10 MiB)", text.size(),
                            kMaxFileBytes));
    return false;
  }
  BytePos where;
  std::string message;
  if (!ValidateText(text, &where, &message)) {
    sink->Error(Loc{sink->file, where.line, where.col}, "E002", message);
    return false;
  }
  if (!CheckNesting(text, kMaxNesting, &where)) {
    sink->Error(
        Loc{sink->file, where.line, where.col}, "E003",
        fmt::format("nesting deeper than {} levels of brackets, braces or '${{'", kMaxNesting));
    return false;
  }
  return true;
}

// Drives the entry rules item by item (see grammar/Flow.g4) and builds the File.
class Driver {
 public:
  Driver(std::string_view text, Sink* sink)
      : sink_(sink),
        run_(text, 0, text.size(), 1, 1, sink, &comments_),
        builder_(text, sink, &run_) {}

  std::unique_ptr<File> Parse() {
    auto out = std::make_unique<File>();
    out->file = sink_->file;
    for (size_t t = run_.LA(); t != Token::EOF; t = run_.LA()) {
      if (t == P::IMPORT || t == P::CONST) {
        builder_.TopItem(run_.Entry(&FlowParser::topItem), out.get());
      } else if (t == P::WORKFLOW) {
        Workflow w = ParseWorkflow();
        if (out->workflow) {
          sink_->Error(
              w.loc, "E006",
              fmt::format("a file holds one workflow; '{}' is declared at {}:{}",
                          out->workflow->name, out->workflow->loc.line, out->workflow->loc.col));
        } else {
          out->workflow = std::move(w);
        }
      } else {
        run_.SkipUnexpected("'import', 'const' or 'workflow'", {P::IMPORT, P::CONST, P::WORKFLOW});
      }
    }
    out->comments = std::move(comments_);
    return out;
  }

 private:
  Workflow ParseWorkflow() {
    P::WorkflowHeadContext* head = run_.Entry(&FlowParser::workflowHead);
    Workflow w = builder_.WorkflowHead(head);
    Token* open = head && head->LBRACE() ? head->LBRACE()->getSymbol() : nullptr;
    int open_line = open ? static_cast<int>(open->getLine()) : 0;
    int open_col = open ? static_cast<int>(open->getCharPositionInLine()) + 1 : 0;
    bool opened = open && open->getTokenIndex() != INVALID_INDEX;
    for (;;) {
      size_t t = run_.LA();
      if (t == P::RBRACE) {
        builder_.WorkflowTail(run_.Entry(&FlowParser::workflowTail), &w);
        return w;
      }
      if (t == Token::EOF) {
        Token* prev = run_.Previous();
        if (opened && prev) {
          sink_->Syntax(
              static_cast<int>(prev->getLine()),
              static_cast<int>(prev->getCharPositionInLine() + prev->getStopIndex() -
                               prev->getStartIndex()) +
                  2,
              fmt::format("expected '}}' to close the block opened at {}:{}", open_line, open_col));
        }
        return w;
      }
      if (IsItemStart(t)) {
        builder_.WorkflowItem(run_.Entry(&FlowParser::workflowItem), &w);
      } else {
        run_.SkipUnexpected("a stage, foreach, fanout, rolling, group or approve",
                            {P::STAGE, P::FOREACH, P::FANOUT, P::ROLLING, P::GROUP, P::APPROVE,
                             P::ON, P::DEFAULTS, P::RBRACE});
      }
    }
  }

  Sink* sink_;
  std::vector<Comment> comments_;
  Run run_;
  Builder builder_;
};

}  // namespace

std::unique_ptr<File> ParseFile(const SourceManager& sm, int file, Diagnostics& diags) {
  std::string_view text = sm.text(file);
  Sink sink{diags, file};
  auto empty = [&] {
    auto out = std::make_unique<File>();
    out->file = file;
    return out;
  };
  if (!Precheck(text, &sink)) return empty();
  try {
    Driver driver(text, &sink);
    return driver.Parse();
  } catch (const TooManyErrors&) {
    return empty();
  } catch (const std::exception& e) {
    diags.Error(Loc{file, 1, 1}, "E003", fmt::format("the parser gave up: {}", e.what()));
    return empty();
  }
}

ExprPtr ParseExpression(const SourceManager& sm, int file, Diagnostics& diags) {
  std::string_view text = sm.text(file);
  Sink sink{diags, file};
  auto null = [&] {
    auto e = std::make_unique<Expr>();
    e->loc = Loc{file, 1, 1};
    return e;
  };
  if (!Precheck(text, &sink)) return null();
  try {
    std::vector<Comment> comments;
    Run run(text, 0, text.size(), 1, 1, &sink, &comments);
    P::ExprOnlyContext* tree = run.Entry(&FlowParser::exprOnly);
    Builder builder(text, &sink, &run);
    return builder.BuildExprOnly(tree);
  } catch (const TooManyErrors&) {
    return null();
  } catch (const std::exception& e) {
    diags.Error(Loc{file, 1, 1}, "E003", fmt::format("the parser gave up: {}", e.what()));
    return null();
  }
}

}  // namespace dandori::compiler
