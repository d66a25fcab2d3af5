// Parse tree -> AST for the items of a file: imports, consts, the workflow's head,
// items and tail, statements, blocks, handlers and policies.
#include <string>
#include <vector>

#include "compiler/parse_builder.h"

namespace dandori::compiler::parse_detail {

void Builder::TopItem(P::TopItemContext* item, File* out) {
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

Workflow Builder::WorkflowHead(P::WorkflowHeadContext* w) {
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

void Builder::WorkflowItem(P::WorkflowItemContext* item, Workflow* out) {
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

void Builder::WorkflowTail(P::WorkflowTailContext* tail, Workflow* out) {
  if (!tail) return;
  out->body_end = L(tail->RBRACE());
  if (tail->policyBlock()) out->policy = BuildPolicy(tail->policyBlock());
}

ExprPtr Builder::BuildExprOnly(P::ExprOnlyContext* c) {
  if (!c || !c->expr()) return Null(Loc{file_, 1, 1});
  return Expr(c->expr()).e;
}

Built Builder::Cap(Built b) {
  if (b.depth <= kMaxExprDepth) return b;
  if (!sink_->depth_reported) {
    sink_->depth_reported = true;
    sink_->Error(b.e->loc, "E003",
                 fmt::format("expression nested deeper than {} levels", kMaxExprDepth));
  }
  return Built{Null(b.e->loc), 1};
}
Built Builder::Binary(Token* op, std::string text, Built lhs, Built rhs) {
  Built b = Make(ExprKind::kBinary, L(op), std::move(text));
  Add(b, std::move(lhs));
  Add(b, std::move(rhs));
  return Cap(std::move(b));
}
Built Builder::Unary(Token* op, std::string text, Built operand) {
  Built b = Make(ExprKind::kUnary, L(op), std::move(text));
  Add(b, std::move(operand));
  return Cap(std::move(b));
}
bool Builder::CountStatement(Loc loc) {
  if (++statements_ <= kMaxStatements) return true;
  if (!sink_->count_reported) {
    sink_->count_reported = true;
    sink_->Error(loc, "E003", fmt::format("more than {} statements in one file", kMaxStatements));
  }
  return false;
}

std::string Builder::TypeText(P::TypeExprContext* t) {
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

Handler Builder::BuildHandler(P::HandlerContext* h) {
  Handler out;
  out.on_failure = h->FAILURE() != nullptr;
  out.loc = L(h->ON());
  if (h->block()) {
    out.body = BuildBlock(h->block());
    out.end = L(h->block()->RBRACE());
  }
  return out;
}

std::vector<StmtPtr> Builder::BuildBlock(P::BlockContext* b) {
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
StmtPtr Builder::BuildStmt(P::StmtContext* c) {
  if (!c || !CountStatement(L(c))) return nullptr;
  auto s = std::make_unique<Stmt>();
  s->loc = L(c);
  if (auto* st = c->stageStmt()) {
    s->kind = StmtKind::kStage;
    s->name = Name(st->name());
    s->name_loc = L(st->name());
    if (auto* op = st->opName()) {
      s->op = Text(op);
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
    size_t e = 1;  // the header's expressions in order: batch|window, keep, tolerate
    if (r->BATCH()) s->batch = Expr(r->expr(e++)).e;
    if (r->WINDOW()) s->window = Expr(r->expr(e++)).e;
    if (r->KEEP()) s->keep = Expr(r->expr(e++)).e;
    if (r->TOLERATE()) s->tolerate = Expr(r->expr(e++)).e;
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

void Builder::Loop(P::NameContext* var, P::ExprContext* items, P::BlockContext* body,
                   P::PolicyBlockContext* policy, Stmt* s) {
  s->var = Name(var);
  s->var_loc = L(var);
  s->items = Expr(items).e;
  s->body = BuildBlock(body);
  if (body) s->body_end = L(body->RBRACE());
  if (policy) s->policy = BuildPolicy(policy);
}

void Builder::After(P::AfterClauseContext* a, Stmt* s) {
  if (!a) return;
  for (P::NameContext* n : a->name()) s->after.push_back(Ident{Name(n), L(n)});
}

Policy Builder::BuildPolicy(P::PolicyBlockContext* b) {
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

}  // namespace dandori::compiler::parse_detail
