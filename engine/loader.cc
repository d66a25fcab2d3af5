#include "engine/loader.h"

#include "base/read_file.h"
#include "proto/table_file.h"
#include "proto/table_verify.h"
#include "proto/table_version.h"

namespace dandori::engine {
namespace {

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

// The Table's transitions in the body's terms (program.h); the table is verified, so
// every target is in the body or is its exit / END.
void LinkProgram(const v1::Table& t, Program* p) {
  int n = t.states_size();
  auto node_of = [&](int i) {  // a block's END stands for its node (its BEGIN)
    const v1::State& s = t.states(i);
    return s.kind() == v1::BLOCK_END ? s.block().begin() : i;
  };
  auto in_body = [&](int j) {
    const v1::State& s = t.states(j);
    return s.kind() == v1::TASK || s.kind() == v1::GATE ||
           (s.kind() == v1::BLOCK_BEGIN && s.block().kind() != v1::ON_FAILURE &&
            s.block().kind() != v1::ON_SUCCESS);
  };
  for (int i = 0; i < n; ++i) {
    const v1::State& s = t.states(i);
    ProgramState& ps = p->states[node_of(i)];
    if (s.kind() == v1::BLOCK_BEGIN) {
      for (int o : s.next().ok()) {
        if (o != s.block().end()) ps.entries.push_back(p->states[o].slot);
      }
      for (int d : t.states(s.block().end()).deps()) ps.exit_joins += d != i;
      if (!in_body(i)) ps.end_ok = t.states(s.block().end()).next().ok(0);
      if (in_body(i)) continue;  // a block's node completes at its END
    }
    if (s.kind() == v1::TASK || s.kind() == v1::GATE ||
        (s.kind() == v1::BLOCK_END && in_body(node_of(i)))) {
      for (int o : s.next().ok()) {
        if (in_body(o) && t.states(o).parent() == s.parent()) {
          ps.dependents.push_back(p->states[o].slot);
          p->states[o].deps.push_back(ps.slot);
        } else {
          ps.exits = true;
        }
      }
    }
    ps.fail_to = s.next().failed();
    ps.timeout_to = s.next().timed_out();
  }
  for (int i : p->top) {
    if (p->states[i].deps.empty()) p->top_entries.push_back(p->states[i].slot);
  }
  p->top_exit = p->on_success >= 0 ? p->on_success : t.succeed();
  p->top_fail_to = p->top.empty() ? (p->on_failure >= 0 ? p->on_failure : t.fail())
                                  : p->states[p->top.front()].fail_to;
  for (int d : t.states(p->top_exit).deps()) p->top_exit_joins += in_body(node_of(d));
}

}  // namespace

Result<std::shared_ptr<const Program>> LoadTable(const v1::Table& table,
                                                 const OperatorRegistry* registry) {
  if (table.format_version() < v1::kOldestTableFormatVersion ||
      table.format_version() > v1::kTableFormatVersion) {
    return Status::Invalid(
        "this table has format version " + std::to_string(table.format_version()) +
        " but this engine reads versions " + std::to_string(v1::kOldestTableFormatVersion) +
        " to " + std::to_string(v1::kTableFormatVersion) +
        (table.format_version() > v1::kTableFormatVersion ? "; upgrade dandori"
                                                          : "; recompile the .flow file"));
  }
  if (table.states_size() > v1::kMaxStates) return Bad("too many states");
  if (auto problems = v1::VerifyTable(table); !problems.empty()) return Bad(problems.front());
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
  for (int i = 0; i < n; ++i) {
    const v1::State& s = table.states(i);
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
  p->succeed = table.succeed();
  p->fail = table.fail();
  LinkProgram(table, p.get());
  return std::shared_ptr<const Program>(std::move(p));
}

Result<std::shared_ptr<const Program>> LoadTableBytes(const std::string& bytes,
                                                      const OperatorRegistry* registry) {
  v1::Table t;
  if (!v1::ParseTableQuietly(bytes, &t)) return Status::Corruption("unreadable table bytes");
  return LoadTable(t, registry);
}

Result<v1::Table> ReadTableFile(const std::string& path) {
  // A table holds at most kMaxStates states; 64 MiB is far above any real one.
  auto bytes = ReadUserFile(path, 64u << 20);
  if (!bytes.ok()) return bytes.status();
  return v1::DecodeTableFile(*bytes, path);
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
