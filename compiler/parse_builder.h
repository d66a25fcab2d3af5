// Private to the parser (compiler/parse*.cc): the Builder that turns ANTLR's parse tree
// into the AST of compiler/ast.h. Items, statements and policies are built in
// parse_build.cc; expressions and literals (precedence climbing, string interpolation)
// in parse_expr.cc. Expression depth is tracked while building and capped at
// kMaxExprDepth so that every later recursive pass is bounded too.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/parse_run.h"

namespace dandori::compiler::parse_detail {

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
  void TopItem(P::TopItemContext* item, File* out);
  Workflow WorkflowHead(P::WorkflowHeadContext* w);
  void WorkflowItem(P::WorkflowItemContext* item, Workflow* out);
  void WorkflowTail(P::WorkflowTailContext* tail, Workflow* out);
  ExprPtr BuildExprOnly(P::ExprOnlyContext* c);

 private:
  // ---------------------------------------------------------------- helpers
  Loc L(Token* t) const {
    if (!t) return Loc{file_, 0, 0};
    return Loc{file_, static_cast<int>(t->getLine()),
               static_cast<int>(t->getCharPositionInLine()) + 1};
  }
  Loc L(antlr4::tree::TerminalNode* n) const { return n ? L(n->getSymbol()) : Loc{file_, 0, 0}; }
  Loc L(antlr4::ParserRuleContext* c) const { return c ? L(c->getStart()) : Loc{file_, 0, 0}; }
  std::string Name(P::NameContext* n) const { return n ? Text(n) : ""; }
  std::string Name(P::FieldNameContext* n) const { return n ? Text(n) : ""; }
  // The tokens' text of a subtree, as ParseTree::getText gives it, without the
  // std::stringstream that costs ANTLR's version a tenth of the parse.
  static std::string Text(antlr4::tree::ParseTree* t) {
    std::string out;
    AppendText(t, &out);
    return out;
  }
  static void AppendText(antlr4::tree::ParseTree* t, std::string* out) {
    if (auto* leaf = dynamic_cast<antlr4::tree::TerminalNode*>(t)) {
      *out += leaf->getSymbol()->getText();
      return;
    }
    for (antlr4::tree::ParseTree* c : t->children) AppendText(c, out);
  }
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
  Built Cap(Built b);
  Built Binary(Token* op, std::string text, Built lhs, Built rhs);
  Built Unary(Token* op, std::string text, Built operand);
  bool CountStatement(Loc loc);
  std::string TypeText(P::TypeExprContext* t);

  // ---------------------------------------------------------------- statements
  Handler BuildHandler(P::HandlerContext* h);
  std::vector<StmtPtr> BuildBlock(P::BlockContext* b);
  StmtPtr BuildStmt(P::StmtContext* c);
  void Loop(P::NameContext* var, P::ExprContext* items, P::BlockContext* body,
            P::PolicyBlockContext* policy, Stmt* s);
  void After(P::AfterClauseContext* a, Stmt* s);
  Policy BuildPolicy(P::PolicyBlockContext* b);

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
  static int Prec(size_t t);
  Built Expr(P::ExprContext* c);
  // Operands from cur.next joined by operators of precedence >= min_prec; the first
  // operand's prefix operators are read from index `prefix`.
  Built Climb(Cursor& cur, int min_prec, size_t prefix);
  // One operand with its prefix operators from index `i`: '-' binds tightest, 'not'
  // takes a whole comparison.
  Built Prefixed(Cursor& cur, size_t i);
  static std::vector<Token*> Prefixes(P::OperandContext* c);
  Built Postfix(P::OperandContext* c);
  Built Primary(P::PrimaryContext* c);

  // ---------------------------------------------------------------- literals
  Built Int(Token* t);
  Built Float(Token* t);
  Built Unit(Token* t);
  Built Percent(Token* t);
  // A string token: plain, or interpolated (each ${...} parsed as an expression).
  Built String(Token* t);

  std::string_view source_;
  Sink* sink_;
  Run* run_;
  int file_;
  size_t statements_ = 0;
};

}  // namespace dandori::compiler::parse_detail
