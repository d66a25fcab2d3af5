#include "stdlib/fleet/server_ref.h"

#include <chrono>
#include <limits>
#include <thread>

#include "base/clock.h"

namespace dandori::fleet {
namespace {

std::string Field(const Value& rec, const char* name) {
  const Value* v = rec.Find(name);
  return v && v->kind() == Value::Kind::kString ? v->as_string() : "";
}

}  // namespace

std::vector<std::string> StringList(const Value* v) {
  std::vector<std::string> out;
  if (!v || v->kind() != Value::Kind::kList) return out;
  for (const Value& item : v->list()) {
    if (item.kind() == Value::Kind::kString) out.push_back(item.as_string());
  }
  return out;
}

Result<ServerRef> ServerArg(const Value& args) {
  const Value* s = args.Find("server");
  if (!s || s->kind() != Value::Kind::kRecord) {
    return Status::Permanent("argument 'server' must be a server record");
  }
  ServerRef ref;
  ref.id = Field(*s, "id");
  ref.zone = Field(*s, "zone");
  ref.admin = Field(*s, "admin");
  ref.metrics = Field(*s, "metrics");
  ref.registry = Field(*s, "registry");
  while (!ref.admin.empty() && ref.admin.back() == '/') ref.admin.pop_back();
  while (!ref.registry.empty() && ref.registry.back() == '/') ref.registry.pop_back();
  ref.restart_argv = StringList(s->Find("restart_argv"));
  ref.distribute_argv = StringList(s->Find("distribute_argv"));
  if (ref.id.empty()) return Status::Permanent("server record has no id");
  return ref;
}

std::vector<std::string> SubstituteArgv(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& vars) {
  std::vector<std::string> out;
  for (const std::string& arg : argv) {
    std::string s;
    for (size_t i = 0; i < arg.size();) {
      if (arg[i] == '{') {
        auto close = arg.find('}', i);
        if (close != std::string::npos) {
          auto it = vars.find(arg.substr(i + 1, close - i - 1));
          if (it != vars.end()) {
            s += it->second;
            i = close + 1;
            continue;
          }
        }
      }
      s += arg[i++];
    }
    out.push_back(std::move(s));
  }
  return out;
}

int64_t DurationArg(const Value& args, const char* name, int64_t fallback) {
  const Value* v = args.Find(name);
  if (!v || v->is_null()) return fallback;
  if (v->kind() == Value::Kind::kDuration || v->kind() == Value::Kind::kInt) return v->as_int();
  return fallback;
}

bool SleepOrCancel(OperatorContext& ctx, int64_t ms) {
  if (ms <= 0) return ctx.cancelled();
  if (ctx.cancel) return ctx.cancel->WaitFor(std::chrono::milliseconds(ms));
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return false;
}

int64_t MsLeft(const OperatorContext& ctx) {
  if (ctx.deadline_ms <= 0) return std::numeric_limits<int64_t>::max();
  return ctx.deadline_ms - SystemClock()->NowMs();
}

}  // namespace dandori::fleet
