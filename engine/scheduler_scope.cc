// The expression scope of an instance: what OP_PARAM / OP_VAR / OP_STAGE /
// OP_STAGE_ALL / OP_ENV / OP_ERROR read while a `when`, the arguments, the items of a
// block or a gate's message are evaluated; and the `error` record of the failure handler.
#include <algorithm>
#include <cstdlib>

#include "engine/scheduler_impl.h"

namespace dandori::engine {
namespace {

// Answers OP_PARAM / OP_VAR / OP_STAGE / OP_STAGE_ALL / OP_ENV / OP_ERROR for an instance.
class InstScope final : public EvalScope {
 public:
  InstScope(Scheduler::Impl* m, Inst* inst) : m_(m), inst_(inst) {}

  Result<Value> Param(int i) override {
    const auto& rec = m_->params.record();
    if (i < 0 || i >= static_cast<int>(rec.size())) return Status::Invalid("bad parameter index");
    return rec[i].second;
  }
  Result<Value> Var(int b) override {
    for (Inst* in = inst_; in; in = in->parent) {
      if (in->block == b) return in->var;
    }
    return Status::Invalid("loop variable of " + Name(b) + " read outside its loop");
  }
  Result<Value> Stage(int s) override {
    if (!Valid(s)) return Status::Invalid("bad stage index");
    const ProgramState& ps = m_->prog->states[s];
    for (Inst* in = inst_; in; in = in->parent) {
      if (in->block != ps.parent) continue;
      const Slot& slot = in->slots[ps.slot];
      if (slot.st == SlotState::kOk || slot.st == SlotState::kSkipped) return slot.output;
      return Status::Invalid("stage " + ps.name + " has no output yet");
    }
    return Status::Invalid("stage " + ps.name + " is not visible here");
  }
  Result<Value> StageAll(int s) override {
    if (!Valid(s)) return Status::Invalid("bad stage index");
    const ProgramState& ps = m_->prog->states[s];
    std::vector<int> chain;  // blocks from the stage's parent outwards
    for (int b = ps.parent; b >= 0; b = m_->prog->states[b].parent) chain.push_back(b);
    for (Inst* in = inst_; in; in = in->parent) {
      auto pos = std::find(chain.begin(), chain.end(), in->block);
      if (in->block != -1 && pos == chain.end()) continue;
      Value::List out;
      size_t depth = in->block == -1 ? chain.size() : static_cast<size_t>(pos - chain.begin());
      Collect(in, chain, depth, ps, &out);
      return Value::MakeList(std::move(out));
    }
    return Status::Invalid("stage " + ps.name + "[*] is not visible here");
  }
  Result<Value> Env(std::string_view name) override {
    const char* v = std::getenv(std::string(name).c_str());
    return v ? Value::String(v) : Value();
  }
  Result<Value> Error() override { return m_->ErrorRecord(); }

 private:
  bool Valid(int s) const { return s >= 0 && s < static_cast<int>(m_->prog->states.size()); }
  std::string Name(int b) const { return Valid(b) ? m_->prog->states[b].name : "?"; }

  // `in` is an instance of chain[depth] (or the top level when depth == chain.size()).
  void Collect(Inst* in, const std::vector<int>& chain, size_t depth, const ProgramState& ps,
               Value::List* out) {
    if (depth == 0) {
      const Slot& slot = in->slots[ps.slot];
      if (slot.st == SlotState::kOk) out->push_back(slot.output);
      return;
    }
    int child = chain[depth - 1];
    const Slot& slot = in->slots[m_->prog->states[child].slot];
    if (!slot.block) return;
    const BlockRun& run = *slot.block;
    if (m_->prog->states[child].block.kind() == v1::GROUP) {
      if (!run.insts.empty() && run.insts.back())
        Collect(run.insts.back().get(), chain, depth - 1, ps, out);
      return;
    }
    for (const auto& sub : run.insts) {
      if (sub) Collect(sub.get(), chain, depth - 1, ps, out);
    }
  }

  Scheduler::Impl* m_;
  Inst* inst_;
};

}  // namespace

Result<Value> Scheduler::Impl::Eval(const FlatCode& code, Inst* inst, const std::string& what,
                                    int state) {
  if (code.empty()) return Status::Invalid("no expression");
  InstScope scope(this, inst);
  auto v = Evaluate(code, prog->consts, scope);
  if (!v.ok()) {
    const ProgramState& ps = prog->states[state];
    return Status::Permanent(StateWhere(ps) + ": " + what + " `" + code.source +
                             "`: " + v.status().message());
  }
  return v;
}

Value Scheduler::Impl::ErrorRecord() const {
  if (end.failure.ok()) return Value();
  // A task's failure reads "LOC: stage NAME (OP): CLASS: message"; the record keeps
  // the operator's own message (loc, stage and class are fields of their own).
  std::string message = end.failure.message();
  for (const ProgramState& ps : prog->states) {
    if (ps.kind != v1::TASK || ps.name != end.stage) continue;
    std::string prefix = StateWhere(ps) + ": " + std::string(CodeName(end.failure.code())) + ": ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    break;
  }
  return Value::MakeRecord({{"message", Value::String(message)},
                            {"class", Value::String(std::string(CodeName(end.failure.code())))},
                            {"stage", Value::String(end.stage)},
                            {"loc", Value::String(end.loc)}});
}

}  // namespace dandori::engine
