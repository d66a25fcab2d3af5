#include "engine/plan.h"

#include "engine/block_rules.h"
#include "engine/rolling_limit.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>

#include "base/value_ops.h"
#include "proto/block_kind.h"

namespace dandori::engine {
namespace {

// What is known while planning one instance of a body.
struct Frame {
  const Frame* parent = nullptr;
  int block = -1;
  Value var;
  std::map<int, Value> outputs;  // stages whose output is known (plan-safe operators)
};

class PlanScope final : public EvalScope {
 public:
  PlanScope(const Program& p, const Value& params, const Frame* f)
      : p_(p), params_(params), f_(f) {}
  Result<Value> Param(int i) override {
    const auto& rec = params_.record();
    if (i < 0 || i >= static_cast<int>(rec.size())) return Status::Invalid("bad parameter");
    return rec[i].second;
  }
  Result<Value> Var(int b) override {
    for (const Frame* f = f_; f; f = f->parent) {
      if (f->block == b) return f->var;
    }
    return Status::NotFound("loop variable");
  }
  Result<Value> Stage(int s) override {
    for (const Frame* f = f_; f; f = f->parent) {
      auto it = f->outputs.find(s);
      if (it != f->outputs.end()) return it->second;
    }
    return Status::NotFound("known only when running");
  }
  Result<Value> StageAll(int) override { return Status::NotFound("known only when running"); }
  Result<Value> Env(std::string_view name) override {
    const char* v = std::getenv(std::string(name).c_str());
    return v ? Value::String(v) : Value();
  }
  Result<Value> Error() override { return Value(); }

 private:
  const Program& p_;
  const Value& params_;
  const Frame* f_;
};

std::string KindName(const ProgramState& s) {
  switch (s.kind) {
    case v1::TASK:
      return "stage";
    case v1::GATE:
      return "approve";
    case v1::BLOCK_BEGIN:
      return v1::BlockKindWord(s.block.kind());
    default:
      return "state";
  }
}

class Planner {
 public:
  Planner(const Program& p, const Value& params, const OperatorRegistry* reg, std::string workdir,
          const PlanFigures* figures, SimTree* tree)
      : p_(p),
        params_(params),
        reg_(reg),
        workdir_(std::move(workdir)),
        figs_(figures),
        tree_(tree),
        zero_(DurationModel::Fixed(0, "")) {}

  // A recorded loop instance: the branch of `node` it fills in after the simulation.
  struct Recorded {
    PlanNode* node;
    size_t branch;
  };
  const std::vector<Recorded>& recorded() const { return recorded_; }
  // The operators' models used, by name (for the figures listing).
  const std::map<std::string, DurationModel>& models() const { return models_; }

  // Plans one instance of body `block` into `nodes` (merged by position across
  // instances); returns its schedule's node in the SimTree.
  int Body(int block, Frame* frame, std::vector<PlanNode>* nodes) {
    const auto& body = p_.Body(block);
    if (nodes->empty()) {
      for (int s : body) {
        PlanNode n;
        n.state = s;
        n.kind = KindName(p_.states[s]);
        n.name = p_.states[s].name;
        n.op = p_.states[s].op;
        nodes->push_back(std::move(n));
      }
    }
    SimTree::Node b;
    b.kind = SimTree::Kind::kBody;
    for (size_t i = 0; i < body.size(); ++i) {
      b.kids.push_back(State(body[i], frame, &(*nodes)[i]));
      b.deps.push_back(p_.states[body[i]].deps);
    }
    return tree_->Add(std::move(b));
  }

 private:
  // The model of operator `op` (figures first, then its signature's estimate).
  const DurationModel* ModelOf(const ProgramState& ps) {
    auto it = models_.find(ps.op);
    if (it != models_.end()) return &it->second;
    if (figs_) {
      auto f = figs_->ops.find(ps.op);
      if (f != figs_->ops.end()) return &models_.emplace(ps.op, f->second).first->second;
    }
    int64_t est = ps.sig ? ps.sig->estimate_ms : 1000;
    return &models_.emplace(ps.op, DurationModel::Fixed(est, "estimate")).first->second;
  }

  double RunsOf(const std::string& op) const {
    if (!figs_) return 1;
    auto it = figs_->runs.find(op);
    return it == figs_->runs.end() ? 1 : it->second;
  }

  int Task(int s, Frame* frame, PlanNode* node) {
    const ProgramState& ps = p_.states[s];
    node->tasks += 1;
    SimTree::Node t;
    PlanScope scope(p_, params_, frame);
    auto args = ps.args.empty() ? Result<Value>(Value::MakeRecord({}))
                                : Evaluate(ps.args, p_.consts, scope);
    Value d = args.ok() && ps.op == "sleep" ? args->Get("duration") : Value();
    if (d.kind() == Value::Kind::kDuration) {
      t.model =
          &sleeps_.emplace(d.duration_ms(), DurationModel::Fixed(d.duration_ms(), "its duration"))
               .first->second;
    } else {
      t.model = ModelOf(ps);
    }
    if (!ps.when.empty()) {
      auto w = Evaluate(ps.when, p_.consts, scope);
      if (w.ok()) {
        t.runs = Truthy(*w) ? 1 : 0;
      } else {
        t.runs = RunsOf(ps.op);  // known only when running
      }
    }
    if (args.ok() && reg_ && PlanMayRun(ps.op) && ps.sig) {
      auto bound = BindArguments(*ps.sig, *args);
      Operator* op = reg_->Find(ps.op);
      if (bound.ok() && op) {
        OperatorContext ctx;
        ctx.args = *bound;
        ctx.workdir = workdir_;
        auto out = op->Run(ctx);
        if (out.ok()) {
          frame->outputs[s] = *out;
        } else {
          node->note = out.status().message();
        }
      }
    }
    node->duration_ms = std::max(node->duration_ms, t.model->median());
    node->p90_ms = std::max(node->p90_ms, t.model->p90());
    node->source = t.model->source;
    return tree_->Add(std::move(t));
  }

  int State(int s, Frame* frame, PlanNode* node) {
    const ProgramState& ps = p_.states[s];
    if (ps.kind == v1::TASK) {
      node->instances += 1;
      return Task(s, frame, node);
    }
    node->instances += 1;
    SimTree::Node zero;
    zero.model = &zero_;
    if (ps.kind != v1::BLOCK_BEGIN) return tree_->Add(std::move(zero));
    const v1::Block& b = ps.block;
    std::vector<Value> items;
    bool unknown = false;
    if (b.kind() == v1::GROUP) {
      items.push_back(Value());
    } else {
      PlanScope scope(p_, params_, frame);
      auto v = Evaluate(ps.items, p_.consts, scope);
      if (!v.ok() || v->kind() != Value::Kind::kList) {
        node->unknown = true;
        unknown = true;
        node->items = -1;
        node->note = "items known only when running: " + ps.items.source;
        items.push_back(Value());  // plan one instance to show the body
      } else {
        items = v->list();
        if (node->items >= 0) node->items += static_cast<int64_t>(items.size());
      }
    }
    node->parallel = b.parallel();
    SimTree::Node loop;
    loop.kind = SimTree::Kind::kLoop;
    int64_t tasks_before = CountTasks(node->children);
    for (const Value& item : items) {
      Frame f;
      f.parent = frame;
      f.block = s;
      f.var = item;
      loop.kids.push_back(Body(s, &f, &node->children));
    }
    node->tasks += CountTasks(node->children) - tasks_before;
    int64_t n = static_cast<int64_t>(items.size());
    int64_t par = b.parallel() > 0 ? b.parallel() : std::max<int64_t>(1, n);
    loop.width = par;
    int64_t batch = 0, waves = 0, window = -1;
    RollingLimit limit(b, n);
    if (b.kind() == v1::ROLLING && IsWindow(b)) {
      // A sliding window: at most `window` (and what the floor leaves) at once.
      window = std::max<int64_t>(0, std::min({limit.window(), limit.max_out(), n}));
      loop.mode = SimTree::Mode::kWindow;
      loop.width = std::max<int64_t>(1, std::min(window, par));
      if (window == 0) loop.kids.clear();
      if (n > 0 && limit.max_out() <= 0) node->note = "fails when run: " + limit.Why();
      loop.cap = b.has_keep() ? limit.max_out() : loop.width;
    } else if (b.kind() == v1::ROLLING) {
      batch = WaveSize(b, n);
      waves = (n + batch - 1) / batch;
      node->waves += waves;
      int64_t room = std::max<int64_t>(1, limit.max_out());  // the floor splits a wave
      loop.mode = SimTree::Mode::kWaves;
      loop.batch = batch;
      loop.width = std::max<int64_t>(1, std::min({par, room, batch}));
      loop.cap = b.has_keep() ? limit.max_out() : std::min(batch, par);
    }
    if (!unknown && b.kind() != v1::GROUP) {
      PlanBranch br;
      br.label = BranchLabel(frame, node->branches.size());
      br.items = n;
      if (b.kind() == v1::ROLLING) {
        br.batch = std::min(batch, n);
        br.waves = waves;
        br.window = window;
        if (b.has_keep()) br.floor = limit.floor();
      }
      node->branches.push_back(std::move(br));
      loop.record = tree_->NewRecord();
      recorded_.push_back({node, node->branches.size() - 1});
      if (frame->block >= 0) {
        const ProgramState& outer = p_.states[frame->block];
        node->scope = outer.block.var().empty() ? outer.name : outer.block.var();
      }
    }
    return tree_->Add(std::move(loop));
  }

  // The enclosing loop's item, as a branch name.
  static std::string BranchLabel(const Frame* frame, size_t index) {
    if (frame->block < 0) return "";
    const Value& v = frame->var;
    if (v.kind() == Value::Kind::kRecord) {
      for (const char* field : {"name", "id"}) {
        Value f = v.Get(field);
        if (f.kind() == Value::Kind::kString) return f.as_string();
      }
    }
    if (v.kind() == Value::Kind::kString) return v.as_string();
    if (v.kind() == Value::Kind::kInt) return std::to_string(v.as_int());
    return "#" + std::to_string(index + 1);
  }

  static int64_t CountTasks(const std::vector<PlanNode>& nodes) {
    int64_t n = 0;
    for (const PlanNode& c : nodes) n += c.kind == "stage" ? c.tasks : CountTasks(c.children);
    return n;
  }

  const Program& p_;
  const Value& params_;
  const OperatorRegistry* reg_;
  std::string workdir_;
  const PlanFigures* figs_;
  SimTree* tree_;
  DurationModel zero_;
  std::map<std::string, DurationModel> models_;  // by operator; pointers stay valid
  std::map<int64_t, DurationModel> sleeps_;      // `sleep` tasks, by duration
  std::vector<Recorded> recorded_;
};

std::string Range(int64_t lo, int64_t hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

// "10 items in 10 waves of 1" for the branches (a range when they differ).
std::string Shape(const std::vector<PlanBranch>& bs) {
  auto range = [&](int64_t PlanBranch::*f) {
    int64_t lo = bs[0].*f, hi = bs[0].*f;
    for (const PlanBranch& b : bs) lo = std::min(lo, b.*f), hi = std::max(hi, b.*f);
    return Range(lo, hi);
  };
  std::string s = range(&PlanBranch::items) + " items";
  if (bs[0].waves > 0)
    s += " in " + range(&PlanBranch::waves) + " waves of " + range(&PlanBranch::batch);
  if (bs[0].window >= 0) s += ", window " + range(&PlanBranch::window);
  if (bs[0].floor >= 0) s += ", keep " + range(&PlanBranch::floor) + " serving";
  return s;
}

bool SameShape(const std::vector<PlanBranch>& bs) {
  for (const PlanBranch& b : bs) {
    if (b.items != bs[0].items || b.waves != bs[0].waves || b.batch != bs[0].batch ||
        b.window != bs[0].window || b.floor != bs[0].floor) {
      return false;
    }
  }
  return true;
}

bool SamePrediction(const std::vector<PlanBranch>& bs) {
  for (const PlanBranch& b : bs) {
    if (b.duration_ms != bs[0].duration_ms || b.p90_ms != bs[0].p90_ms) return false;
  }
  return true;
}

// " (p90 ~X, bound ~Y)": what follows a predicted median, when it adds something.
template <typename T>
std::string Tail(const T& n) {
  std::string s;
  if (n.p90_ms > n.duration_ms) s += "p90 ~" + FormatDuration(n.p90_ms);
  if (n.bound_ms > 0)
    s += std::string(s.empty() ? "" : ", ") + "bound ~" + FormatDuration(n.bound_ms);
  return s.empty() ? s : " (" + s + ")";
}

constexpr size_t kBranchLines = 12;  // branches listed one per line when they differ

void Text(const PlanNode& n, int depth, std::string* out) {
  std::string pad(depth * 2, ' ');
  bool named_by_kind = n.name.rfind(n.kind, 0) == 0;
  std::string line = pad + (named_by_kind ? n.name : n.kind + " " + n.name);
  bool looped = n.kind == "foreach" || n.kind == "fanout" || n.kind == "rolling";
  bool per_branch = looped && !n.scope.empty() && n.items >= 0 && !n.branches.empty();
  if (n.kind == "stage") {
    line += " = " + n.op + "  x" + std::to_string(n.tasks) + "  ~" + FormatDuration(n.duration_ms) +
            " each";
    if (n.p90_ms > n.duration_ms) line += " (p90 ~" + FormatDuration(n.p90_ms) + ")";
  } else if (n.kind == "approve") {
    line += "  (waits for dandori approve JOB " + n.name + ")";
  } else if (n.state >= 0) {
    line += "  ";
    if (per_branch) {
      // Inside another loop: one instance per enclosing item, running side by side.
      line += "per " + n.scope + ": " + Shape(n.branches) + " (" +
              std::to_string(n.branches.size()) + " " + n.scope + "s, " + std::to_string(n.items) +
              " items), ";
    } else if (looped && n.items >= 0 && !n.branches.empty()) {
      line += Shape(n.branches) + ", ";
    } else if (looped) {
      line += "? items, ";
    }
    if (n.parallel > 0) line += "parallel " + std::to_string(n.parallel) + ", ";
    if (n.kind == "fanout" && n.items > 0 && (n.parallel == 0 || n.parallel >= n.items)) {
      line += "all branches at once, ";
    }
    line += std::to_string(n.tasks) + " tasks, ~" + FormatDuration(n.duration_ms) + Tail(n);
  }
  if (!n.note.empty()) line += "  [" + n.note + "]";
  *out += line + "\n";
  if (per_branch && (!SameShape(n.branches) || !SamePrediction(n.branches))) {
    for (size_t i = 0; i < n.branches.size() && i < kBranchLines; ++i) {
      const PlanBranch& b = n.branches[i];
      *out += pad + "  | " + n.scope + " " + b.label + ": " + Shape({b}) + ", ~" +
              FormatDuration(b.duration_ms) + Tail(b) + "\n";
    }
    if (n.branches.size() > kBranchLines) {
      *out += pad + "  | ... " + std::to_string(n.branches.size() - kBranchLines) + " more " +
              n.scope + "s (--json lists all)\n";
    }
  }
  for (const PlanNode& c : n.children) Text(c, depth + 1, out);
}

// A rolling branch's window and floor, for --json.
void RollingFields(const PlanBranch& b, Value::Record* r) {
  if (b.window >= 0) r->emplace_back("window", Value::Int(b.window));
  if (b.floor >= 0) r->emplace_back("keep_serving", Value::Int(b.floor));
}

// Draws the schedule options.draws times; fills the makespan of `out` and of every
// recorded branch (median, p90, lower bound) and the figures used.
void Simulate(const SimTree& tree, int root, const Planner& planner, const PlanOptions& options,
              PlanNode* out) {
  int64_t overhead = options.figures ? options.figures->overhead_ms : 0;
  int draws = std::max(1, options.draws);
  std::mt19937_64 rng(options.seed);
  std::vector<int64_t> total;
  std::vector<std::vector<int64_t>> made(tree.records()), bound(tree.records());
  std::vector<int64_t> m, b;
  for (int i = 0; i < draws; ++i) {
    total.push_back(tree.Simulate(root, overhead, rng, &m, &b));
    for (int r = 0; r < tree.records(); ++r) {
      made[r].push_back(m[r]);
      bound[r].push_back(b[r]);
    }
  }
  std::sort(total.begin(), total.end());
  out->duration_ms = QuantileOf(total, 0.5);
  out->p90_ms = QuantileOf(total, 0.9);
  for (size_t r = 0; r < planner.recorded().size(); ++r) {
    std::sort(made[r].begin(), made[r].end());
    std::sort(bound[r].begin(), bound[r].end());
    PlanNode* node = planner.recorded()[r].node;
    PlanBranch& br = node->branches[planner.recorded()[r].branch];
    br.duration_ms = QuantileOf(made[r], 0.5);
    br.p90_ms = QuantileOf(made[r], 0.9);
    br.bound_ms = QuantileOf(bound[r], 0.5);
    node->duration_ms = std::max(node->duration_ms, br.duration_ms);
    node->p90_ms = std::max(node->p90_ms, br.p90_ms);
    node->bound_ms = std::max(node->bound_ms, br.bound_ms);
    out->bound_ms = std::max(out->bound_ms, br.bound_ms);
  }
  for (const auto& [op, model] : planner.models()) {
    double runs = -1;
    if (options.figures && options.figures->runs.count(op)) runs = options.figures->runs.at(op);
    out->figures.push_back({op, model.median(), model.p90(), runs, model.source});
  }
  out->overhead_ms = overhead;
  out->overhead_source = options.figures ? options.figures->overhead_source : "";
  out->draws = draws;
}

}  // namespace

bool PlanMayRun(const std::string& op) { return op == "fleet.inventory"; }

Result<PlanNode> MakePlan(const Program& program, const Value& params,
                          const OperatorRegistry* registry, const std::string& workdir,
                          const PlanOptions& options) {
  SimTree tree;
  Planner planner(program, params, registry, workdir, options.figures, &tree);
  PlanNode root;
  root.kind = "workflow";
  root.name = program.table.workflow();
  Frame top;
  int main = planner.Body(-1, &top, &root.children);
  Simulate(tree, main, planner, options, &root);
  for (int h : {program.on_failure, program.on_success}) {
    if (h < 0) continue;
    PlanNode n;
    n.state = h;
    n.kind = KindName(program.states[h]);
    n.name = program.states[h].name;
    Frame f;
    f.parent = &top;
    f.block = h;
    n.instances = 1;
    SimTree handler;
    Planner hp(program, params, registry, workdir, options.figures, &handler);
    int body = hp.Body(h, &f, &n.children);
    PlanNode scratch;
    Simulate(handler, body, hp, options, &scratch);
    n.duration_ms = scratch.duration_ms;
    n.p90_ms = scratch.p90_ms;
    for (const PlanNode& c : n.children) n.tasks += c.tasks;
    root.children.push_back(std::move(n));
  }
  for (const PlanNode& c : root.children) {
    if (c.kind != "on failure" && c.kind != "on success") root.tasks += c.tasks;
    root.unknown |= c.unknown;
  }
  return root;
}

std::string PlanText(const PlanNode& plan) {
  std::string out =
      "plan " + plan.name + ": " + std::to_string(plan.tasks) + " tasks, predicted makespan ~" +
      FormatDuration(plan.duration_ms) +
      (plan.p90_ms > plan.duration_ms ? ", p90 ~" + FormatDuration(plan.p90_ms) : "") +
      (plan.bound_ms > 0 ? ", lower bound ~" + FormatDuration(plan.bound_ms) : "") +
      (plan.unknown ? " (some lists are known only when running)" : "") + "\n";
  for (const PlanNode& c : plan.children) Text(c, 1, &out);
  out += "figures (" + std::to_string(plan.draws) + " simulated runs; engine ~" +
         FormatDuration(plan.overhead_ms) + " per task" +
         (plan.overhead_source.empty() ? "" : ", " + plan.overhead_source) + "):\n";
  for (const PlanFigure& f : plan.figures) {
    out += "  " + f.op + "  ~" + FormatDuration(f.median_ms);
    if (f.p90_ms > f.median_ms) out += ", p90 ~" + FormatDuration(f.p90_ms);
    if (f.runs >= 0)
      out +=
          ", runs " + std::to_string(static_cast<int>(f.runs * 100 + 0.5)) + "% when conditional";
    out += "  (" + f.source + ")\n";
  }
  return out;
}

Value PlanValue(const PlanNode& n) {
  Value::List children;
  for (const PlanNode& c : n.children) children.push_back(PlanValue(c));
  Value::Record r = {{"kind", Value::String(n.kind)},
                     {"name", Value::String(n.name)},
                     {"tasks", Value::Int(n.tasks)},
                     {"predicted_ms", Value::Int(n.duration_ms)}};
  if (n.p90_ms > 0) r.emplace_back("predicted_p90_ms", Value::Int(n.p90_ms));
  if (!n.op.empty()) r.emplace_back("op", Value::String(n.op));
  if (!n.source.empty()) r.emplace_back("figure", Value::String(n.source));
  if (n.state < 0) {
    r.emplace_back("lower_bound_ms", Value::Int(n.bound_ms));
    r.emplace_back("draws", Value::Int(n.draws));
    r.emplace_back("overhead_ms", Value::Int(n.overhead_ms));
    if (!n.overhead_source.empty())
      r.emplace_back("overhead_source", Value::String(n.overhead_source));
    Value::List figs;
    for (const PlanFigure& f : n.figures) {
      Value::Record fr = {{"op", Value::String(f.op)},
                          {"median_ms", Value::Int(f.median_ms)},
                          {"p90_ms", Value::Int(f.p90_ms)},
                          {"source", Value::String(f.source)}};
      if (f.runs >= 0) fr.emplace_back("runs", Value::Float(f.runs));
      figs.push_back(Value::MakeRecord(std::move(fr)));
    }
    r.emplace_back("figures", Value::MakeList(std::move(figs)));
  }
  if (n.state >= 0 && n.kind != "stage" && n.kind != "approve") {
    r.emplace_back("items", n.items < 0 ? Value() : Value::Int(n.items));
    if (n.waves > 0) r.emplace_back("waves", Value::Int(n.waves));  // over all branches
    r.emplace_back("parallel", Value::Int(n.parallel));
    if (n.scope.empty() && n.branches.size() == 1 && n.branches[0].batch > 0) {
      r.emplace_back("batch", Value::Int(n.branches[0].batch));
    }
    if (n.scope.empty() && n.branches.size() == 1) RollingFields(n.branches[0], &r);
    if (!n.scope.empty() && !n.branches.empty()) {
      // Inside another loop: one entry per instance (e.g. per zone), not summed.
      Value::List per;
      for (const PlanBranch& b : n.branches) {
        Value::Record br = {{"branch", Value::String(b.label)}, {"items", Value::Int(b.items)}};
        if (b.waves > 0) {
          br.emplace_back("waves", Value::Int(b.waves));
          br.emplace_back("batch", Value::Int(b.batch));
        }
        RollingFields(b, &br);
        br.emplace_back("predicted_ms", Value::Int(b.duration_ms));
        br.emplace_back("predicted_p90_ms", Value::Int(b.p90_ms));
        br.emplace_back("lower_bound_ms", Value::Int(b.bound_ms));
        per.push_back(Value::MakeRecord(std::move(br)));
      }
      r.emplace_back("per", Value::String(n.scope));
      r.emplace_back("branches", Value::MakeList(std::move(per)));
    }
  }
  if (!n.note.empty()) r.emplace_back("note", Value::String(n.note));
  if (!children.empty()) r.emplace_back("children", Value::MakeList(std::move(children)));
  return Value::MakeRecord(std::move(r));
}

}  // namespace dandori::engine
