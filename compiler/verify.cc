#include "compiler/verify.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "compiler/checker.h"

namespace dandori::compiler {
namespace {

class Verifier {
 public:
  explicit Verifier(const v1::Table& t) : t_(t), n_(t.states_size()) {}
  std::vector<std::string> Run();

 private:
  bool In(int i) const { return i >= 0 && i < n_; }
  void Problem(std::string s) {
    if (problems_.size() < 20) problems_.push_back(std::move(s));
  }
  void CheckCode(const v1::Code& c, int state, const char* what);
  void CheckState(const v1::State& s);
  void Edges(std::vector<std::pair<int, int>>* out) const;

  const v1::Table& t_;
  int n_;
  std::vector<std::string> problems_;
};

void Verifier::CheckCode(const v1::Code& c, int state, const char* what) {
  int size = c.code_size();
  int depth = 0;
  for (int pc = 0; pc < size; ++pc) {
    const v1::Instr& in = c.code(pc);
    auto bad = [&](const char* why) {
      Problem(fmt::format("state {} {}: instruction {} ({}): {}", state, what, pc,
                          v1::Op_Name(in.op()), why));
    };
    switch (in.op()) {
      case v1::OP_CONST:
      case v1::OP_ENV:
      case v1::OP_FIELD:
        if (in.a() < 0 || in.a() >= t_.consts_size()) bad("constant index out of range");
        ++depth;
        if (in.op() == v1::OP_FIELD) --depth;
        break;
      case v1::OP_PARAM:
        if (in.a() < 0 || in.a() >= t_.params_size()) bad("parameter index out of range");
        ++depth;
        break;
      case v1::OP_VAR:
        if (!In(in.a()) || t_.states(in.a()).kind() != v1::BLOCK_BEGIN) bad("not a block");
        ++depth;
        break;
      case v1::OP_STAGE:
      case v1::OP_STAGE_ALL:
        if (!In(in.a())) bad("state index out of range");
        ++depth;
        break;
      case v1::OP_ERROR:
      case v1::OP_DUP:
        ++depth;
        break;
      case v1::OP_LIST:
      case v1::OP_CONCAT:
        depth -= in.a() - 1;
        break;
      case v1::OP_RECORD:
        if (in.a() > 0 && (in.b() < 0 || in.b() + in.a() > t_.consts_size()))
          bad("names out of range");
        depth -= in.a() - 1;
        break;
      case v1::OP_CALL:
        if (!v1::Builtin_IsValid(in.a()) || in.a() == 0) bad("unknown builtin");
        depth -= in.b() - 1;
        break;
      case v1::OP_JUMP:
      case v1::OP_JUMP_IF_FALSE:
      case v1::OP_JUMP_IF_TRUE:
        if (in.a() <= pc || in.a() > size) bad("jump must go forward within the code");
        if (in.op() != v1::OP_JUMP) --depth;
        break;
      case v1::OP_INDEX:
      case v1::OP_ADD:
      case v1::OP_SUB:
      case v1::OP_MUL:
      case v1::OP_DIV:
      case v1::OP_MOD:
      case v1::OP_EQ:
      case v1::OP_NE:
      case v1::OP_LT:
      case v1::OP_LE:
      case v1::OP_GT:
      case v1::OP_GE:
      case v1::OP_IN:
      case v1::OP_POP:
        --depth;
        break;
      case v1::OP_NEG:
      case v1::OP_NOT:
      case v1::OP_TO_BOOL:
        break;
      default:
        bad("invalid opcode");
    }
    if (depth < 0 && in.op() != v1::OP_POP) bad("stack underflow");
  }
  // and/or leave one value on every path; the straight-line count is then 1 as well.
  if (size > 0 && depth != 1) {
    Problem(fmt::format("state {} {}: leaves {} values on the stack, not 1", state, what, depth));
  }
}

void Verifier::CheckState(const v1::State& s) {
  int i = s.index();
  if (s.parent() != -1 && (!In(s.parent()) || t_.states(s.parent()).kind() != v1::BLOCK_BEGIN)) {
    Problem(fmt::format("state {}: parent {} is not a block", i, s.parent()));
  }
  for (int d : s.deps()) {
    if (!In(d) || t_.states(d).parent() != s.parent()) {
      Problem(fmt::format("state {}: dependency {} is not in the same block", i, d));
    }
  }
  for (int o : s.next().ok()) {
    if (!In(o)) Problem(fmt::format("state {}: ok transition {} out of range", i, o));
  }
  bool terminal = s.kind() == v1::SUCCEED || s.kind() == v1::FAIL;
  for (int o : {s.next().failed(), s.next().timed_out(), s.next().cancelled()}) {
    if (!terminal && !In(o))
      Problem(fmt::format("state {}: failure transition {} out of range", i, o));
  }
  if (s.kind() == v1::BLOCK_BEGIN || s.kind() == v1::BLOCK_END) {
    const v1::Block& b = s.block();
    if (!In(b.begin()) || !In(b.end()) || b.first() != b.begin() + 1 || b.last() != b.end() - 1 ||
        (s.kind() == v1::BLOCK_BEGIN ? b.begin() != i : b.end() != i)) {
      Problem(fmt::format("state {}: block descriptor out of range", i));
    }
  }
  if (s.kind() == v1::STATE_KIND_UNSPECIFIED) Problem(fmt::format("state {}: no kind", i));
  if (s.policy().retries() < 0 || s.policy().retries() > kMaxRetries) {
    Problem(fmt::format("state {}: retry budget {} is not bounded", i, s.policy().retries()));
  }
  CheckCode(s.when(), i, "when");
  CheckCode(s.args(), i, "args");
  CheckCode(s.message(), i, "message");
  CheckCode(s.block().items(), i, "items");
}

void Verifier::Edges(std::vector<std::pair<int, int>>* out) const {
  // Where a state can go next: its transitions, a block's entry into its body and its
  // end, and a body's last states into the end of their block.
  for (const v1::State& s : t_.states()) {
    int i = s.index();
    for (int o : s.next().ok()) out->push_back({i, o});
    for (int o : {s.next().failed(), s.next().timed_out(), s.next().cancelled()}) {
      if (In(o)) out->push_back({i, o});
    }
    if (s.kind() == v1::BLOCK_BEGIN && In(s.block().end())) out->push_back({i, s.block().end()});
    if (s.parent() >= 0 && s.next().ok_size() == 0 && s.kind() != v1::BLOCK_BEGIN) {
      out->push_back({i, t_.states(s.parent()).block().end()});
    }
    if (s.kind() == v1::BLOCK_BEGIN) {
      for (int j = s.block().first(); j <= s.block().last() && In(j); ++j) {
        if (t_.states(j).parent() == i && t_.states(j).deps_size() == 0) out->push_back({i, j});
      }
    }
  }
}

std::vector<std::string> Verifier::Run() {
  if (!In(t_.succeed()) || t_.states(t_.succeed()).kind() != v1::SUCCEED || !In(t_.fail()) ||
      t_.states(t_.fail()).kind() != v1::FAIL) {
    Problem("the table has no SUCCEED or FAIL state");
    return problems_;
  }
  for (int i = 0; i < n_; ++i) {
    if (t_.states(i).index() != i)
      Problem(fmt::format("state {} says it is {}", i, t_.states(i).index()));
  }
  if (!problems_.empty()) return problems_;
  for (const v1::State& s : t_.states()) CheckState(s);
  for (const v1::Param& p : t_.params()) CheckCode(p.default_value(), -1, "parameter default");
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

std::vector<std::string> VerifyTable(const v1::Table& table) { return Verifier(table).Run(); }

}  // namespace dandori::compiler
