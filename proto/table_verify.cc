#include "proto/table_verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "proto/table_version.h"

namespace dandori::v1 {
namespace {

class Verifier {
 public:
  explicit Verifier(const Table& t) : t_(t), n_(t.states_size()) {}
  std::vector<std::string> Run();

 private:
  bool In(int i) const { return i >= 0 && i < n_; }
  void Problem(std::string s) {
    if (problems_.size() < 20) problems_.push_back(std::move(s));
  }
  void CheckCode(const Code& c, int state, const char* what);
  void CheckPolicy(const Policy& p, int state);
  void CheckState(const State& s);
  void CheckOk(const State& s);
  void CheckFailure(const State& s);
  void CheckJoins();
  void Edges(std::vector<std::pair<int, int>>* out) const;
  int BodyOf(const State& s) const;
  bool IsHandler(const State& s) const;
  int ExitOf(int b) const;
  int FailOf(int b) const;
  bool StartsIn(int j, int b) const;

  const Table& t_;
  int n_;
  std::vector<std::string> problems_;
};

void Verifier::CheckCode(const Code& c, int state, const char* what) {
  int size = c.code_size();
  int depth = 0;
  for (int pc = 0; pc < size; ++pc) {
    const Instr& in = c.code(pc);
    auto bad = [&](const char* why) {
      Problem(fmt::format("state {} {}: instruction {} ({}): {}", state, what, pc, Op_Name(in.op()),
                          why));
    };
    switch (in.op()) {
      case OP_CONST:
      case OP_ENV:
      case OP_FIELD:
        if (in.a() < 0 || in.a() >= t_.consts_size()) bad("constant index out of range");
        ++depth;
        if (in.op() == OP_FIELD) --depth;
        break;
      case OP_PARAM:
        if (in.a() < 0 || in.a() >= t_.params_size()) bad("parameter index out of range");
        ++depth;
        break;
      case OP_VAR:
        if (!In(in.a()) || t_.states(in.a()).kind() != BLOCK_BEGIN) bad("not a block");
        ++depth;
        break;
      case OP_STAGE:
      case OP_STAGE_ALL:
        if (!In(in.a())) bad("state index out of range");
        ++depth;
        break;
      case OP_ERROR:
      case OP_DUP:
        ++depth;
        break;
      case OP_LIST:
      case OP_CONCAT:
        depth -= in.a() - 1;
        break;
      case OP_RECORD:
        if (in.a() > 0 && (in.b() < 0 || in.b() + in.a() > t_.consts_size()))
          bad("names out of range");
        depth -= in.a() - 1;
        break;
      case OP_CALL:
        if (!Builtin_IsValid(in.a()) || in.a() == 0) bad("unknown builtin");
        depth -= in.b() - 1;
        break;
      case OP_JUMP:
      case OP_JUMP_IF_FALSE:
      case OP_JUMP_IF_TRUE:
        if (in.a() <= pc || in.a() > size) bad("jump must go forward within the code");
        if (in.op() != OP_JUMP) --depth;
        break;
      case OP_INDEX:
      case OP_ADD:
      case OP_SUB:
      case OP_MUL:
      case OP_DIV:
      case OP_MOD:
      case OP_EQ:
      case OP_NE:
      case OP_LT:
      case OP_LE:
      case OP_GT:
      case OP_GE:
      case OP_IN:
      case OP_POP:
        --depth;
        break;
      case OP_NEG:
      case OP_NOT:
      case OP_TO_BOOL:
        break;
      default:
        bad("invalid opcode");
    }
    if (depth < 0 && in.op() != OP_POP) bad("stack underflow");
  }
  // and/or leave one value on every path; the straight-line count is then 1 as well.
  if (size > 0 && depth != 1) {
    Problem(fmt::format("state {} {}: leaves {} values on the stack, not 1", state, what, depth));
  }
}

// The body a state belongs to, as the BEGIN of its block (-1: the top level); a
// handler's BEGIN and END belong to no body (kHandler).
constexpr int kHandler = -2;

int Verifier::BodyOf(const State& s) const {
  if (IsHandler(s)) return kHandler;
  return s.parent();
}

bool Verifier::IsHandler(const State& s) const {
  if (s.kind() != BLOCK_BEGIN && s.kind() != BLOCK_END) return false;
  return s.block().kind() == ON_FAILURE || s.block().kind() == ON_SUCCESS;
}

// Where the states of body `b` go when they are done: the END of their block, or at
// the top level the success handler (else SUCCEED).
int Verifier::ExitOf(int b) const {
  if (b >= 0) return t_.states(b).block().end();
  return t_.on_success() >= 0 ? t_.on_success() : t_.succeed();
}

// Where a failure inside body `b` goes (and where a failed handler goes).
int Verifier::FailOf(int b) const {
  if (b >= 0) return t_.states(b).block().end();
  if (b == -1) return t_.on_failure() >= 0 ? t_.on_failure() : t_.fail();
  return -1;
}

// A state that starts inside body `b`: a task, a gate or a block's BEGIN.
bool Verifier::StartsIn(int j, int b) const {
  const State& s = t_.states(j);
  return (s.kind() == TASK || s.kind() == GATE || s.kind() == BLOCK_BEGIN) && !IsHandler(s) &&
         s.parent() == b;
}

// Format 4's bound fields: a known field, well-formed code that reads only constants
// and parameters (a policy is bound when the job starts, before any stage ran).
void Verifier::CheckPolicy(const Policy& p, int state) {
  if ((p.bound_size() > 0 || p.tolerate() != 0) && t_.format_version() < 4) {
    Problem(fmt::format("state {}: a policy bound from parameters in a table of format {}", state,
                        t_.format_version()));
  }
  if (p.tolerate() < 0)
    Problem(fmt::format("state {}: tolerate {} is negative", state, p.tolerate()));
  for (const PolicyBinding& b : p.bound()) {
    if (b.field() == POLICY_FIELD_UNSPECIFIED || !PolicyField_IsValid(b.field())) {
      Problem(fmt::format("state {}: a policy binding of an unknown field", state));
    }
    if (b.value().code_size() == 0)
      Problem(fmt::format("state {}: an empty policy binding", state));
    CheckCode(b.value(), state, "policy");
    for (const Instr& in : b.value().code()) {
      if (in.op() == OP_VAR || in.op() == OP_STAGE || in.op() == OP_STAGE_ALL ||
          in.op() == OP_ENV || in.op() == OP_ERROR) {
        Problem(fmt::format("state {}: a policy binding reads {} (only constants and parameters)",
                            state, Op_Name(in.op())));
        break;
      }
    }
  }
}

void Verifier::CheckState(const State& s) {
  int i = s.index();
  if (s.parent() != -1 && (!In(s.parent()) || t_.states(s.parent()).kind() != BLOCK_BEGIN)) {
    Problem(fmt::format("state {}: parent {} is not a block", i, s.parent()));
    return;
  }
  if (s.kind() == STATE_KIND_UNSPECIFIED) Problem(fmt::format("state {}: no kind", i));
  if (s.policy().retries() < 0 || s.policy().retries() > kMaxRetries) {
    Problem(fmt::format("state {}: retry budget {} is not bounded", i, s.policy().retries()));
  }
  if (s.kind() == BLOCK_BEGIN || s.kind() == BLOCK_END) {
    const Block& b = s.block();
    bool sound = In(b.begin()) && In(b.end()) && t_.states(b.begin()).kind() == BLOCK_BEGIN &&
                 t_.states(b.end()).kind() == BLOCK_END &&
                 t_.states(b.end()).block().begin() == b.begin() &&
                 t_.states(b.begin()).block().end() == b.end() &&
                 t_.states(b.end()).parent() == t_.states(b.begin()).parent() &&
                 (s.kind() == BLOCK_BEGIN ? b.begin() == i : b.end() == i);
    if (!sound) {
      Problem(fmt::format("state {}: block descriptor out of range", i));
      return;
    }
    if (IsHandler(s) &&
        (s.parent() != -1 ||
         (b.kind() == ON_FAILURE ? t_.on_failure() != b.begin() : t_.on_success() != b.begin()))) {
      Problem(fmt::format("state {}: a handler block that the table does not name", i));
    }
    bool window = b.window() > 0 || b.window_percent() > 0;
    bool keep = b.has_keep() || b.keep() != 0 || b.keep_percent() != 0;
    if ((window || keep) && (b.kind() != ROLLING || t_.format_version() < 3)) {
      Problem(fmt::format("state {}: window / keep on a block that is not a format-3 rolling", i));
    }
    if (window && (b.batch() > 0 || b.batch_percent() > 0)) {
      Problem(fmt::format("state {}: a rolling block with both batch and window", i));
    }
    if (b.keep() < 0 || b.keep_percent() < 0 || b.keep_percent() >= 100) {
      Problem(fmt::format("state {}: keep out of range", i));
    }
  }
  CheckOk(s);
  CheckFailure(s);
  CheckCode(s.when(), i, "when");
  CheckCode(s.args(), i, "args");
  CheckCode(s.message(), i, "message");
  CheckCode(s.block().items(), i, "items");
  CheckPolicy(s.policy(), i);
}

void Verifier::CheckOk(const State& s) {
  int i = s.index();
  auto bad = [&](int o, const char* why) {
    Problem(fmt::format("state {}: ok transition to {} {}", i, o, why));
  };
  for (int o : s.next().ok()) {
    if (!In(o)) return bad(o, "is out of range");
  }
  switch (s.kind()) {
    case SUCCEED:
    case FAIL:
      if (s.next().ok_size() > 0) bad(s.next().ok(0), "leaves a terminal state");
      return;
    case BLOCK_BEGIN: {
      // Into the body's entries, or straight to the END of an empty body.
      int end = s.block().end();
      bool empty = s.next().ok_size() == 1 && s.next().ok(0) == end;
      for (int o : s.next().ok()) {
        if (!empty && !StartsIn(o, i)) bad(o, "is not an entry of the block's body");
      }
      if (s.next().ok_size() == 0) bad(end, "is missing (a block must enter its body)");
      return;
    }
    default:
      break;
  }
  if (s.kind() == BLOCK_END && IsHandler(s)) {
    int to = s.block().kind() == ON_SUCCESS ? t_.succeed() : t_.fail();
    if (s.next().ok_size() != 1 || s.next().ok(0) != to) bad(to, "is missing (handler end)");
    return;
  }
  // A task, a gate or a block's END: successors in the same body, or the body's exit.
  int body = BodyOf(s);
  if (s.next().ok_size() == 0) bad(ExitOf(body), "is missing (every state goes somewhere)");
  for (int o : s.next().ok()) {
    if (o != ExitOf(body) && !StartsIn(o, body)) bad(o, "leaves the state's body");
  }
}

void Verifier::CheckFailure(const State& s) {
  int i = s.index();
  int expect = -1;
  if (s.kind() == SUCCEED || s.kind() == FAIL) {
    expect = -1;
  } else if (IsHandler(s)) {
    // A failed success handler runs the failure handler; a failed failure handler fails.
    expect = s.block().kind() == ON_SUCCESS ? FailOf(-1) : t_.fail();
  } else {
    expect = FailOf(BodyOf(s));
  }
  for (int o : {s.next().failed(), s.next().timed_out()}) {
    if (o != expect) {
      Problem(fmt::format("state {}: failure transition to {}, expected {}", i, o, expect));
      return;
    }
  }
}

void Verifier::CheckJoins() {
  // deps is exactly the inverse of ok: every state lists all states whose ok names it.
  std::vector<std::vector<int>> inverse(n_);
  for (const State& s : t_.states()) {
    for (int o : s.next().ok()) inverse[o].push_back(s.index());
  }
  for (int j = 0; j < n_; ++j) {
    std::vector<int> deps(t_.states(j).deps().begin(), t_.states(j).deps().end());
    for (int d : deps) {
      if (!In(d)) return Problem(fmt::format("state {}: dependency {} is out of range", j, d));
    }
    std::sort(deps.begin(), deps.end());
    std::sort(inverse[j].begin(), inverse[j].end());
    if (deps != inverse[j]) {
      Problem(fmt::format("state {}: its join list is not the states whose ok names it", j));
    }
  }
}

void Verifier::Edges(std::vector<std::pair<int, int>>* out) const {
  for (const State& s : t_.states()) {
    int i = s.index();
    for (int o : s.next().ok()) out->push_back({i, o});
    for (int o : {s.next().failed(), s.next().timed_out()}) {
      if (In(o)) out->push_back({i, o});
    }
  }
}

std::vector<std::string> Verifier::Run() {
  if (!In(t_.succeed()) || t_.states(t_.succeed()).kind() != SUCCEED || !In(t_.fail()) ||
      t_.states(t_.fail()).kind() != FAIL) {
    Problem("the table has no SUCCEED or FAIL state");
    return problems_;
  }
  for (int i = 0; i < n_; ++i) {
    if (t_.states(i).index() != i)
      Problem(fmt::format("state {} says it is {}", i, t_.states(i).index()));
  }
  if (!problems_.empty()) return problems_;
  if (n_ > kMaxStates) {
    Problem(fmt::format("{} states is over the limit of {}", n_, kMaxStates));
    return problems_;
  }
  for (const State& s : t_.states()) CheckState(s);
  if (!problems_.empty()) return problems_;
  CheckJoins();
  for (const Param& p : t_.params()) CheckCode(p.default_value(), -1, "parameter default");
  CheckPolicy(t_.policy(), -1);
  if (!problems_.empty()) return problems_;
  // The edges in compressed form: forward (by source) and reverse (by target).
  std::vector<std::pair<int, int>> edges;
  Edges(&edges);
  std::vector<int> fwd_start(n_ + 1, 0), rev_start(n_ + 1, 0);
  for (auto [from, to] : edges) {
    ++fwd_start[from + 1];
    ++rev_start[to + 1];
  }
  for (int i = 0; i < n_; ++i) {
    fwd_start[i + 1] += fwd_start[i];
    rev_start[i + 1] += rev_start[i];
  }
  std::vector<int> fwd(edges.size()), rev(edges.size());
  {
    std::vector<int> fpos(fwd_start.begin(), fwd_start.end() - 1);
    std::vector<int> rpos(rev_start.begin(), rev_start.end() - 1);
    for (auto [from, to] : edges) {
      fwd[fpos[from]++] = to;
      rev[rpos[to]++] = from;
    }
  }
  edges.clear();
  edges.shrink_to_fit();
  // Cycles (Kahn): the only repetition allowed is a retry, which is not an edge.
  std::vector<int> indeg(n_, 0);
  for (int j : fwd) ++indeg[j];
  std::vector<int> queue;
  for (int i = 0; i < n_; ++i) {
    if (indeg[i] == 0) queue.push_back(i);
  }
  for (size_t k = 0; k < queue.size(); ++k) {
    int i = queue[k];
    for (int e = fwd_start[i]; e < fwd_start[i + 1]; ++e) {
      if (--indeg[fwd[e]] == 0) queue.push_back(fwd[e]);
    }
  }
  if (static_cast<int>(queue.size()) != n_) {
    for (int i = 0; i < n_; ++i) {
      if (indeg[i] > 0) {
        Problem(fmt::format("state {} ('{}') is on a loop not bounded by a retry budget", i,
                            t_.states(i).name()));
        break;
      }
    }
  }
  // Every state reaches a terminal state: walk back from SUCCEED and FAIL.
  std::vector<bool> seen(n_, false);
  std::vector<int> stack{t_.succeed(), t_.fail()};
  seen[t_.succeed()] = seen[t_.fail()] = true;
  while (!stack.empty()) {
    int j = stack.back();
    stack.pop_back();
    for (int e = rev_start[j]; e < rev_start[j + 1]; ++e) {
      int i = rev[e];
      if (!seen[i]) {
        seen[i] = true;
        stack.push_back(i);
      }
    }
  }
  for (int i = 0; i < n_; ++i) {
    if (!seen[i]) {
      Problem(fmt::format("state {} ('{}') cannot reach a terminal state", i, t_.states(i).name()));
    }
  }
  return problems_;
}

}  // namespace

std::vector<std::string> VerifyTable(const Table& table) { return Verifier(table).Run(); }

}  // namespace dandori::v1
