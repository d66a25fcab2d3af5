#include "proto/table_links.h"

#include <vector>

namespace dandori::v1 {
namespace {

bool IsHandler(const State& s) {
  return (s.kind() == BLOCK_BEGIN || s.kind() == BLOCK_END) &&
         (s.block().kind() == ON_FAILURE || s.block().kind() == ON_SUCCESS);
}

// A task, a gate or a block's BEGIN: what starts inside a body.
bool Starts(const State& s) {
  return (s.kind() == TASK || s.kind() == GATE || s.kind() == BLOCK_BEGIN) && !IsHandler(s);
}

// A task, a gate or a block's END: what ends inside a body.
bool Completes(const State& s) {
  return (s.kind() == TASK || s.kind() == GATE || s.kind() == BLOCK_END) && !IsHandler(s);
}

class Linker {
 public:
  explicit Linker(Table* t) : t_(t) {}

  void Run() {
    int n = t_->states_size();
    std::vector<std::vector<int>> preds(n);
    for (int i = 0; i < n; ++i) {
      State* s = t_->mutable_states(i);
      preds[i].assign(s->deps().begin(), s->deps().end());
      s->clear_deps();
      s->mutable_next()->clear_ok();
    }
    std::vector<bool> has_succ(n, false);
    for (int j = 0; j < n; ++j) {
      const State& s = t_->states(j);
      if (!Starts(s)) continue;
      if (preds[j].empty() && s.parent() >= 0) Link(s.parent(), j);  // an entry
      for (int d : preds[j]) {
        Link(d, j);
        has_succ[d] = true;
      }
    }
    for (int i = 0; i < n; ++i) {
      const State& s = t_->states(i);
      if (Completes(s) && !has_succ[i]) Link(i, Exit(s.parent()));  // a sink
    }
    for (int i = 0; i < n; ++i) {
      const State& s = t_->states(i);
      if (s.kind() == BLOCK_BEGIN && s.next().ok_size() == 0) Link(i, s.block().end());
      if (s.kind() == BLOCK_END && IsHandler(s)) {
        Link(i, s.block().kind() == ON_SUCCESS ? t_->succeed() : t_->fail());
      }
      SetFailure(i, FailureOf(s));
    }
  }

 private:
  void Link(int from, int to) {
    t_->mutable_states(from)->mutable_next()->add_ok(to);
    t_->mutable_states(to)->add_deps(from);
  }

  void SetFailure(int i, int to) {
    t_->mutable_states(i)->mutable_next()->set_failed(to);
    t_->mutable_states(i)->mutable_next()->set_timed_out(to);
  }

  // Where the sinks of the body under BEGIN `b` (-1: the top level) go.
  int Exit(int b) const {
    if (b >= 0) return t_->states(b).block().end();
    return t_->on_success() >= 0 ? t_->on_success() : t_->succeed();
  }

  // A failure in a block's body goes to the block's END, which applies the block's rule;
  // at the top level to the failure handler, else FAIL. A failed success handler runs
  // the failure handler (the job failed after all); a failed failure handler fails.
  int FailureOf(const State& s) const {
    if (s.kind() == SUCCEED || s.kind() == FAIL) return -1;
    int top = t_->on_failure() >= 0 ? t_->on_failure() : t_->fail();
    if (IsHandler(s)) return s.block().kind() == ON_SUCCESS ? top : t_->fail();
    if (s.parent() >= 0) return t_->states(s.parent()).block().end();
    return top;
  }

  Table* t_;
};

}  // namespace

void LinkTransitions(Table* table) { Linker(table).Run(); }

}  // namespace dandori::v1
