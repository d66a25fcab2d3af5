#include "stdlib/fleet/server_ref.h"

#include <cctype>
#include <chrono>
#include <limits>
#include <thread>

#include <fmt/format.h>

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
  DANDORI_RETURN_IF_ERROR(ValidateName("server id", ref.id));
  if (!ref.zone.empty()) DANDORI_RETURN_IF_ERROR(ValidateName("zone name", ref.zone));
  return ref;
}

namespace {

bool Unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Replaces "{key}" placeholders in `text`, passing each known value through `emit`.
template <typename Emit>
std::string Substitute(const std::string& text, const std::map<std::string, std::string>& vars,
                       Emit emit) {
  std::string s;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '{') {
      auto close = text.find('}', i);
      if (close != std::string::npos) {
        auto it = vars.find(text.substr(i + 1, close - i - 1));
        if (it != vars.end()) {
          s += emit(it->first, it->second);
          i = close + 1;
          continue;
        }
      }
    }
    s += text[i++];
  }
  return s;
}

bool HasControl(std::string_view v) {
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<std::string>> SubstituteArgv(const std::vector<std::string>& argv,
                                                const std::map<std::string, std::string>& vars) {
  for (const auto& [key, value] : vars) {
    bool used = false;
    for (const std::string& arg : argv)
      used = used || arg.find("{" + key + "}") != std::string::npos;
    if (!used) continue;
    if (!value.empty() && value[0] == '-') {
      return Status::Permanent(fmt::format(
          "argv placeholder {{{}}} would be '{}', which starts with '-' and could be read as "
          "an option; refused",
          key, value));
    }
    if (HasControl(value)) {
      return Status::Permanent(
          fmt::format("argv placeholder {{{}}} holds a control character; refused", key));
    }
  }
  std::vector<std::string> out;
  for (const std::string& arg : argv) {
    out.push_back(
        Substitute(arg, vars, [](const std::string&, const std::string& v) { return v; }));
  }
  return out;
}

std::string UrlEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string SubstituteUrl(const std::string& url, const std::map<std::string, std::string>& vars) {
  return Substitute(url, vars, [](const std::string& key, const std::string& v) {
    return key == "host" ? v : UrlEscape(v);
  });
}

Status ValidateName(std::string_view what, std::string_view value) {
  if (value.empty() || value.size() > 128) {
    return Status::Permanent(fmt::format("{} must be 1 to 128 characters", what));
  }
  if (!std::isalnum(static_cast<unsigned char>(value[0]))) {
    return Status::Permanent(
        fmt::format("{} '{}' must start with a letter or digit", what, UrlEscape(value)));
  }
  for (unsigned char c : value) {
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') {
      return Status::Permanent(fmt::format(
          "{} '{}' may only hold letters, digits, '.', '_' and '-'", what, UrlEscape(value)));
    }
  }
  return Status::Ok();
}

Status ValidateHost(std::string_view value) {
  auto bad = [&](const char* why) {
    return Status::Permanent(fmt::format("host '{}' {}", UrlEscape(value), why));
  };
  if (value.empty() || value.size() > 253) return bad("must be 1 to 253 characters");
  if (value.front() == '[') {
    if (value.back() != ']') return bad("opens '[' without closing it");
    for (unsigned char c : value.substr(1, value.size() - 2)) {
      if (!std::isxdigit(c) && c != ':' && c != '.') return bad("is not a bracketed IPv6 address");
    }
    return Status::Ok();
  }
  if (!std::isalnum(static_cast<unsigned char>(value[0]))) {
    return bad("must start with a letter or digit");
  }
  for (unsigned char c : value) {
    if (!std::isalnum(c) && c != '.' && c != '-') {
      return bad("may only hold letters, digits, '.' and '-' (or be a bracketed IPv6 address)");
    }
  }
  return Status::Ok();
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
