#include "engine/loader.h"

#include <fstream>
#include <sstream>

#if __has_include("compiler/table_version.h")
#include "compiler/table_version.h"
static_assert(dandori::compiler::kTableFormatVersion == dandori::engine::kEngineTableFormatVersion,
              "the engine must read the format the compiler writes");
#endif

namespace dandori::engine {
namespace {

constexpr int kMaxStates = 100'000;

Status Bad(const std::string& m) { return Status::Invalid("invalid table: " + m); }

std::string Loc(const v1::Table& t, const v1::SourceLoc& loc) {
  std::string file = loc.file() >= 0 && loc.file() < t.files_size() ? t.files(loc.file()) : "?";
  return file + ":" + std::to_string(loc.line()) + ":" + std::to_string(loc.col());
}

// Parameter defaults may read constants and earlier parameters only.
class ParamScope : public EvalScope {
 public:
  explicit ParamScope(const std::vector<Value>& bound) : bound_(bound) {}
  Result<Value> Param(int i) override {
    if (i < 0 || i >= static_cast<int>(bound_.size())) {
      return Status::Invalid("a parameter default reads a later parameter");
    }
    return bound_[i];
  }
  Result<Value> Var(int) override { return Status::Invalid("no loop variable here"); }
  Result<Value> Stage(int) override { return Status::Invalid("no stage output here"); }
  Result<Value> StageAll(int) override { return Status::Invalid("no stage output here"); }
  Result<Value> Env(std::string_view) override { return Value(); }
  Result<Value> Error() override { return Value(); }

 private:
  const std::vector<Value>& bound_;
};

Status CheckState(const v1::Table& t, const v1::State& s, int i) {
  int n = t.states_size();
  if (s.index() != i)
    return Bad("state " + std::to_string(i) + " has index " + std::to_string(s.index()));
  if (s.parent() < -1 || s.parent() >= n ||
      (s.parent() >= 0 && t.states(s.parent()).kind() != v1::BLOCK_BEGIN)) {
    return Bad("state " + s.name() + " has a bad parent");
  }
  for (int d : s.deps()) {
    if (d < 0 || d >= n || d == i) return Bad("state " + s.name() + " has a bad dependency");
  }
  if (s.kind() == v1::BLOCK_BEGIN || s.kind() == v1::BLOCK_END) {
    const auto& b = s.block();
    int begin = s.kind() == v1::BLOCK_BEGIN ? i : b.begin();
    if (begin < 0 || begin >= n || t.states(begin).kind() != v1::BLOCK_BEGIN) {
      return Bad("block end " + s.name() + " has a bad begin");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::shared_ptr<const Program>> LoadTable(const v1::Table& table,
                                                 const OperatorRegistry* registry) {
  if (table.format_version() != kEngineTableFormatVersion) {
    return Status::Invalid(
        "this table has format version " + std::to_string(table.format_version()) +
        " but this engine reads version " + std::to_string(kEngineTableFormatVersion) +
        (table.format_version() > kEngineTableFormatVersion ? "; upgrade dandori"
                                                            : "; recompile the .flow file"));
  }
  if (table.states_size() > kMaxStates) return Bad("too many states");
  auto p = std::make_shared<Program>();
  p->table = table;
  p->consts = ConstPool(table);
  for (const auto& prm : table.params()) {
    auto type = ParseType(prm.type(), FindNamedType);
    if (!type.ok()) return Bad("parameter " + prm.name() + ": " + type.status().message());
    p->params.push_back({prm.name(), *type, prm.required(), Flatten(prm.default_value())});
  }
  int n = table.states_size();
  p->states.resize(n);
  auto begin_of = [&](int i) {
    const auto& s = table.states(i);
    return s.kind() == v1::BLOCK_END ? s.block().begin() : i;
  };
  for (int i = 0; i < n; ++i) {
    const v1::State& s = table.states(i);
    DANDORI_RETURN_IF_ERROR(CheckState(table, s, i));
    ProgramState& ps = p->states[i];
    ps.index = i;
    ps.name = s.name();
    ps.kind = s.kind();
    ps.loc = Loc(table, s.loc());
    ps.parent = s.parent();
    ps.when = Flatten(s.when());
    ps.policy = s.policy();
    ps.block = s.block();
    ps.message = Flatten(s.message());
    if (s.kind() == v1::TASK) {
      ps.op = s.op();
      ps.sig = FindOperator(s.op());
      if (!ps.sig) return Status::Invalid(ps.loc + ": unknown operator " + s.op());
      ps.args = Flatten(s.args());
      ps.pool = s.pool().empty() ? ps.sig->family : s.pool();
      if (registry) {
        ps.impl = registry->Find(s.op());
        if (!ps.impl) {
          return Status::Invalid(ps.loc + ": operator " + s.op() +
                                 " is not available in this build of dandori");
        }
      }
    }
    if (s.kind() == v1::BLOCK_BEGIN) ps.items = Flatten(s.block().items());
  }
  // Bodies: every state but BLOCK_END, terminals and handler blocks, under its parent.
  for (int i = 0; i < n; ++i) {
    ProgramState& ps = p->states[i];
    if (ps.kind == v1::BLOCK_END || ps.kind == v1::SUCCEED || ps.kind == v1::FAIL) continue;
    if (ps.kind == v1::BLOCK_BEGIN &&
        (ps.block.kind() == v1::ON_FAILURE || ps.block.kind() == v1::ON_SUCCESS)) {
      if (ps.parent != -1) return Bad("handler " + ps.name + " is not at the top level");
      (ps.block.kind() == v1::ON_FAILURE ? p->on_failure : p->on_success) = i;
      continue;
    }
    auto& body = ps.parent < 0 ? p->top : p->states[ps.parent].body;
    ps.slot = static_cast<int>(body.size());
    body.push_back(i);
  }
  for (int i = 0; i < n; ++i) {
    ProgramState& ps = p->states[i];
    if (ps.kind == v1::BLOCK_END || ps.kind == v1::SUCCEED || ps.kind == v1::FAIL) continue;
    for (int d : table.states(i).deps()) {
      int b = begin_of(d);
      const ProgramState& dep = p->states[b];
      if (dep.parent != ps.parent || dep.kind == v1::SUCCEED || dep.kind == v1::FAIL) {
        return Bad("state " + ps.name + " depends on " + dep.name + " outside its block");
      }
      ps.deps.push_back(dep.slot);
    }
  }
  for (int i = 0; i < n; ++i) {
    ProgramState& ps = p->states[i];
    if (ps.kind == v1::BLOCK_END || ps.kind == v1::SUCCEED || ps.kind == v1::FAIL) continue;
    const auto& body = p->Body(ps.parent);
    if (ps.slot >= static_cast<int>(body.size()) || body[ps.slot] != i) continue;  // handler
    for (int d : ps.deps) p->states[body[d]].dependents.push_back(ps.slot);
  }
  return std::shared_ptr<const Program>(std::move(p));
}

Result<std::shared_ptr<const Program>> LoadTableBytes(const std::string& bytes,
                                                      const OperatorRegistry* registry) {
  v1::Table t;
  if (!t.ParseFromString(bytes)) return Status::Corruption("unreadable table bytes");
  return LoadTable(t, registry);
}

Result<v1::Table> ReadTableFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Invalid("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  v1::Table t;
  if (!t.ParseFromString(ss.str()))
    return Status::Invalid(path + ": not a compiled table (.flowc)");
  return t;
}

Result<Value> BindParams(const Program& program, const std::map<std::string, std::string>& given) {
  for (const auto& [name, text] : given) {
    bool known = false;
    for (const auto& p : program.params) known |= p.name == name;
    if (!known) return Status::Invalid("unknown parameter " + name);
  }
  std::vector<Value> bound;
  Value::Record rec;
  for (const ProgramParam& p : program.params) {
    auto it = given.find(p.name);
    Value v;
    if (it != given.end()) {
      Value raw = Value::String(it->second);
      const std::string& s = it->second;
      if (!s.empty() && (s[0] == '[' || s[0] == '{') && p.type->kind != Type::Kind::kString) {
        auto j = Value::FromJson(s);
        if (!j.ok()) return Status::Invalid("parameter " + p.name + ": " + j.status().message());
        raw = *j;
      }
      auto c = CoerceValue(raw, *p.type);
      if (!c.ok()) {
        return Status::Invalid("parameter " + p.name + " (" + p.type->ToString() +
                               "): " + c.status().message());
      }
      v = *c;
    } else if (!p.default_value.empty()) {
      ParamScope scope(bound);
      auto d = Evaluate(p.default_value, program.consts, scope);
      if (!d.ok())
        return Status::Invalid("parameter " + p.name + " default: " + d.status().message());
      v = *d;
    } else if (p.required) {
      return Status::Invalid("missing required parameter " + p.name + " (" + p.type->ToString() +
                             "); pass --param " + p.name + "=VALUE");
    }
    bound.push_back(v);
    rec.emplace_back(p.name, v);
  }
  return Value::MakeRecord(std::move(rec));
}

}  // namespace dandori::engine
