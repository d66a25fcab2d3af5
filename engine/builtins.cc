#include "engine/builtins.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "base/value_ops.h"
#include "dandori/v1/table.pb.h"
#include "engine/interpreter.h"

namespace dandori::engine {
namespace {

using K = Value::Kind;
using Args = std::span<const Value>;
using Fn = Result<Value> (*)(Args);

struct BuiltinDef {
  int id;
  std::string_view name;
  int min_args;
  int max_args;  // -1: any
  Fn fn;
};

Status ArgError(std::string_view fn, const Value& v, std::string_view want) {
  return Status::Invalid(fmt::format("{}() expects {}, got {}", fn, want, Describe(v)));
}

Result<std::string> StringArg(std::string_view fn, const Value& v) {
  if (v.kind() != K::kString) return ArgError(fn, v, "a string");
  return v.as_string();
}

Result<Value> Len(Args a) {
  switch (a[0].kind()) {
    case K::kList:
      return Value::Int(static_cast<int64_t>(a[0].list().size()));
    case K::kRecord:
      return Value::Int(static_cast<int64_t>(a[0].record().size()));
    case K::kString: {
      // Characters, not bytes: count every byte that does not continue a UTF-8 sequence.
      const std::string& s = a[0].as_string();
      return Value::Int(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      }));
    }
    default:
      return ArgError("len", a[0], "a list, string or record");
  }
}

std::string StripTrailingSlashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string BaseOf(const std::string& path) {
  std::string s = StripTrailingSlashes(path);
  if (s == "/") return s;
  size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

Result<Value> Basename(Args a) {
  auto s = StringArg("basename", a[0]);
  if (!s.ok()) return s.status();
  return Value::String(BaseOf(*s));
}

Result<Value> Dirname(Args a) {
  auto s = StringArg("dirname", a[0]);
  if (!s.ok()) return s.status();
  std::string p = StripTrailingSlashes(*s);
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return Value::String(".");
  p = StripTrailingSlashes(p.substr(0, slash));
  return Value::String(p.empty() ? "/" : p);
}

Result<Value> Stem(Args a) {
  auto s = StringArg("stem", a[0]);
  if (!s.ok()) return s.status();
  std::string base = BaseOf(*s);
  size_t dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return Value::String(base);
}

Result<Value> Join(Args a) {
  // join(list) joins the list's items; join(a, b, ...) its arguments.
  Args parts = a;
  if (a.size() == 1 && a[0].kind() == K::kList) parts = Args(a[0].list());
  std::string out;
  for (const Value& part : parts) {
    auto s = StringArg("join", part);
    if (!s.ok()) return s.status();
    if (s->empty()) continue;
    if ((*s)[0] == '/' || out.empty()) {
      out = *s;
    } else {
      if (out.back() != '/') out += '/';
      out += *s;
    }
  }
  return Value::String(out);
}

Result<Value> Str(Args a) { return Value::String(a[0].ToString()); }

Result<Value> Int(Args a) {
  const Value& v = a[0];
  switch (v.kind()) {
    case K::kInt:
    case K::kDuration:  // milliseconds
    case K::kSize:      // bytes
      return Value::Int(v.as_int());
    case K::kBool:
      return Value::Int(v.as_bool() ? 1 : 0);
    case K::kFloat:
    case K::kPercent: {
      double d = std::trunc(v.as_float());
      if (!(d >= -9.2e18 && d <= 9.2e18)) return ArgError("int", v, "a number in the int range");
      return Value::Int(static_cast<int64_t>(d));
    }
    case K::kString: {
      const std::string& s = v.as_string();
      int64_t out = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
        return ArgError("int", v, "a string of decimal digits");
      }
      return Value::Int(out);
    }
    default:
      return ArgError("int", v, "a number, bool, duration, size or string");
  }
}

Result<Value> Extreme(std::string_view fn, Args a, int want) {
  Args items = a;
  if (a.size() == 1 && a[0].kind() == K::kList) items = Args(a[0].list());
  if (items.empty()) return Status::Invalid(fmt::format("{}() of an empty list", fn));
  const Value* best = &items[0];
  for (const Value& v : items.subspan(1)) {
    auto c = Compare(v, *best);
    if (!c.ok()) return Status::Invalid(fmt::format("{}(): {}", fn, c.status().message()));
    if (*c == want) best = &v;
  }
  return *best;
}

Result<Value> Min(Args a) { return Extreme("min", a, -1); }
Result<Value> Max(Args a) { return Extreme("max", a, 1); }

Result<Value> Range(Args a) {
  for (const Value& v : a) {
    if (v.kind() != K::kInt) return ArgError("range", v, "an int");
  }
  int64_t lo = a.size() == 2 ? a[0].as_int() : 0;
  int64_t hi = a.size() == 2 ? a[1].as_int() : a[0].as_int();
  int64_t count = 0;
  if (hi > lo && (__builtin_sub_overflow(hi, lo, &count) || count > kMaxListLength)) {
    return Status::Invalid(fmt::format("range() of {} items is over the limit of {}",
                                       static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo),
                                       kMaxListLength));
  }
  Value::List items;
  if (hi > lo) items.reserve(static_cast<size_t>(hi - lo));
  for (int64_t i = lo; i < hi; ++i) items.push_back(Value::Int(i));
  return Value::MakeList(std::move(items));
}

int ToLower(int c) { return std::tolower(c); }
int ToUpper(int c) { return std::toupper(c); }

template <int (*F)(int)>
Result<Value> MapChars(std::string_view fn, Args a) {
  auto s = StringArg(fn, a[0]);
  if (!s.ok()) return s.status();
  std::string out = *s;
  for (char& c : out) c = static_cast<char>(F(static_cast<unsigned char>(c)));
  return Value::String(std::move(out));
}

Result<Value> Lower(Args a) { return MapChars<ToLower>("lower", a); }
Result<Value> Upper(Args a) { return MapChars<ToUpper>("upper", a); }

Result<Value> Keys(Args a) {
  if (a[0].kind() != K::kRecord) return ArgError("keys", a[0], "a record");
  Value::List out;
  for (const auto& [name, unused] : a[0].record()) out.push_back(Value::String(name));
  return Value::MakeList(std::move(out));
}

Result<Value> Seconds(Args a) {
  if (a[0].kind() != K::kDuration) return ArgError("seconds", a[0], "a duration");
  return Value::Float(static_cast<double>(a[0].duration_ms()) / 1000.0);
}

Result<Value> Flatten(Args a) {
  if (a[0].kind() != K::kList) return ArgError("flatten", a[0], "a list of lists");
  Value::List out;
  for (const Value& inner : a[0].list()) {
    if (inner.kind() != K::kList) return ArgError("flatten", inner, "a list item that is a list");
    if (static_cast<int64_t>(out.size() + inner.list().size()) > kMaxListLength) {
      return Status::Invalid(
          fmt::format("flatten() result is over the limit of {} items", kMaxListLength));
    }
    out.insert(out.end(), inner.list().begin(), inner.list().end());
  }
  return Value::MakeList(std::move(out));
}

Result<Value> Default(Args a) { return a[0].is_null() ? a[1] : a[0]; }

Result<Value> Split(Args a) {
  auto s = StringArg("split", a[0]);
  if (!s.ok()) return s.status();
  auto sep = StringArg("split", a[1]);
  if (!sep.ok()) return sep.status();
  Value::List out;
  auto add = [&](std::string part) {
    if (!part.empty()) out.push_back(Value::String(std::move(part)));
  };
  if (sep->empty()) {  // split on runs of whitespace
    std::string cur;
    for (char c : *s) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        add(std::move(cur));
        cur.clear();
      } else {
        cur += c;
      }
    }
    add(std::move(cur));
  } else {
    size_t start = 0;
    for (size_t at; (at = s->find(*sep, start)) != std::string::npos; start = at + sep->size()) {
      add(s->substr(start, at - start));
    }
    add(s->substr(start));
  }
  return Value::MakeList(std::move(out));
}

constexpr BuiltinDef kBuiltins[] = {
    {v1::BUILTIN_LEN, "len", 1, 1, Len},
    {v1::BUILTIN_BASENAME, "basename", 1, 1, Basename},
    {v1::BUILTIN_DIRNAME, "dirname", 1, 1, Dirname},
    {v1::BUILTIN_STEM, "stem", 1, 1, Stem},
    {v1::BUILTIN_JOIN, "join", 1, -1, Join},
    {v1::BUILTIN_STR, "str", 1, 1, Str},
    {v1::BUILTIN_INT, "int", 1, 1, Int},
    {v1::BUILTIN_MIN, "min", 1, -1, Min},
    {v1::BUILTIN_MAX, "max", 1, -1, Max},
    {v1::BUILTIN_RANGE, "range", 1, 2, Range},
    {v1::BUILTIN_LOWER, "lower", 1, 1, Lower},
    {v1::BUILTIN_UPPER, "upper", 1, 1, Upper},
    {v1::BUILTIN_KEYS, "keys", 1, 1, Keys},
    {v1::BUILTIN_SECONDS, "seconds", 1, 1, Seconds},
    {v1::BUILTIN_FLATTEN, "flatten", 1, 1, Flatten},
    {v1::BUILTIN_DEFAULT, "default", 2, 2, Default},
    {v1::BUILTIN_SPLIT, "split", 2, 2, Split},
};

const BuiltinDef* FindBuiltin(int id) {
  for (const BuiltinDef& d : kBuiltins) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

}  // namespace

std::string_view BuiltinName(int id) {
  const BuiltinDef* d = FindBuiltin(id);
  if (d) return d->name;
  static thread_local std::string unknown;
  unknown = fmt::format("builtin#{}", id);
  return unknown;
}

Result<Value> CallBuiltin(int id, std::span<const Value> args) {
  const BuiltinDef* d = FindBuiltin(id);
  if (!d) return Status::Invalid(fmt::format("unknown builtin function #{}", id));
  const int n = static_cast<int>(args.size());
  if (n < d->min_args || (d->max_args >= 0 && n > d->max_args)) {
    std::string want = d->min_args == d->max_args ? fmt::format("{}", d->min_args)
                       : d->max_args < 0          ? fmt::format("at least {}", d->min_args)
                                         : fmt::format("{} to {}", d->min_args, d->max_args);
    return Status::Invalid(fmt::format("{}() takes {} argument{}, got {}", d->name, want,
                                       d->min_args == 1 && d->max_args == 1 ? "" : "s", n));
  }
  return d->fn(args);
}

}  // namespace dandori::engine
