#include "engine/program_edges.h"

#include <algorithm>

namespace dandori::engine {
namespace {

class EdgeWriter {
 public:
  explicit EdgeWriter(const Program& p) : p_(p) {}

  std::vector<ProgramEdge> Run() {
    Body(-1);
    for (const ProgramState& s : p_.states) {
      if (s.kind == v1::BLOCK_BEGIN) Body(s.index);
    }
    for (int h : {p_.on_failure, p_.on_success}) {
      if (h < 0) continue;
      int end = p_.states[h].block.end();
      Add(end, p_.states[h].end_ok, "ok");
      Failures(h, p_.states[h]);
      Failures(end, p_.states[h]);
    }
    std::sort(out_.begin(), out_.end());
    return out_;
  }

 private:
  void Add(int from, int to, const char* kind) { out_.push_back({from, to, kind}); }

  void Failures(int from, const ProgramState& s) {
    if (s.fail_to >= 0) Add(from, s.fail_to, "failed");
    if (s.timeout_to >= 0 && s.timeout_to != s.fail_to) Add(from, s.timeout_to, "timed_out");
  }

  // Where a node of a body completes: a block at its END, others in place.
  int Completion(int i) const {
    const ProgramState& s = p_.states[i];
    return s.kind == v1::BLOCK_BEGIN ? s.block.end() : i;
  }

  void Body(int b) {
    const std::vector<int>& body = p_.Body(b);
    int exit = b < 0 ? p_.top_exit : p_.states[b].block.end();
    if (b >= 0) {
      for (int e : p_.states[b].entries) Add(b, body[e], "ok");
      if (p_.states[b].entries.empty()) Add(b, exit, "ok");
    }
    for (int i : body) {
      const ProgramState& s = p_.states[i];
      int done = Completion(i);
      for (int d : s.dependents) Add(done, body[d], "ok");
      if (s.exits) Add(done, exit, "ok");
      Failures(done, s);
      if (done != i) Failures(i, s);  // a block's BEGIN fails where its END does
    }
  }

  const Program& p_;
  std::vector<ProgramEdge> out_;
};

}  // namespace

std::vector<ProgramEdge> ProgramEdges(const Program& program) { return EdgeWriter(program).Run(); }

}  // namespace dandori::engine
