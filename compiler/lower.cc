#include "compiler/lower.h"

#include <algorithm>
#include <set>

#include "base/sha256.h"
#include "compiler/consteval.h"
#include "compiler/emit_expr.h"
#include "proto/table_links.h"
#include "proto/table_version.h"

namespace dandori::compiler {
namespace {

constexpr int64_t kDefaultBackoffMinMs = 1000;
constexpr int64_t kDefaultBackoffMaxMs = 60000;

v1::BlockKind BlockKindOf(StmtKind k) {
  switch (k) {
    case StmtKind::kForeach:
      return v1::FOREACH;
    case StmtKind::kFanout:
      return v1::FANOUT;
    case StmtKind::kRolling:
      return v1::ROLLING;
    default:
      return v1::GROUP;
  }
}

std::string LoopKeyword(StmtKind k) {
  return k == StmtKind::kForeach ? "foreach" : k == StmtKind::kFanout ? "fanout" : "rolling";
}

void SetLoc(const Loc& l, v1::SourceLoc* out) {
  out->set_file(l.file);
  out->set_line(l.line);
  out->set_col(l.col);
}

class Lowerer {
 public:
  Lowerer(const Program& p, const SourceManager& sm)
      : p_(p), sm_(sm), pool_(&t_), emit_(p, pool_, state_) {}
  v1::Table Run();

 private:
  void Number(const std::vector<int>& body);
  int NewState(v1::StateKind kind, int parent, const Loc& loc);
  void FillNode(int n);
  void FillBlock(int n, v1::State* begin, v1::State* end);
  void ApplyPolicy(const std::optional<Policy>& p, v1::Policy* out, std::string* pool);
  void SetCount(v1::PolicyField f, const Expr* e, int64_t fallback, const Loc& at, v1::Policy* out);
  void SetMs(v1::PolicyField f, const Expr* e, int64_t fallback, const Loc& at, v1::Policy* out);
  void Bind(v1::PolicyField f, const Expr& e, const Loc& at, v1::Policy* out);
  void Need(uint32_t format) { format_ = std::max(format_, format); }
  int Completion(int n) const { return end_[n] >= 0 ? end_[n] : state_[n]; }
  void NoteType(const Type& t);

  const Program& p_;
  const SourceManager& sm_;
  v1::Table t_;
  ConstPool pool_;
  std::vector<int> state_;  // node -> its TASK / GATE / BLOCK_BEGIN state
  std::vector<int> end_;    // node -> its BLOCK_END state, or -1
  ExprEmitter emit_;
  int next_ = 0;
  std::set<std::string> types_;
  // The oldest format that says what this table means: 3 for a rolling window or keep,
  // 4 for a policy bound from parameters or a workflow's tolerate.
  uint32_t format_ = v1::kOldestTableFormatVersion;
};

void Lowerer::Number(const std::vector<int>& body) {
  for (int n : body) {
    state_[n] = next_++;
    if (IsBlock(p_.nodes[n].stmt->kind)) {
      Number(p_.children[n]);
      end_[n] = next_++;
    }
  }
}

// A policy field: the constant when the expression folds, else a binding the engine
// evaluates from the job's parameters when the job starts (format 4). Setting a field
// drops an earlier binding of it (a stage's own `timeout 5m` over `defaults`).
void Lowerer::Bind(v1::PolicyField f, const Expr& e, const Loc& at, v1::Policy* out) {
  v1::PolicyBinding* b = out->add_bound();
  b->set_field(f);
  emit_.Emit(e, b->mutable_value());
  SetLoc(at, b->mutable_loc());
  Need(4);
}

static void DropBinding(v1::PolicyField f, v1::Policy* out) {
  auto* bound = out->mutable_bound();
  for (int i = bound->size() - 1; i >= 0; --i) {
    if (bound->Get(i).field() == f) bound->DeleteSubrange(i, 1);
  }
}

void Lowerer::SetCount(v1::PolicyField f, const Expr* e, int64_t fallback, const Loc& at,
                       v1::Policy* out) {
  DropBinding(f, out);
  auto v = e ? emit_.FoldValue(*e) : std::nullopt;
  int64_t value = v && v->kind() == Value::Kind::kInt ? v->as_int() : e && !v ? 0 : fallback;
  if (e && !v) Bind(f, *e, at, out);
  if (f == v1::POLICY_RETRIES) out->set_retries(static_cast<int32_t>(value));
  if (f == v1::POLICY_TOLERATE) out->set_tolerate(static_cast<int32_t>(value));
}

void Lowerer::SetMs(v1::PolicyField f, const Expr* e, int64_t fallback, const Loc& at,
                    v1::Policy* out) {
  DropBinding(f, out);
  auto v = e ? emit_.FoldValue(*e) : std::nullopt;
  int64_t ms = !e ? fallback : v && v->kind() == Value::Kind::kDuration ? v->duration_ms() : 0;
  if (e && !v) Bind(f, *e, at, out);
  switch (f) {
    case v1::POLICY_BACKOFF_MIN:
      out->set_backoff_min_ms(ms);
      break;
    case v1::POLICY_BACKOFF_MAX:
      out->set_backoff_max_ms(ms);
      break;
    case v1::POLICY_TIMEOUT:
      out->set_timeout_ms(ms);
      break;
    case v1::POLICY_HEARTBEAT:
      out->set_heartbeat_ms(ms);
      break;
    default:
      break;
  }
}

void Lowerer::ApplyPolicy(const std::optional<Policy>& p, v1::Policy* out, std::string* pool) {
  if (!p) return;
  for (const PolicyItem& it : p->items) {
    switch (it.kind) {
      case PolicyItem::Kind::kRetry: {
        SetCount(v1::POLICY_RETRIES, it.value.get(), 0, it.loc, out);
        SetMs(v1::POLICY_BACKOFF_MIN, it.backoff_min.get(), kDefaultBackoffMinMs, it.loc, out);
        SetMs(v1::POLICY_BACKOFF_MAX, it.backoff_max.get(), kDefaultBackoffMaxMs, it.loc, out);
        out->set_jitter(it.jitter);
        out->clear_retry_on();
        for (const Ident& c : it.on) {
          if (c.name == "transient") out->add_retry_on(v1::TRANSIENT);
          if (c.name == "timeout") out->add_retry_on(v1::TIMEOUT);
          if (c.name == "lost") out->add_retry_on(v1::LOST);
        }
        if (!it.on.empty() && out->retry_on_size() == 0) {
          SetCount(v1::POLICY_RETRIES, nullptr, 0, it.loc, out);  // nothing retryable
        }
        break;
      }
      case PolicyItem::Kind::kTimeout:
        SetMs(v1::POLICY_TIMEOUT, it.value.get(), 0, it.loc, out);
        break;
      case PolicyItem::Kind::kHeartbeat:
        SetMs(v1::POLICY_HEARTBEAT, it.value.get(), 0, it.loc, out);
        break;
      case PolicyItem::Kind::kPool:
        if (pool) *pool = it.pool;
        break;
      case PolicyItem::Kind::kTolerate:
        break;  // on blocks, see FillBlock
    }
  }
}

int Lowerer::NewState(v1::StateKind kind, int parent, const Loc& loc) {
  v1::State* s = t_.add_states();
  s->set_index(t_.states_size() - 1);
  s->set_kind(kind);
  s->set_parent(parent);
  SetLoc(loc, s->mutable_loc());
  return s->index();
}

void Lowerer::NoteType(const Type& t) {
  if (t.kind == Type::Kind::kList && t.elem) NoteType(*t.elem);
  if (t.kind == Type::Kind::kRecord && !t.name.empty()) types_.insert(t.name);
}

// A state's own content; its transitions come from v1::LinkTransitions, which reads the
// dependencies written here (a block's completion is its END).
void Lowerer::FillNode(int n) {
  const Node& node = p_.nodes[n];
  const Stmt& st = *node.stmt;
  v1::State* s = t_.mutable_states(state_[n]);
  s->set_name(st.kind == StmtKind::kStage || st.kind == StmtKind::kApprove ||
                      st.kind == StmtKind::kGroup
                  ? st.name
                  : LoopKeyword(st.kind) + " " + st.var);
  for (int d : node.deps) s->add_deps(Completion(d));
  if (st.when) emit_.Emit(*st.when, s->mutable_when());
  if (st.kind == StmtKind::kStage) {
    s->set_op(st.op);
    std::string pool;
    ApplyPolicy(p_.workflow->defaults, s->mutable_policy(), &pool);
    ApplyPolicy(st.policy, s->mutable_policy(), &pool);
    s->set_pool(pool);
    if (node.sig) {
      s->set_output_type(node.sig->output->ToString());
      NoteType(*node.sig->output);
      // Arguments in signature order; omitted ones take the signature's default.
      std::vector<const Expr*> given(node.sig->args.size(), nullptr);
      size_t positional = 0;
      for (const Arg& a : st.args) {
        const ArgSpec* spec =
            a.name.empty() ? &node.sig->args[positional++] : node.sig->FindArg(a.name);
        given[spec - node.sig->args.data()] = a.value.get();
      }
      std::vector<std::string> names;
      std::vector<const Expr*> values;
      std::vector<Value> fallback;
      for (size_t i = 0; i < node.sig->args.size(); ++i) {
        const ArgSpec& spec = node.sig->args[i];
        if (!given[i] && !spec.default_value) continue;
        names.push_back(spec.name);
        values.push_back(given[i]);
        fallback.push_back(spec.default_value ? *spec.default_value : Value::Null());
      }
      emit_.EmitRecord(names, values, fallback, s->mutable_args());
      std::string src = st.op + "(";
      for (size_t i = 0; i < st.args.size(); ++i) {
        src += (i ? ", " : "") + (st.args[i].name.empty() ? "" : st.args[i].name + ": ") +
               ExprText(*st.args[i].value);
      }
      s->mutable_args()->set_source(src + ")");
    }
  } else if (st.kind == StmtKind::kApprove) {
    s->set_output_type(ApproveOutputType()->ToString());
    if (st.message) emit_.Emit(*st.message, s->mutable_message());
  } else {
    v1::State* end = t_.mutable_states(end_[n]);
    FillBlock(n, s, end);
    end->set_name(s->name());
    for (int c : p_.children[n]) FillNode(c);
  }
}

void Lowerer::FillBlock(int n, v1::State* begin, v1::State* end) {
  const Stmt& st = *p_.nodes[n].stmt;
  v1::Block* b = begin->mutable_block();
  b->set_kind(BlockKindOf(st.kind));
  b->set_var(st.var);
  if (st.items) emit_.Emit(*st.items, b->mutable_items());
  auto fold = [&](const ExprPtr& e) { return e ? emit_.FoldValue(*e) : std::nullopt; };
  if (auto v = fold(st.parallel); v && v->kind() == Value::Kind::kInt) {
    b->set_parallel(static_cast<int32_t>(v->as_int()));
  }
  if (auto v = fold(st.batch)) {
    if (v->kind() == Value::Kind::kPercent) b->set_batch_percent(v->percent());
    if (v->kind() == Value::Kind::kInt) b->set_batch(static_cast<int32_t>(v->as_int()));
  }
  if (auto v = fold(st.window)) {
    if (v->kind() == Value::Kind::kPercent) b->set_window_percent(v->percent());
    if (v->kind() == Value::Kind::kInt) b->set_window(static_cast<int32_t>(v->as_int()));
    Need(3);
  }
  if (auto v = fold(st.keep)) {
    b->set_has_keep(true);
    if (v->kind() == Value::Kind::kPercent) b->set_keep_percent(v->percent());
    if (v->kind() == Value::Kind::kInt) b->set_keep(static_cast<int32_t>(v->as_int()));
    Need(3);
  }
  const Expr* tol = st.tolerate.get();
  if (st.policy) {
    for (const PolicyItem& it : st.policy->items) {
      if (it.kind == PolicyItem::Kind::kTolerate) tol = it.value.get();
    }
  }
  b->set_tolerate(-1);
  if (auto v = tol ? emit_.FoldValue(*tol) : std::nullopt) {
    b->set_has_tolerate(true);
    if (v->kind() == Value::Kind::kPercent) b->set_tolerate_percent(v->percent());
    if (v->kind() == Value::Kind::kInt) b->set_tolerate(static_cast<int32_t>(v->as_int()));
  } else if (tol) {
    Bind(v1::POLICY_TOLERATE, *tol, tol->loc, begin->mutable_policy());  // sets has_tolerate
  }
  b->set_end(end_[n]);
  b->set_begin(state_[n]);
  *end->mutable_block() = *b;
  end->mutable_block()->clear_items();
  ApplyPolicy(st.policy, begin->mutable_policy(), nullptr);
}

v1::Table Lowerer::Run() {
  const Workflow& w = *p_.workflow;
  t_.set_workflow(w.name);
  t_.set_compiler_version(v1::kDandoriVersion);
  for (int f = 0; f < sm_.size(); ++f) t_.add_files(sm_.path(f));
  t_.set_source_sha256(Sha256Hex(sm_.text(p_.main->file)));
  state_.assign(p_.nodes.size(), -1);
  end_.assign(p_.nodes.size(), -1);

  // Indices: body, on failure (begin, body, end), on success (same), SUCCEED, FAIL.
  Number(p_.root_children[0]);
  int hb[3] = {-1, -1, -1}, he[3] = {-1, -1, -1};
  for (int r : {1, 2}) {
    if (!p_.handlers[r]) continue;
    hb[r] = next_++;
    Number(p_.root_children[r]);
    he[r] = next_++;
  }
  int succeed = next_++, fail = next_++;
  for (int i = 0; i < next_; ++i) NewState(v1::STATE_KIND_UNSPECIFIED, -1, Loc{});
  t_.set_succeed(succeed);
  t_.set_fail(fail);
  t_.set_on_failure(hb[1]);
  t_.set_on_success(hb[2]);

  // Kinds, parents and locations first, so that FillNode can link freely.
  auto place = [&](auto&& self, const std::vector<int>& body, int parent) -> void {
    for (int n : body) {
      const Stmt& st = *p_.nodes[n].stmt;
      v1::State* s = t_.mutable_states(state_[n]);
      s->set_parent(parent);
      SetLoc(st.name_loc.valid() && !IsLoop(st.kind) ? st.name_loc : st.loc, s->mutable_loc());
      s->set_kind(st.kind == StmtKind::kStage     ? v1::TASK
                  : st.kind == StmtKind::kApprove ? v1::GATE
                                                  : v1::BLOCK_BEGIN);
      if (end_[n] >= 0) {
        v1::State* e = t_.mutable_states(end_[n]);
        e->set_kind(v1::BLOCK_END);
        e->set_parent(parent);
        SetLoc(st.loc, e->mutable_loc());
        self(self, p_.children[n], state_[n]);
      }
    }
  };
  place(place, p_.root_children[0], -1);
  for (int r : {1, 2}) {
    if (hb[r] < 0) continue;
    place(place, p_.root_children[r], hb[r]);
    for (int s : {hb[r], he[r]}) {
      v1::State* st = t_.mutable_states(s);
      st->set_kind(s == hb[r] ? v1::BLOCK_BEGIN : v1::BLOCK_END);
      st->set_name(r == 1 ? "on failure" : "on success");
      SetLoc(p_.handlers[r]->loc, st->mutable_loc());
      v1::Block* b = st->mutable_block();
      b->set_kind(r == 1 ? v1::ON_FAILURE : v1::ON_SUCCESS);
      b->set_end(he[r]);
      b->set_begin(hb[r]);
      b->set_tolerate(-1);
    }
  }
  t_.mutable_states(succeed)->set_kind(v1::SUCCEED);
  t_.mutable_states(succeed)->set_name("succeed");
  t_.mutable_states(fail)->set_kind(v1::FAIL);
  t_.mutable_states(fail)->set_name("fail");
  SetLoc(w.loc, t_.mutable_states(succeed)->mutable_loc());
  SetLoc(w.loc, t_.mutable_states(fail)->mutable_loc());

  for (int n : p_.root_children[0]) FillNode(n);
  for (int r : {1, 2}) {
    if (hb[r] < 0) continue;
    for (int n : p_.root_children[r]) FillNode(n);
  }
  v1::LinkTransitions(&t_);

  for (size_t i = 0; i < w.params.size(); ++i) {
    const Param& prm = w.params[i];
    v1::Param* out = t_.add_params();
    out->set_name(prm.name);
    out->set_type(prm.type_text);
    out->set_required(!prm.default_value);
    if (prm.default_value) emit_.Emit(*prm.default_value, out->mutable_default_value());
    SetLoc(prm.loc, out->mutable_loc());
    if (i < p_.param_types.size() && p_.param_types[i]) NoteType(*p_.param_types[i]);
  }
  ApplyPolicy(w.policy, t_.mutable_policy(), nullptr);
  if (w.policy) {
    for (const PolicyItem& it : w.policy->items) {
      if (it.kind != PolicyItem::Kind::kTolerate || !it.value) continue;
      SetCount(v1::POLICY_TOLERATE, it.value.get(), 0, it.loc, t_.mutable_policy());
      Need(4);  // an older engine would ignore the run's failure budget
    }
  }
  for (const std::string& name : types_) t_.add_named_types(name);
  // The oldest format that says what this table means, so an engine that reads only
  // format 2 still runs the tables that need nothing newer and refuses the others.
  t_.set_format_version(format_);
  return std::move(t_);
}

}  // namespace

v1::Table Lower(const Program& program, const SourceManager& sm) {
  return Lowerer(program, sm).Run();
}

}  // namespace dandori::compiler
