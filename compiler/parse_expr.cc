// Parse tree -> AST for expressions: precedence climbing over `operand (op operand)*`,
// postfix operators, primaries, literals (durations, sizes, percentages) and strings
// with ${...} interpolation (each body lexed and parsed by its own Run).
#include <charconv>
#include <string>
#include <vector>

#include "base/literal.h"
#include "compiler/parse_builder.h"
#include "compiler/parse_scan.h"

namespace dandori::compiler::parse_detail {

int Builder::Prec(size_t t) {
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

Built Builder::Expr(P::ExprContext* c) {
  if (!c || c->operand().empty()) return Built{Null(L(c)), 1};
  Cursor cur{c->operand(), c->binaryOp()};
  return Climb(cur, 1, 0);
}

Built Builder::Climb(Cursor& cur, int min_prec, size_t prefix) {
  Built lhs = Prefixed(cur, prefix);
  while (cur.next > 0 && cur.next - 1 < cur.ops.size() && cur.next < cur.operands.size()) {
    P::BinaryOpContext* op = cur.ops[cur.next - 1];
    int prec = Prec(op->getStart()->getType());
    if (prec < min_prec) break;
    Built rhs = Climb(cur, prec + 1, 0);
    lhs = Binary(op->getStart(), op->getStart()->getText(), std::move(lhs), std::move(rhs));
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

Built Builder::Prefixed(Cursor& cur, size_t i) {
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

std::vector<Token*> Builder::Prefixes(P::OperandContext* c) {
  std::vector<Token*> out;
  for (antlr4::tree::ParseTree* child : c->children) {
    auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child);
    if (!t) break;
    out.push_back(t->getSymbol());
  }
  return out;
}

Built Builder::Postfix(P::OperandContext* c) {
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

Built Builder::Primary(P::PrimaryContext* c) {
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
Built Builder::Int(Token* t) {
  Built b = Make(ExprKind::kInt, L(t));
  std::string text = Raw(t);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), b.e->int_value);
  if (ec != std::errc() || p != text.data() + text.size()) {
    sink_->Error(b.e->loc, "E004", fmt::format("integer '{}' is too large", text));
  }
  return b;
}
Built Builder::Float(Token* t) {
  Built b = Make(ExprKind::kFloat, L(t));
  std::string text = Raw(t);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), b.e->float_value);
  if (ec != std::errc() || p != text.data() + text.size()) {
    sink_->Error(b.e->loc, "E004", fmt::format("number '{}' is out of range", text));
  }
  return b;
}
Built Builder::Unit(Token* t) {
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
Built Builder::Percent(Token* t) {
  std::string text = Raw(t);
  Built b = Make(ExprKind::kPercent, L(t), text);
  if (auto p = ParsePercentLiteral(text); p.ok()) {
    b.e->float_value = *p;
  } else {
    sink_->Error(b.e->loc, "E004", fmt::format("invalid percentage '{}'", text));
  }
  return b;
}

Built Builder::String(Token* t) {
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

}  // namespace dandori::compiler::parse_detail
